"""What a person may do with a document, by its state and his grants: the buttons of the document
page (retransmit, correct, invalidate, internal status), whether he reads a draft as its approver
instead of editing it, and in which states the document has a printable copy."""

from accounts.modules import Module
from core.fiscal import GovStatus
from core.modules import Action
from dte.models import CaseState, InternalStatus, OutboxState

# The states in which a document has a copy to print or download (a draft and a rejected document
# have none to offer from the page).
PRINTABLE_STATES = {GovStatus.CONTINGENCY, GovStatus.SEALED, GovStatus.INVALIDATION_PENDING, GovStatus.INVALIDATED,
                    GovStatus.PENDING, GovStatus.TRANSMITTING, GovStatus.IN_DOUBT}


def document_actions(user, doc):
    """The document page's actions ``user`` may take on ``doc`` now (each True or False), and the
    internal statuses he may choose from."""
    outbox = getattr(doc, "outbox", None)
    own = doc.created_by_id == user.pk
    may_send = user.can(Module.DOCUMENTOS, Action.EDIT) or (own and user.can(Module.DOCUMENTOS, Action.CREATE))
    return {
        "retransmit": may_send and outbox is not None and outbox.state != OutboxState.CLAIMED and (
            doc.status == GovStatus.REJECTED or outbox.state == OutboxState.STOPPED
            or (doc.status in (GovStatus.PENDING, GovStatus.IN_DOUBT) and bool(doc.last_error))),
        "correct": may_send and doc.status == GovStatus.REJECTED,
        "invalidate": user.can(Module.DOCUMENTOS, Action.INVALIDATE) and doc.status == GovStatus.SEALED,
        # Evento de Retorno (Normativa v2.0) on a sealed Factura, FEX or FSE (dte.events).
        "return_event": user.can(Module.DOCUMENTOS, Action.INVALIDATE) and doc.status == GovStatus.SEALED
        and doc.tipo_dte in ("01", "11", "14"),
        "internal": user.can(Module.DOCUMENTOS, Action.EDIT),
        "internal_statuses": InternalStatus.choices,
    }


def is_reviewing(user, doc):
    """An approver opening someone else's draft that waits for his decision: he reads it, he does
    not get the rep's editor (whose autosave would change what he is asked to approve)."""
    return (doc.created_by_id != user.pk and user.can(Module.DOCUMENTOS, Action.APPROVE)
            and doc.special_cases.filter(state=CaseState.REQUESTED).exists())
