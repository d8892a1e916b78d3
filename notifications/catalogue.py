"""The event catalogue: every kind of event a user may hear of, who hears it and by which channel
unless the user chose another (Preference).

Who hears an event is the union of its *owners* (the person it is about: the rep who issued the
document, the requester of an approval or an export) and the holders of the kind's *grants*
(accounts roles), cut down to those whose establishment scope reaches the event's place
(notifications.selectors.recipients mirrors dte.selectors.document_scope). An event without a
place (a company-wide contingency) reaches every holder of the grant; ``company_wide`` kinds (the
bank reconciliation) reach company-wide roles only."""

from dataclasses import dataclass

from accounts.modules import Module
from core.modules import Action
from notifications.models import Channel, Kind


@dataclass(frozen=True)
class Spec:
    grants: tuple  # the (module, action) pairs whose holders hear it besides its owners; (): owners only
    default: str  # Channel
    company_wide: bool = False


DOCS = Module.DOCUMENTOS
# Supervisors (approve) and accountants (edit: they resolve rejections and keep the accounts).
FINANCE = ((DOCS, Action.APPROVE), (DOCS, Action.EDIT))
CATALOGUE = {
    # A seal is the normal outcome of every document: nobody hears of it unless they ask to.
    Kind.DOCUMENT_SEALED: Spec((), Channel.NONE),
    Kind.DOCUMENT_REJECTED: Spec(FINANCE, Channel.EMAIL),
    Kind.DOCUMENT_INVALIDATED: Spec(((DOCS, Action.INVALIDATE),), Channel.INBOX),
    Kind.APPROVAL_REQUESTED: Spec(((DOCS, Action.APPROVE),), Channel.INBOX),
    Kind.APPROVAL_DECIDED: Spec((), Channel.INBOX),
    Kind.CONTINGENCY_ENTERED: Spec(((Module.CONTINGENCIA, Action.VIEW),), Channel.INBOX),
    Kind.CONTINGENCY_ENDED: Spec(((Module.CONTINGENCIA, Action.VIEW),), Channel.INBOX),
    Kind.CONTINGENCY_DEADLINE: Spec(((Module.CONTINGENCIA, Action.VIEW),), Channel.INBOX),
    Kind.EMAIL_BOUNCED: Spec(((DOCS, Action.SEND),), Channel.INBOX),
    Kind.PAYMENT_RECEIVED: Spec(FINANCE, Channel.DIGEST),
    Kind.PAYMENT_FAILED: Spec(FINANCE, Channel.INBOX),
    Kind.HOLD_EXPIRING: Spec(FINANCE, Channel.INBOX),
    Kind.REFUND_COMPLETED: Spec(FINANCE, Channel.INBOX),
    Kind.IMPORT_FINISHED: Spec((), Channel.INBOX),
    Kind.EXPORT_FINISHED: Spec((), Channel.INBOX),
    Kind.RECONCILIATION_DIFFERENCES: Spec(((Module.REPORTES, Action.VIEW),), Channel.DIGEST, company_wide=True),
}


def spec(kind):
    return CATALOGUE[Kind(kind)]
