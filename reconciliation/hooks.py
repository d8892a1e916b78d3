"""Who hears of reconciliation differences. An app above (notifications) registers in its
AppConfig.ready():

    register_difference_observer(callback)   # callback(period, differences)

``period`` is the reconciliation.models.Period concerned (unsaved, spanning the statement's
dates, when a statement covers no period yet); ``differences`` the list of
reconciliation.selectors.period_differences (dicts with ``kind`` missing/extra/different, the
line and payment ids, ``bank``, ``book`` and ``difference`` as Decimal). Called after the commit
of the close or import that found them; an observer that fails is logged and the others still
run."""

import logging

log = logging.getLogger(__name__)
_observers = []


def register_difference_observer(callback):
    if callback not in _observers:
        _observers.append(callback)
    return callback


def unregister_difference_observer(callback):
    if callback in _observers:
        _observers.remove(callback)


def differences_found(period, differences):
    for callback in list(_observers):
        try:
            callback(period, differences)
        except Exception:
            log.exception("observador de diferencias de conciliación %r falló", callback)
