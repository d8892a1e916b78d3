"""Extension points of contingency: what it tells the apps above it without importing them
(DESIGN.md, "Layers"). Filled in their AppConfig.ready(); called in the order registered."""

# --------------------------------------------------------------------------- deadline observers
# An observer is ``observer(period_id, alert)``, called by contingency.alerts.send_alert when a
# deadline alert of an offline period (dte.OfflineScope) falls due: ``alert`` is "event-12h",
# "lots-4h", "event-overdue"… (alerts.kinds_due). Called once per period and alert, inside the
# transaction that records the alert as sent, whether or not anyone is emailed. Notifications and
# webhooks register here.

_deadline_observers = []


def register_deadline_observer(observer):
    """Tell ``observer`` of every contingency deadline near or passed. Registering twice changes nothing."""
    if observer not in _deadline_observers:
        _deadline_observers.append(observer)
    return observer


def deadline_due(period_id, alert):
    for observer in tuple(_deadline_observers):
        observer(period_id, alert)
