"""Retentions the clients kept close the difference in their balance (issue 23; facts-2 §5): a
large client that withholds 1 % of the IVA of our CCF (CT art. 162) pays the total less it and
hands us a Comprobante de Retención. When the CCF itself showed the retention (iva_retenido),
its total to pay is already net and nothing is owed for it. When it did not, the client owes the
difference until the CR arrives: purchases tells us of the match (dte.hooks.retention_matched)
and the withheld amount is applied to the CCF as a settlement of its own (CAT-017 99 "otros",
reference the CR line), at most what it still owes; told again, nothing more. Withdrawn (the CR
invalidated), that settlement is voided and the difference is owed again."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import formats
from core.audit import audit_record
from dte.models import Document
from dte.services.internal import documents_set_paid_off
from payments import selectors
from payments.models import Application, Payment

METHOD = "99"  # CAT-017 "otros": a retention is no money received
ZERO = Decimal("0.00")


def _live(match):
    return Payment.objects.filter(client_id=match.document.client_id, method=METHOD, reference=match.reference[:100],
                                  voided_at__isnull=True)


def retention_observer(match):
    """dte.hooks' retention observer: the amount applied (Decimal) or ZERO."""
    doc = match.document
    if doc.client_id is None or match.acting_user is None:
        return ZERO  # nobody to record it for yet: the accountant applies it from the retentions page
    with transaction.atomic():
        list(Document.objects.filter(pk=doc.pk).select_for_update().values_list("pk"))  # payment_record's lock
        if match.withdrawn:
            return _withdraw(match)
        if _live(match).exists():
            return ZERO  # told again: already applied
        if doc.iva_retenido and doc.iva_retenido > 0:
            return ZERO  # the CCF showed the retention: its total to pay is already net of it
        found = selectors.credit_documents(Document.objects.filter(pk=doc.pk)).first()
        if found is None:
            return ZERO  # a cash sale (or not in force): nothing owed on it
        status = selectors.status_of(found)
        amount = min(Decimal(match.amount).quantize(Decimal("0.01")), status.outstanding)
        if amount <= 0:
            return ZERO
        date = min(match.date or timezone.localdate(), timezone.localdate())
        payment = Payment.objects.create(client_id=doc.client_id, date=date, amount=amount, method=METHOD, unapplied=ZERO,
                                         reference=match.reference[:100], created_by=match.acting_user,
                                         notes=_("Retención de IVA del Comprobante de Retención del cliente"))
        Application.objects.create(payment=payment, document=doc, amount=amount)
        if status.outstanding - amount <= 0:
            documents_set_paid_off(document_ids=[doc.pk], paid_off=True)
        audit_record(actor=match.acting_user, action="create", obj=payment,
                     summary=_("Retención de %(m)s aplicada a %(n)s (%(r)s)") % {
                         "m": formats.money(amount), "n": doc.numero_control, "r": match.reference},
                     after={"amount": str(amount), "document": doc.pk, "reference": match.reference})
    return amount


def _withdraw(match):
    voided = ZERO
    for payment in _live(match):
        Payment.objects.filter(pk=payment.pk, voided_at__isnull=True).update(
            voided_at=timezone.now(), void_reason=_("El cliente invalidó el Comprobante de Retención"))
        documents_set_paid_off(document_ids=[match.document.pk], paid_off=False)
        audit_record(actor=match.acting_user, action="update", obj=payment,
                     summary=_("Retención anulada: el Comprobante de Retención fue invalidado"))
        voided += payment.amount
    return -voided
