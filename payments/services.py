"""Recording and voiding payments: the only way payments change, each change audited."""

import json
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.modules import Module
from catalogs.selectors import catalog_choices
from core import formats
from core.audit import audit_record
from core.audit import snapshot as audit_snapshot
from core.modules import Action
from core.statemachine import Machine, TransitionRefused
from dte.models import Document
from dte.services.internal import documents_set_paid_off
from payments import hooks, selectors
from payments.models import Application, BalanceHold, GatewayAccount, HoldState, Payment

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


# ------------------------------------------------------------------ prepaid balance holds
HOLD_MACHINE = Machine(BalanceHold, {HoldState.HELD: {HoldState.CAPTURED, HoldState.RELEASED}})


def balance_available(*, client_id):
    """The client's prepaid money free to hold: its payments' unapplied money less live holds."""
    unapplied = (Payment.objects.filter(client_id=client_id, voided_at__isnull=True, unapplied__gt=0)
                 .aggregate(s=Sum("unapplied"))["s"] or Decimal(0))
    held = BalanceHold.objects.filter(client_id=client_id, state=HoldState.HELD).aggregate(s=Sum("amount"))["s"]
    return unapplied - (held or Decimal(0))


def balance_hold_place(*, client, amount, reference, expires_at, acting_user):
    """Block ``amount`` of the client's prepaid balance for ``reference`` (an order). The
    client's payments with money unapplied are locked first, so two holds cannot both take the
    same money. Refused (ValidationError) when the free balance does not cover it."""
    amount = Decimal(amount).quantize(CENT)
    with transaction.atomic():
        list(Payment.objects.filter(client=client, voided_at__isnull=True, unapplied__gt=0).order_by("pk")
             .select_for_update().values_list("pk"))
        free = balance_available(client_id=client.pk)
        if amount > free:
            raise ValidationError(_("El saldo a favor disponible es %(f)s; no alcanza para retener %(a)s.") % {
                "f": formats.money(free), "a": formats.money(amount)})
        hold = BalanceHold.objects.create(client=client, amount=amount, reference=reference[:100],
                                          expires_at=expires_at, created_by=acting_user)
        audit_record(actor=acting_user, action="create", obj=hold, summary=_("Saldo retenido: %(a)s para %(r)s") % {
            "a": formats.money(amount), "r": reference})
    return hold


def balance_hold_release(*, hold, acting_user, reason):
    """Free a live hold (order cancelled, hold expired). False if it was no longer held."""
    with transaction.atomic():
        try:
            HOLD_MACHINE.move(hold, HoldState.RELEASED, by=acting_user, reason=reason)
        except TransitionRefused:
            return False
        audit_record(actor=acting_user, action="update", obj=hold, summary=_("Retención liberada: %(r)s") % {
            "r": reason})
    return True


def balance_hold_capture(*, hold, document, amount, acting_user):
    """Take ``amount`` (≤ the hold) of a live hold and apply it to ``document`` (the order's
    receipt): the client's advances are applied oldest first, their unapplied money reduced.
    Returns the applications made."""
    amount = Decimal(amount).quantize(CENT)
    if amount > hold.amount:
        raise ValidationError(_("No se cobra más de lo retenido (%(h)s).") % {"h": formats.money(hold.amount)})
    with transaction.atomic():
        advances = list(Payment.objects.filter(client_id=hold.client_id, voided_at__isnull=True, unapplied__gt=0)
                        .order_by("date", "pk").select_for_update())
        HOLD_MACHINE.move(hold, HoldState.CAPTURED, by=acting_user, reason=_("Cobrado"))
        left, made = amount, []
        for advance in advances:
            if left <= 0:
                break
            part = min(left, advance.unapplied)
            Payment.objects.filter(pk=advance.pk).update(unapplied=F("unapplied") - part)
            made.append(Application.objects.create(payment=advance, document=document, amount=part))
            left -= part
        if left > 0:
            raise ValidationError(_("El saldo a favor del cliente ya no cubre la retención."))
        audit_record(actor=acting_user, action="update", obj=hold, summary=_("Retención cobrada: %(a)s a %(d)s") % {
            "a": formats.money(amount), "d": document.numero_control or document.pk})
    return made


def payment_record_settlement(*, client, document, amount, method, reference, acting_user, date=None, notes=""):
    """A payment that settles a sale at once (an order paid through a gateway or at the till),
    applied whole to its receipt ``document``. Recorded on behalf of the order that took the
    money, so it needs no accounting grant (the order's capture was the decision)."""
    amount = Decimal(amount).quantize(CENT)
    if method not in _methods():
        raise ValidationError(_("Forma de pago «%(m)s» no está en CAT-017.") % {"m": method})
    with transaction.atomic():
        payment = Payment.objects.create(client=client, date=date or timezone.localdate(), amount=amount, method=method,
                                         unapplied=Decimal(0), reference=reference.strip()[:100], notes=notes[:500],
                                         created_by=acting_user)
        Application.objects.create(payment=payment, document=document, amount=amount)
        audit_record(actor=acting_user, action="create", obj=payment, summary=_("Pago de %(m)s aplicado a %(n)s") % {
            "m": formats.money(amount), "n": document.numero_control or document.pk},
            after={"amount": str(amount), "method": method, "reference": reference, "document": document.pk})
        hooks.payment_recorded(payment)
    return payment


def payment_record_advance(*, client, amount, method, reference, acting_user, date=None):
    """An advance or deposit: money of the client's that pays no document yet (its prepaid
    balance, which orders may hold)."""
    return payment_record(client=client, date=date or timezone.localdate(), amount=amount, method=method,
                          reference=reference, notes=_("Anticipo"), acting_user=acting_user)


# ---------------------------------------------------------------------- gateway accounts
def _require_admin(user):
    if user is not None and not user.can(Module.CONFIGURACION, Action.EDIT):
        raise PermissionDenied(_("Solo la administración configura las pasarelas de pago."))


def gateway_account_save(*, company, gateway, credentials, base_url, enabled, acting_user, account=None):
    """Create ``company``'s account at ``gateway`` or change ``account``: ``credentials`` holds only
    the keys typed (the others keep their saved value). ``acting_user`` None: the system (setup_demo). The audit row names the keys that changed,
    never a value (GatewayAccount.SECRET_FIELDS masks the column itself)."""
    from payments.gateways.base import gateway_classes  # noqa: PLC0415 - the adapters import requests

    _require_admin(acting_user)
    cls = gateway_classes().get(gateway if account is None else account.gateway)
    if cls is None:
        raise ValidationError(_("Pasarela desconocida."))
    with transaction.atomic():
        if account is None:
            if GatewayAccount.objects.filter(company=company, gateway=cls.code).exists():
                raise ValidationError(_("La empresa ya tiene una cuenta de %(g)s: edítela.") % {"g": cls.name})
            account = GatewayAccount(company=company, gateway=cls.code)
            before, saved = None, {}
        else:
            account = GatewayAccount.objects.select_for_update().get(pk=account.pk)
            before = audit_snapshot(account)
            saved = json.loads(account.credentials or "{}")
        merged = {**saved, **{k: v for k, v in credentials.items() if k in cls.credential_fields and v}}
        missing = [k for k in cls.credential_fields if not merged.get(k)]
        if missing:
            raise ValidationError(_("Faltan credenciales: %(k)s.") % {"k": ", ".join(missing)})
        changed_keys = sorted(k for k in merged if merged.get(k) != saved.get(k))
        account.set_credentials(merged)
        account.base_url = base_url or ""
        account.enabled = bool(enabled)
        account.save()
        summary = _("Cuenta de %(g)s: %(what)s; credenciales cambiadas: %(k)s") % {
            "g": cls.name, "what": _("creada") if before is None else _("modificada"),
            "k": ", ".join(changed_keys) or "—"}
        audit_record(actor=acting_user, action="create" if before is None else "update", obj=account,
                     before=before, after=audit_snapshot(account), summary=summary)
    return account


def gateway_account_set_enabled(*, account, enabled, acting_user):
    """Enable or disable a gateway account (a disabled one is not offered to payers and its
    webhooks are refused); credentials stay as they are."""

    _require_admin(acting_user)
    with transaction.atomic():
        account = GatewayAccount.objects.select_for_update().get(pk=account.pk)
        if account.enabled == bool(enabled):
            return account
        before = audit_snapshot(account)
        account.enabled = bool(enabled)
        account.save(update_fields=["enabled"])
        audit_record(actor=acting_user, action="update", obj=account, before=before, after=audit_snapshot(account),
                     summary=(_("Pasarela %(g)s habilitada") if enabled else _("Pasarela %(g)s deshabilitada"))
                     % {"g": account.gateway})
    return account
