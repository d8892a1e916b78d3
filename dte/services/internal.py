"""The office's own marks on issued documents, which MH never sees: the accountant's internal
status, and the paid-off mark payments set."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.models import AuditAction
from core.statemachine import TransitionRefused
from dte.models import Document, InternalStatus
from dte.transitions import transition


def documents_set_paid_off(*, document_ids, paid_off):
    """Payments mark the credit sales they cover in full, and clear the mark when a payment is
    voided (see Document.paid_off). The caller holds the documents' row locks."""
    if document_ids:
        Document.objects.filter(pk__in=list(document_ids)).update(paid_off=paid_off)


def internal_status_set(*, documents, status, acting_user, reason=""):
    """The accountant's track (to review, reviewed, with observations, posted), in bulk. Returns
    how many changed."""
    if status not in InternalStatus.values:
        raise ValidationError(_("Estado interno no válido."))
    if status == InternalStatus.OBSERVATIONS and not reason.strip():
        raise ValidationError(_("Escriba las observaciones."))
    changed = 0
    for doc in documents:
        if doc.is_draft or doc.internal_status == status:
            continue

        try:
            with transaction.atomic():
                before = doc.internal_status
                transition(doc, status, by=acting_user, reason=reason.strip(), track="internal")
                audit_record(actor=acting_user, action=AuditAction.STATUS, obj=doc, before={"estado_interno": before},
                             after={"estado_interno": status, "motivo": reason.strip()},
                             summary=_("Estado interno: %(s)s") % {"s": InternalStatus(status).label})
        except TransitionRefused:
            continue  # changed by someone else meanwhile
        changed += 1
    return changed
