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


# ---------------------------------------------------------------------------- settlement sources
# Who knows the operations a gateway settlement pays (issue 21): payments holds the settlement,
# the app that calls the gateways (orders) holds the captures and refunds. A source is
# ``source(*, gateway, start, end)`` → iterable of payments.settlements.Expected: every captured
# charge and refund made through ``gateway`` on the local dates start..end. Orders registers one.

_settlement_sources = []


def register_settlement_source(source):
    if source not in _settlement_sources:
        _settlement_sources.append(source)
    return source


def settlement_expected(*, gateway, start, end):
    for source in tuple(_settlement_sources):
        yield from source(gateway=gateway, start=start, end=end)


# ---------------------------------------------------------------------------- settlement observers
# ``observer(settlement)`` is told of every settlement imported (payments.settlements), after its
# transaction commits: e.g. notifications publishes "reconciliation differences" when
# settlement.differences > 0. Not called when the same report is imported again.

_settlement_observers = []


def register_settlement_observer(observer):
    if observer not in _settlement_observers:
        _settlement_observers.append(observer)
    return observer


def settlement_imported(settlement):
    for observer in tuple(_settlement_observers):
        observer(settlement)
