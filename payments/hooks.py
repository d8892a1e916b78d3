"""Extension points of payments: what it tells the apps above it without importing them (DESIGN.md,
"Layers"). Filled in their AppConfig.ready(); called in the order registered."""

# ---------------------------------------------------------------------------- payment observers
# An observer is ``observer(payment)``, called by payments.services.payment_record once the payment
# and its applications are saved, inside that transaction (work that must wait for the commit
# queues itself after it). Webhooks registers here: payment.recorded.

_payment_observers = []


def register_payment_observer(observer):
    """Tell ``observer`` of every payment recorded. Registering twice changes nothing."""
    if observer not in _payment_observers:
        _payment_observers.append(observer)
    return observer


def payment_recorded(payment):
    for observer in tuple(_payment_observers):
        observer(payment)
