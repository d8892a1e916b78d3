"""Extension points: what dte asks or tells the apps above it without importing them (DESIGN.md,
"Layers"). Each registry is a module-level list that an app fills in its ``AppConfig.ready()``;
dte calls whatever is registered, in the order it was registered. Later apps (orders,
notifications, webhooks) subscribe the same way.

Each registry keeps to its own section, so that sections written by different pieces of work
merge as a union."""

# ------------------------------------------------------------------------------- issue checks
# A check is ``check(document, lines, totals, total)``, called while the special cases of a
# document about to be issued are worked out (dte.services.cases.special_cases); it returns the cases it
# finds as ``(code, detail)`` pairs, code a dte.models.CaseCode, detail in Spanish. Payments
# registers the credit checks (limit, overdue documents).

_issue_checks = []


def register_issue_check(check):
    """Ask ``check`` about every document before it is issued. Registering twice changes nothing."""
    if check not in _issue_checks:
        _issue_checks.append(check)
    return check


def issue_checks():
    return tuple(_issue_checks)


# ---------------------------------------------------------------------------- status observers
# An observer is ``observer(document, from_status, to_status, track)``, called by
# dte.transitions.transition() after a move is made, inside the caller's transaction (work that
# must wait for the commit queues itself after it: core.queue.enqueue_on_commit). ``track`` is
# "gov" or "internal". Printing registers here: a new state, a new printed copy.

_status_observers = []


def register_status_observer(observer):
    """Tell ``observer`` of every status change of a document. Registering twice changes nothing."""
    if observer not in _status_observers:
        _status_observers.append(observer)
    return observer


def status_changed(document, from_status, to_status, track):
    for observer in tuple(_status_observers):
        observer(document, from_status, to_status, track)


# ------------------------------------------------------------------------------ seal observers
# An observer is ``observer(document)``, called when MH's seal of a document is recorded
# (dte.transmission.offline.after_seal), in the same transaction. The returned goods of a credit note come back
# this way (dte.returns.credit_note_sealed).

_seal_observers = []


def register_seal_observer(observer):
    """Tell ``observer`` of every document MH seals. Registering twice changes nothing."""
    if observer not in _seal_observers:
        _seal_observers.append(observer)
    return observer


def sealed(document):
    for observer in tuple(_seal_observers):
        observer(document)


# ------------------------------------------------ transmission and offline scopes (dte.transmission)
# Contingency registers here: it hears when an offline scope (dte.OfflineScope) opens or ends and
# when catching up is wanted, names the states of its events and lots, says whether a document is
# listed in an event, and adds the event and lot to the document's page.

# fn(scope_id): after the commit that opened an offline scope (dte.OfflineScope).
scope_opened = []
# fn(scope_id): after the commit that ended one.
scope_ended = []
# fn(scope_id): documents of an ended scope wait to be reported to MH (contingency's catch-up).
catch_up_wanted = []
# fn() -> {kind: TextChoices}: state words of models above dte, for dte.labels.state_label.
state_label_kinds = []
# fn(document) -> bool: MH was told of this offline document (a contingency event lists it).
reported_checks = []
# fn(document) -> dict: more for the document's page (the contingency event and lot it is in).
document_context = []


def register_scope_opened(fn):
    scope_opened.append(fn)
    return fn


def register_scope_ended(fn):
    scope_ended.append(fn)
    return fn


def register_catch_up_wanted(fn):
    catch_up_wanted.append(fn)
    return fn


def register_state_label_kinds(fn):
    state_label_kinds.append(fn)
    return fn


def register_reported_check(fn):
    reported_checks.append(fn)
    return fn


def register_document_context(fn):
    document_context.append(fn)
    return fn


# -------------------------------------------------------------------------- automatic delivery
# A hold is ``hold(document)``, asked before a sealed document is emailed to the client by itself
# (dte.delivery.auto_deliver); it returns a reason (Spanish) to keep it from being sent, or None.
# Onboarding holds the documents of MH's authorisation test set: generated from the company's
# real clients for MH's test environment, they are not the clients' to receive.

_delivery_holds = []


def register_delivery_hold(hold):
    """Ask ``hold`` before emailing any document by itself. Registering twice changes nothing."""
    if hold not in _delivery_holds:
        _delivery_holds.append(hold)
    return hold


def delivery_held(document):
    """The first reason a registered hold gives to keep ``document`` from being emailed, or None."""
    for hold in tuple(_delivery_holds):
        reason = hold(document)
        if reason:
            return reason
    return None


# ------------------------------------------------------------------------------- print annexes
# An annex is ``annex(document)`` -> HTML (already escaped, a fragment) printed after the document
# on its readable version, or "" for none: timesheets adds the hours behind a work-time invoice.

_print_annexes = []


def register_print_annex(annex):
    """Add ``annex`` to every printed copy it answers for. Registering twice changes nothing."""
    if annex not in _print_annexes:
        _print_annexes.append(annex)
    return annex


def print_annexes(document):
    return [html for html in (annex(document) for annex in tuple(_print_annexes)) if html]


# -------------------------------------------------------------------------- retention observers
# An observer is ``observer(match)``: a client's Comprobante de Retención (07), received in
# purchases, names ``match.document`` (one of our own documents) as withheld on; ``match.amount``
# is the IVA the client kept, ``match.reference`` names the CR line (the same every time it is
# told), ``match.date`` the CR's date, ``match.withdrawn`` True when the CR was invalidated and
# the retention no longer counts. Purchases tells it (purchases.retentions.retentions_apply);
# payments registers here: the withheld amount closes that difference in the client's balance.
# Called inside the caller's transaction.

_retention_observers = []


class RetentionMatch:
    __slots__ = ("document", "amount", "reference", "date", "acting_user", "withdrawn")

    def __init__(self, *, document, amount, reference, date, acting_user, withdrawn=False):
        self.document, self.amount, self.reference = document, amount, reference
        self.date, self.acting_user, self.withdrawn = date, acting_user, withdrawn


def register_retention_observer(observer):
    """Tell ``observer`` of every retention matched (or withdrawn). Registering twice changes nothing."""
    if observer not in _retention_observers:
        _retention_observers.append(observer)
    return observer


def retention_matched(match):
    """Returns what the observers answered (payments: the amount applied to the balance)."""
    return [observer(match) for observer in tuple(_retention_observers)]
