"""Recording and voiding payments: the only way payments change, each change audited."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.modules import Module
from catalogs.selectors import catalog_choices
from core import formats
from core.audit import audit_record
from core.modules import Action
from dte.models import Document
from dte.services.internal import documents_set_paid_off
from payments import hooks, selectors
from payments.models import Application, Payment

CENT = Decimal("0.01")


def _require(user):
    if not user.can(Module.DOCUMENTOS, Action.EDIT):
        raise PermissionDenied(_("Solo contabilidad registra o anula pagos."))


def _methods():

    return {code for code, _label in catalog_choices(catalog="CAT-017")}


def payment_record(*, client, date, amount, method, acting_user, reference="", notes="", applications=()):
    """Record a payment and apply it to the client's credit documents: [(document, amount)].
    Raises ValidationError listing every problem; nothing is saved then."""
    _require(acting_user)
    amount = Decimal(amount).quantize(CENT)
    problems = []
    if amount <= 0:
        problems.append(_("El monto debe ser mayor que cero."))
    if method not in _methods():
        problems.append(_("Forma de pago «%(m)s» no está en CAT-017.") % {"m": method})
    if date > timezone.localdate():
        problems.append(_("La fecha del pago no puede ser futura."))
    with transaction.atomic():

        wanted = {}
        for doc, part in applications:
            part = Decimal(part).quantize(CENT)
            if part <= 0:
                continue
            wanted[doc.pk] = wanted.get(doc.pk, Decimal(0)) + part
        # Lock the documents so two payments cannot both take the same outstanding amount; then
        # read what they owe (a separate statement: PostgreSQL refuses FOR UPDATE with the sums).
        list(Document.objects.filter(pk__in=sorted(wanted)).order_by("pk").select_for_update().values_list("pk"))
        locked = {d.pk: d for d in selectors.credit_documents(Document.objects.filter(pk__in=list(wanted)))}
        for pk, part in wanted.items():
            doc = locked.get(pk)
            if doc is None or doc.client_id != client.pk:
                problems.append(_("El documento %(d)s no es una venta al crédito vigente de este cliente.") % {"d": pk})
                continue
            outstanding = selectors.status_of(doc).outstanding
            if part > outstanding:
                problems.append(_("A %(n)s se aplican %(a)s pero solo debe %(o)s.") % {
                    "n": doc.numero_control, "a": formats.money(part), "o": formats.money(outstanding)})
        if sum(wanted.values(), Decimal(0)) > amount:
            problems.append(_("Lo aplicado (%(a)s) supera el monto del pago (%(m)s).") % {
                "a": formats.money(sum(wanted.values())), "m": formats.money(amount)})
        if problems:
            raise ValidationError(problems)
        payment = Payment.objects.create(client=client, date=date, amount=amount, method=method,
                                         unapplied=amount - sum(wanted.values(), Decimal(0)),
                                         reference=reference.strip()[:100], notes=notes.strip()[:500], created_by=acting_user)
        Application.objects.bulk_create([Application(payment=payment, document_id=pk, amount=part)
                                         for pk, part in wanted.items()])

        documents_set_paid_off(document_ids=[pk for pk, part in wanted.items()
                                             if locked[pk].paid + part >= selectors.status_of(locked[pk]).total],
                               paid_off=True)
        audit_record(actor=acting_user, action="create", obj=payment, summary=_("Pago de %(m)s de %(c)s, aplicado a %(n)d documentos") % {
            "m": formats.money(amount), "c": client.name, "n": len(wanted)}, after={
            "amount": str(amount), "date": date.isoformat(), "method": method, "reference": reference,
            "applications": {str(pk): str(v) for pk, v in wanted.items()}})
        hooks.payment_recorded(payment)
    return payment


def payment_void(*, payment, acting_user, reason):
    """A payment recorded by mistake is voided (kept, with who and why); what it paid is owed again."""
    _require(acting_user)
    if not (reason or "").strip():
        raise ValidationError(_("Indique por qué se anula el pago."))
    with transaction.atomic():

        # The documents it paid first, in the order payment_record locks them; what they owe grows
        # again, so none of them is paid off any more (applications never exceed what was owed).
        paid = list(Document.objects.filter(payment_applications__payment=payment).order_by("pk")
                    .select_for_update(of=("self",)).values_list("pk", flat=True))
        if not Payment.objects.filter(pk=payment.pk, voided_at__isnull=True).update(
                voided_at=timezone.now(), void_reason=reason.strip()[:300]):
            raise ValidationError(_("El pago ya estaba anulado."))
        documents_set_paid_off(document_ids=paid, paid_off=False)
        audit_record(actor=acting_user, action="update", obj=payment, summary=_("Pago anulado: %(r)s") % {"r": reason.strip()})
    payment.refresh_from_db()
    return payment
