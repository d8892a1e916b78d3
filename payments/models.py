"""Payments received against credit documents: each applied to one or several documents, partial
payments allowed. Written only by payments.services (audited)."""

import json
import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedTextField


def _new_webhook_token():
    return secrets.token_urlsafe(24)


class Payment(models.Model):
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="payments")
    date = models.DateField(_("fecha"))
    amount = models.DecimalField(_("monto"), max_digits=19, decimal_places=2)
    method = models.CharField(_("forma de pago"), max_length=2)  # CAT-017
    reference = models.CharField(_("referencia"), max_length=100, blank=True)
    notes = models.CharField(_("notas"), max_length=500, blank=True)
    # What was not applied to any document, fixed when the payment is recorded (applications are
    # made then and only then): the client's unapplied money is read from the payments that have
    # some (payment_unapplied), not summed over every payment it ever made.
    unapplied = models.DecimalField(_("sin aplicar"), max_digits=19, decimal_places=2, default=0)
    voided_at = models.DateTimeField(_("anulado"), null=True, blank=True)
    void_reason = models.CharField(_("motivo de anulación"), max_length=300, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("pago")
        verbose_name_plural = _("pagos")
        indexes = [models.Index(fields=["client", "date"]),
                   models.Index(fields=["client"], condition=models.Q(voided_at__isnull=True, unapplied__gt=0),
                                include=["unapplied"], name="payment_unapplied")]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive")]

    def __str__(self):
        return f"{self.date} {self.client_id} $ {self.amount}"


class Application(models.Model):
    """Part of a payment applied to one credit document."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="applications")
    document = models.ForeignKey("dte.Document", on_delete=models.PROTECT, related_name="payment_applications")
    amount = models.DecimalField(_("monto aplicado"), max_digits=19, decimal_places=2)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="application_amount_positive"),
                       models.UniqueConstraint(fields=["payment", "document"], name="application_once_per_document")]
        indexes = [models.Index(fields=["document"])]

    def __str__(self):
        return f"{self.payment_id} → {self.document_id}: {self.amount}"


class HoldState(models.TextChoices):
    HELD = "held", _("Retenido")
    CAPTURED = "captured", _("Cobrado")
    RELEASED = "released", _("Liberado")


class BalanceHold(models.Model):
    """Part of a client's prepaid balance (its payments' money not applied yet: advances and
    deposits) blocked for an order, where the gateway cannot hold funds itself (payments-facts
    §0: Wompi and n1co capture at once). While held it is not the client's to spend: the credit
    figures (selectors.owed_sql) count it as not in the client's favour. Captured, it is applied
    to the order's receipt; released, it is free again."""

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="balance_holds")
    amount = models.DecimalField(_("monto"), max_digits=19, decimal_places=2)
    reference = models.CharField(_("referencia"), max_length=100)
    state = models.CharField(_("estado"), max_length=10, choices=HoldState.choices, default=HoldState.HELD)
    expires_at = models.DateTimeField(_("vence"))
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("retención de saldo")
        verbose_name_plural = _("retenciones de saldo")
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="balance_hold_amount_positive"),
                       models.UniqueConstraint(fields=["reference"], condition=models.Q(state="held"),
                                               name="balance_hold_one_live_per_reference")]
        indexes = [models.Index(fields=["client"], condition=models.Q(state="held"), include=["amount"],
                                name="balance_hold_live")]

    def __str__(self):
        return f"{self.reference} {self.client_id} $ {self.amount} {self.state}"


class GatewayAccount(models.Model):
    """A company's account at one payment gateway (payments.gateways): its credentials, encrypted
    at rest (core.fields, Fernet) and never shown back, and where to reach it. ``credentials`` is
    a JSON object whose keys are the adapter's ``credential_fields`` (e.g. Wompi ``client_id``,
    ``client_secret``, ``webhook_secret``); ``base_url`` empty means the gateway's production
    host, otherwise a sandbox or paysim. ``webhook_token`` names the account in the URL the
    gateway posts webhooks to, so an incoming webhook finds its company (and secret) before the
    signature is checked."""

    company = models.ForeignKey("accounts.Company", on_delete=models.PROTECT, related_name="gateway_accounts",
                                verbose_name=_("empresa"))
    gateway = models.CharField(_("pasarela"), max_length=20)  # payments.gateways.base.Gateway.code
    credentials = EncryptedTextField(_("credenciales"))
    base_url = models.URLField(_("URL de la API"), max_length=300, blank=True,
                               help_text=_("Vacío: la de producción de la pasarela."))
    enabled = models.BooleanField(_("habilitada"), default=True)
    webhook_token = models.CharField(_("identificador de webhook"), max_length=40, unique=True,
                                     default=_new_webhook_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    SECRET_FIELDS = ("credentials",)

    class Meta:
        ordering = ["company", "gateway"]
        verbose_name = _("cuenta de pasarela")
        verbose_name_plural = _("cuentas de pasarela")
        constraints = [models.UniqueConstraint(fields=["company", "gateway"], name="gateway_account_once_per_company")]

    def __str__(self):
        return f"{self.company_id} · {self.gateway}"

    def credentials_dict(self) -> dict:
        """The decrypted credentials plus ``base_url`` when set, as payments.gateways.get_gateway takes them."""
        data = json.loads(self.credentials or "{}")
        if self.base_url:
            data["base_url"] = self.base_url
        return data

    def set_credentials(self, data: dict) -> None:
        self.credentials = json.dumps(data, sort_keys=True)

    def gateway_client(self, **kwargs):
        from payments.gateways.base import get_gateway  # noqa: PLC0415 - the adapters import requests; load them on use

        return get_gateway(self.gateway, self.credentials_dict(), **kwargs)


class Settlement(models.Model):
    """A gateway's payout to the company for one payout date, as its settlement report states it
    (issue 21): the totals the gateway reported and, in its lines, each captured charge and
    refund matched to our gateway operations. Written once by payments.settlements.settlement_import
    (audited); the same report again (same batch id, same content) adds nothing."""

    account = models.ForeignKey(GatewayAccount, on_delete=models.PROTECT, related_name="settlements",
                                verbose_name=_("cuenta de pasarela"))
    gateway = models.CharField(_("pasarela"), max_length=20)
    batch_id = models.CharField(_("identificador de la liquidación"), max_length=100)
    payout_date = models.DateField(_("fecha de pago"))
    period_start = models.DateField(_("desde"))
    period_end = models.DateField(_("hasta"))
    currency = models.CharField(max_length=3, default="USD")
    gross = models.DecimalField(_("bruto"), max_digits=19, decimal_places=2)
    fee = models.DecimalField(_("comisión"), max_digits=19, decimal_places=2)
    net = models.DecimalField(_("neto"), max_digits=19, decimal_places=2)
    source = models.CharField(_("origen"), max_length=10, choices=[("api", _("API de la pasarela")),
                                                                   ("upload", _("Archivo subido"))])
    file_name = models.CharField(_("archivo"), max_length=200, blank=True)
    digest = models.CharField(max_length=64)  # sha256 of the report as received
    content = models.BinaryField(editable=False)
    matched_count = models.PositiveIntegerField(_("conciliadas"), default=0)
    missing_count = models.PositiveIntegerField(_("faltantes"), default=0)
    extra_count = models.PositiveIntegerField(_("sobrantes"), default=0)
    different_count = models.PositiveIntegerField(_("con monto distinto"), default=0)
    imported_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-payout_date", "-id"]
        verbose_name = _("liquidación de pasarela")
        verbose_name_plural = _("liquidaciones de pasarela")
        constraints = [models.UniqueConstraint(fields=["account", "batch_id"], name="settlement_once_per_batch"),
                       models.CheckConstraint(condition=models.Q(fee__gte=0), name="settlement_fee_not_negative")]

    def __str__(self):
        return f"{self.gateway} {self.batch_id}"

    @property
    def differences(self):
        return self.missing_count + self.extra_count + self.different_count


class LineStatus(models.TextChoices):
    MATCHED = "matched", _("Conciliada")
    DIFFERENT = "different", _("Monto distinto")
    EXTRA = "extra", _("Sobrante: no es nuestra")
    MISSING = "missing", _("Faltante: no vino en el reporte")


class SettlementLine(models.Model):
    """One line of a settlement: a report line (``in_report``) matched or not to one of our
    gateway operations, or one of our operations the report should have had and did not
    (``missing``, no gateway figures)."""

    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    status = models.CharField(_("estado"), max_length=10, choices=LineStatus.choices)
    in_report = models.BooleanField(default=True)
    kind = models.CharField(_("tipo"), max_length=10, choices=[("charge", _("Cobro")), ("refund", _("Reembolso"))])
    transaction_id = models.CharField(_("transacción en la pasarela"), max_length=100, blank=True)
    reference = models.CharField(_("referencia"), max_length=255, blank=True)
    occurred_at = models.CharField(_("fecha en la pasarela"), max_length=40, blank=True)
    gross = models.DecimalField(_("bruto"), max_digits=19, decimal_places=2, default=0)
    fee = models.DecimalField(_("comisión"), max_digits=19, decimal_places=2, default=0)
    net = models.DecimalField(_("neto"), max_digits=19, decimal_places=2, default=0)
    # ours: the operation's amount, what it was for, and the payment it produced (if any)
    expected = models.DecimalField(_("nuestro monto"), max_digits=19, decimal_places=2, null=True, blank=True)
    our_key = models.CharField(max_length=120, blank=True)  # the provider's id of our operation
    our_label = models.CharField(_("nuestro registro"), max_length=120, blank=True)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["settlement", "position"]
        constraints = [models.UniqueConstraint(fields=["settlement", "position"], name="settlement_line_position")]
        indexes = [models.Index(fields=["our_key"])]

    def __str__(self):
        return f"{self.settlement_id}.{self.position} {self.status}"

    @property
    def difference(self):
        return (self.gross - self.expected) if self.expected is not None and self.in_report else None
