"""Extension points: what dte asks or tells the apps above it without importing them (DESIGN.md,
"Layers"). Each registry is a module-level list that an app fills in its ``AppConfig.ready()``;
dte calls whatever is registered, in the order it was registered. Later apps (orders,
notifications, webhooks) subscribe the same way.

Each registry keeps to its own section, so that sections written by different pieces of work
merge as a union."""

# ------------------------------------------------------------------------------- issue checks
# A check is ``check(document, lines, totals, total)``, called while the special cases of a
# document about to be issued are worked out (dte.services.special_cases); it returns the cases it
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
# (dte.pipeline.after_seal), in the same transaction. The returned goods of a credit note come back
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
