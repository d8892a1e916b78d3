"""After MH answered: a rejected document back to the editor, and what stopped or waits queued
again."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.models import AuditAction
from dte.models import GovStatus, Outbox, OutboxState
from dte.transitions import transition
from dte.transmission import outbox as transmission_outbox


def document_correct(*, document, acting_user):
    """A rejected document goes back to the editor, keeping its number and its history."""
    if document.status != GovStatus.REJECTED:
        raise ValidationError(_("Solo se corrige un documento rechazado por MH."))
    with transaction.atomic():
        transition(document, GovStatus.CORRECTING, by=acting_user, reason=_("En corrección tras el rechazo de MH"))
        audit_record(actor=acting_user, action=AuditAction.CORRECT, obj=document,
                     summary=_("En corrección tras el rechazo de MH"))
    return document


def document_retransmit(*, documents, acting_user):
    """Queue again what stopped or waits (a rejected one is sent again unchanged). Returns how
    many were queued."""
    queued = 0
    for doc in documents:
        with transaction.atomic():
            outbox = Outbox.objects.select_for_update().filter(document=doc).first()
            if outbox is None or outbox.state in (OutboxState.CLAIMED, OutboxState.HELD):
                continue  # being sent, or held for a contingency lot (the contingency page retries those)
            if doc.status == GovStatus.REJECTED:
                transition(doc, GovStatus.PENDING, by=acting_user, reason=_("Retransmisión manual"))
            elif doc.status not in (GovStatus.PENDING, GovStatus.IN_DOUBT):
                continue
            transmission_outbox.requeue(outbox, OutboxState.PENDING, available_at=timezone.now(), last_error="")
            audit_record(actor=acting_user, action=AuditAction.RETRANSMIT, obj=doc, summary=_("Retransmisión manual"))
            transmission_outbox.queue_after_commit(outbox.pk)
            queued += 1
    return queued
