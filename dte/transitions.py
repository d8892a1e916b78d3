"""The one way a document's status changes (DESIGN.md: "Every state change of a fiscal document
goes through one transition function"). Each track has its allowed moves; a move is a
conditional UPDATE on the current status (two workers cannot both make it) plus a history row,
in the caller's transaction."""

from django.db import transaction
from django.utils.translation import gettext as _

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
# States whose printed copy differs from the previous one (facts §7: pending seal, sealed, invalidated).
PRINT_ON = {G.CONTINGENCY, G.SEALED, G.INVALIDATED}
INTERNAL_MOVES = {s: {t for t in InternalStatus if t != s} for s in InternalStatus}


class TransitionRefused(Exception):
    pass


def transition(document, to_status, *, by=None, reason="", track="gov", **fields):
    """Move ``document`` to ``to_status`` if its current status allows it; ``fields`` are saved
    in the same UPDATE. Returns the document refreshed; raises TransitionRefused otherwise."""
    attr, moves = ("status", GOV_MOVES) if track == "gov" else ("internal_status", INTERNAL_MOVES)
    current = getattr(document, attr)
    if to_status not in moves.get(current, set()):
        from dte.labels import state_label

        kind = "gov" if track == "gov" else "internal"
        raise TransitionRefused(_("No se puede pasar de «%(a)s» a «%(b)s».") % {
            "a": state_label(current, kind), "b": state_label(to_status, kind)})
    with transaction.atomic(savepoint=False):  # all or nothing with the caller's transaction
        changed = Document.objects.filter(pk=document.pk, **{attr: current}).update(**{attr: to_status}, **fields)
        if not changed:
            raise TransitionRefused(_("El documento cambió de estado mientras tanto."))
        StatusChange.objects.create(document=document, track=track, from_status=current, to_status=to_status,
                                    by=by, reason=reason[:500])
    if track == "gov" and to_status in PRINT_ON:
        from dte.printing import queue_render

        queue_render(document.pk)  # the readable version follows the document (after commit)
    setattr(document, attr, to_status)
    for key, value in fields.items():
        setattr(document, key, value)
    return document
