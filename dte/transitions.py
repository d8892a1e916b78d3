"""The one way a document's status changes (DESIGN.md: "Every state change of a fiscal document
goes through one transition function"). Each track has its allowed moves; a move is a
conditional UPDATE on the current status (two workers cannot both make it) plus a history row,
in the caller's transaction."""

from django.db import transaction
from django.utils.translation import gettext as _

from core.rows import insert_rows, update_with_rows  # noqa: F401 - insert_rows: dte's tests and callers use it from here
from core.statemachine import TransitionRefused  # noqa: F401 - documents refuse moves like every machine
from dte import hooks
from dte.labels import state_label
from dte.models import Document, GovStatus, InternalStatus, StatusChange

G = GovStatus
GOV_MOVES = {
    G.DRAFT: {G.PENDING, G.CONTINGENCY},
    G.PENDING: {G.TRANSMITTING, G.CONTINGENCY, G.IN_DOUBT, G.SEALED, G.REJECTED},  # sealed/rejected: MH asked
    G.TRANSMITTING: {G.SEALED, G.REJECTED, G.IN_DOUBT, G.PENDING, G.CONTINGENCY},
    G.IN_DOUBT: {G.SEALED, G.REJECTED, G.PENDING, G.CONTINGENCY, G.TRANSMITTING},
    G.REJECTED: {G.CORRECTING, G.PENDING},
    G.CORRECTING: {G.PENDING},
    G.CONTINGENCY: {G.TRANSMITTING, G.SEALED, G.REJECTED, G.PENDING},
    G.SEALED: {G.INVALIDATION_PENDING},
    G.INVALIDATION_PENDING: {G.INVALIDATED, G.SEALED},
    G.INVALIDATED: set(),
}
INTERNAL_MOVES = {s: {t for t in InternalStatus if t != s} for s in InternalStatus}



def transition(document, to_status, *, by=None, reason="", track="gov", with_rows=(), **fields):
    """Move ``document`` to ``to_status`` if its current status allows it; ``fields`` are saved
    in the same UPDATE. ``with_rows``: unsaved rows of the same change (its outbox row, its audit
    row) inserted in the one statement that inserts the history row. Returns the document
    refreshed; raises TransitionRefused otherwise. Only the state changes here; what follows from it
(a new printed copy, …) is up to the observers registered in dte.hooks."""
    attr, moves = ("status", GOV_MOVES) if track == "gov" else ("internal_status", INTERNAL_MOVES)
    current = getattr(document, attr)
    if to_status not in moves.get(current, set()):
        kind = "gov" if track == "gov" else "internal"
        raise TransitionRefused(_("No se puede pasar de «%(a)s» a «%(b)s».") % {
            "a": state_label(current, kind), "b": state_label(to_status, kind)})
    history = StatusChange(document=document, track=track, from_status=current, to_status=to_status,
                           by=by, reason=reason[:500])
    with transaction.atomic(savepoint=False):  # all or nothing with the caller's transaction
        # One statement on PostgreSQL (core.rows): should the UPDATE find the status changed, the
        # rows inserted beside it go with the transaction, which the refusal below rolls back
        # (savepoint=False: the caller's, whole).
        changed = update_with_rows(Document.objects.filter(pk=document.pk, **{attr: current}),
                                   {attr: to_status, **fields}, [history, *with_rows])
        if not changed:
            raise TransitionRefused(_("El documento cambió de estado mientras tanto."))
    setattr(document, attr, to_status)
    for key, value in fields.items():
        setattr(document, key, value)
    hooks.status_changed(document, current, to_status, track)  # e.g. printing (DteConfig.ready)
    return document
