"""Who hears of reconciliation differences. An app above (notifications) registers in its
AppConfig.ready():

    register_difference_observer(callback)   # callback(period, differences)

``period`` is the reconciliation.models.Period concerned (unsaved, spanning the statement's
dates, when a statement covers no period yet); ``differences`` the list of
reconciliation.selectors.period_differences (dicts with ``kind`` missing/extra/different, the
line and payment ids, ``bank``, ``book`` and ``difference`` as Decimal); a gateway settlement
with differences comes as ``(None, differences)`` (``settlement_differences``). Called after the commit
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


def settlement_differences(settlement):
    """payments.hooks' settlement observer: a gateway settlement with missing, extra or different
    lines is told to the difference observers too, as ``(None, differences)`` (no bank period),
    each difference with ``source`` "settlement" and the settlement's id, so one subscription here
    hears of bank statements and gateway settlements alike."""
    lines = settlement.lines.exclude(status="matched").order_by("position")
    found = [{"kind": line.status, "source": "settlement", "settlement": settlement.pk, "line": line.pk,
              "payment": line.payment_id, "bank": line.gross if line.in_report else None, "book": line.expected,
              "difference": line.difference, "reference": line.reference} for line in lines]
    if found:
        differences_found(None, found)


def differences_found(period, differences):
    for callback in list(_observers):
        try:
            callback(period, differences)
        except Exception:
            log.exception("observador de diferencias de conciliación %r falló", callback)
