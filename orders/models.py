"""Orders: what a rep or cashier (or the API) sells before there is a fiscal document; the
gateway operations made for it (each with its idempotency key saved before the call); its
refunds. The fiscal receipt is a dte.Document, issued once per order (Order.document, unique).
Written only by orders.services (audited, states through core.statemachine)."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.statemachine import Machine


class OrderState(models.TextChoices):
    PENDING = "pending", _("Pendiente de pago")
    AUTHORIZED = "authorized", _("Pago retenido")
    PAID = "paid", _("Pagado")
    PARTIALLY_REFUNDED = "partially_refunded", _("Reembolsado en parte")
    REFUNDED = "refunded", _("Reembolsado")
    CANCELLED = "cancelled", _("Cancelado")


class Order(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    establishment = models.ForeignKey("accounts.Establishment", on_delete=models.PROTECT, related_name="orders")
    point_of_sale = models.ForeignKey("accounts.PointOfSale", on_delete=models.PROTECT, related_name="orders")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="orders")
    # The type of the receipt it will get, chosen from the client's data when the order is made
    # (a taxpayer with NIT and NRC gets a CCF, anyone else a Factura): its lines are priced as
    # that document's (a Factura's prices include IVA, a CCF's do not; facts §2.4).
    tipo_dte = models.CharField(_("documento"), max_length=2)
    state = models.CharField(_("estado"), max_length=20, choices=OrderState.choices, default=OrderState.PENDING,
                             db_index=True)
    notes = models.CharField(_("notas"), max_length=500, blank=True)
    total = models.DecimalField(_("total"), max_digits=19, decimal_places=2)
    total_iva = models.DecimalField(_("IVA"), max_digits=19, decimal_places=2, default=0)
    amount_authorized = models.DecimalField(_("autorizado"), max_digits=19, decimal_places=2, default=0)
    amount_captured = models.DecimalField(_("cobrado"), max_digits=19, decimal_places=2, default=0)
    amount_refunded = models.DecimalField(_("reembolsado"), max_digits=19, decimal_places=2, default=0)
    gateway = models.CharField(_("pasarela"), max_length=30, blank=True)
    hold_expires_at = models.DateTimeField(_("retención vence"), null=True, blank=True)
    # How the money came: a CAT-017 code (01 cash, 02 card, 05 transfer…) and the gateway's
    # reference, written on the receipt (formaPago.codigo, numPagoElectronico; facts §2.5).
    payment_method = models.CharField(_("forma de pago"), max_length=2, blank=True)
    payment_reference = models.CharField(_("referencia del pago"), max_length=100, blank=True)
    payment = models.ForeignKey("payments.Payment", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The one fiscal receipt (unique: a capture reported twice cannot issue a second one).
    document = models.OneToOneField("dte.Document", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="order")
    receipt_error = models.CharField(_("error al emitir el comprobante"), max_length=500, blank=True)
    # A partial shipment splits the order: what ships stays here (captured, its receipt), what
    # is left becomes a new order, still held, whose parent is this one (orders.services.order_ship).
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="remainders",
                               verbose_name=_("resto del pedido"))
    link_expires_at = models.DateTimeField(_("enlace de pago vence"))
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("pedido")
        verbose_name_plural = _("pedidos")
        constraints = [
            models.CheckConstraint(condition=models.Q(total__gt=0), name="order_total_positive"),
            models.CheckConstraint(condition=models.Q(amount_captured__lte=models.F("amount_authorized"))
                                   | models.Q(amount_authorized=0), name="order_capture_within_authorized"),
            models.CheckConstraint(condition=models.Q(amount_refunded__lte=models.F("amount_captured")),
                                   name="order_refund_within_captured"),
        ]

    def __str__(self):
        return f"P-{self.pk:06d}" if self.pk else "P-nuevo"

    @property
    def number(self):
        return str(self)

    @property
    def refundable(self):
        return self.amount_captured - self.amount_refunded


ORDER_MACHINE = Machine(Order, {
    OrderState.PENDING: {OrderState.AUTHORIZED, OrderState.PAID, OrderState.CANCELLED},
    OrderState.AUTHORIZED: {OrderState.PAID, OrderState.CANCELLED, OrderState.PENDING},  # pending: hold expired
    OrderState.PAID: {OrderState.PARTIALLY_REFUNDED, OrderState.REFUNDED},
    OrderState.PARTIALLY_REFUNDED: {OrderState.PARTIALLY_REFUNDED, OrderState.REFUNDED},
})


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    product = models.ForeignKey("inventory.Product", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    item_type = models.PositiveSmallIntegerField(default=1)  # CAT-011
    code = models.CharField(_("código"), max_length=25, blank=True)
    description = models.CharField(_("descripción"), max_length=1000)
    unit = models.PositiveSmallIntegerField(default=59)  # CAT-014
    quantity = models.DecimalField(_("cantidad"), max_digits=19, decimal_places=8)
    unit_price = models.DecimalField(_("precio unitario"), max_digits=19, decimal_places=8)
    discount = models.DecimalField(_("descuento"), max_digits=19, decimal_places=8, default=0)
    treatment = models.CharField(max_length=10, default="gravado")
    amount = models.DecimalField(_("importe"), max_digits=19, decimal_places=8, default=0)

    class Meta:
        ordering = ["order", "position"]
        constraints = [models.UniqueConstraint(fields=["order", "position"], name="order_line_position_unique"),
                       models.CheckConstraint(condition=models.Q(quantity__gt=0), name="order_line_quantity_positive")]

    def __str__(self):
        return f"{self.position}. {self.description[:60]}"


class OpKind(models.TextChoices):
    AUTHORIZE = "authorize", _("Autorización")
    SALE = "sale", _("Cobro")
    CAPTURE = "capture", _("Captura")
    VOID = "void", _("Anulación de retención")
    REFUND = "refund", _("Reembolso")


class OpState(models.TextChoices):
    STARTED = "started", _("En curso")
    SUCCEEDED = "succeeded", _("Aceptada")
    FAILED = "failed", _("Rechazada")
    IN_DOUBT = "in_doubt", _("En duda")


class GatewayOperation(models.Model):
    """One call to a gateway (or to the internal balance hold). The row, with its idempotency
    key, is committed before the call is made: a call whose answer was lost (a timeout after the
    charge went through) is found "in doubt" and resolved by asking the gateway for its status
    with the same key, never by calling again with a new one (payments-facts §3 PayPal-Request-Id,
    §7 Stripe idempotency)."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="operations")
    gateway = models.CharField(_("pasarela"), max_length=30)
    kind = models.CharField(_("operación"), max_length=10, choices=OpKind.choices)
    amount = models.DecimalField(_("monto"), max_digits=19, decimal_places=2)
    idempotency_key = models.CharField(max_length=64, unique=True)
    state = models.CharField(_("estado"), max_length=10, choices=OpState.choices, default=OpState.STARTED)
    # ours, sent to the gateway (one per charge: a retry after a decline is a new charge); the
    # capture, void and refunds of a charge carry its reference
    reference = models.CharField(_("referencia"), max_length=100)
    gateway_id = models.CharField(_("id en la pasarela"), max_length=100, blank=True)
    operation_id = models.CharField(_("id de la operación"), max_length=100, blank=True)
    action_url = models.URLField(_("enlace para el pagador"), max_length=1000, blank=True)
    authorization_code = models.CharField(_("código de autorización"), max_length=40, blank=True)
    message = models.CharField(_("mensaje"), max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # A capture of part of the order (a partial shipment): {order line position: quantity shipped},
    # saved with the key before the call, so the split is made when the capture is known to have
    # gone through, however that is learnt (the answer, or asking the gateway later).
    shipped = models.JSONField(default=dict, blank=True)
    # A void made because our hold expired (orders.services._expire_hold): once it went through the
    # order goes back to pending (payable again), not to cancelled as a cancellation's void does.
    on_expiry = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("operación de pasarela")
        verbose_name_plural = _("operaciones de pasarela")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="gateway_op_amount_positive"),
            # one money-taking operation that went through per order: paying twice is impossible
            models.UniqueConstraint(fields=["order"], condition=models.Q(kind__in=["sale", "capture"], state="succeeded"),
                                    name="gateway_op_one_capture_per_order"),
            models.UniqueConstraint(fields=["order"], condition=models.Q(kind__in=["sale", "authorize"],
                                                                         state__in=["started", "succeeded", "in_doubt"]),
                                    name="gateway_op_one_live_charge_per_order"),
        ]
        indexes = [models.Index(fields=["state"], condition=models.Q(state__in=["started", "in_doubt"]),
                                name="gateway_op_unresolved")]

    def __str__(self):
        return f"{self.order} {self.kind} {self.amount} {self.state}"


OP_MACHINE = Machine(GatewayOperation, {
    OpState.STARTED: {OpState.SUCCEEDED, OpState.FAILED, OpState.IN_DOUBT},
    OpState.IN_DOUBT: {OpState.SUCCEEDED, OpState.FAILED},
})


class RefundAction(models.TextChoices):
    CREDIT_NOTE = "credit_note", _("Nota de crédito")
    INVALIDATION = "invalidation", _("Invalidación")
    RETURN = "return", _("Evento de retorno")
    MANUAL = "manual", _("A cargo del contador")


class Refund(models.Model):
    """Money given back through the gateway, with the fiscal side it called for."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(_("monto"), max_digits=19, decimal_places=2)
    reason = models.CharField(_("motivo"), max_length=300)
    operation = models.OneToOneField(GatewayOperation, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="refund")
    fiscal_action = models.CharField(_("acción fiscal"), max_length=12, choices=RefundAction.choices)
    fiscal_document = models.ForeignKey("dte.Document", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+")
    # A partial refund of a Factura: the lines given back ([{"numItem", "quantity"}], numItem = the
    # order line's position = the receipt's item) and the Evento de Retorno that records them.
    returned = models.JSONField(default=list, blank=True)
    fiscal_event = models.ForeignKey("dte.MHEvent", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    fiscal_error = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_amount_positive")]

    def __str__(self):
        return f"{self.order} −{self.amount}"


class ReceivedWebhook(models.Model):
    """A verified webhook, once per (gateway, event id): the gateways retry and duplicate them
    (payments-facts §1 Wompi retries, §3 PayPal up to 25), so a second copy is recognised and
    changes nothing."""

    gateway = models.CharField(max_length=30)
    event_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=20)
    reference = models.CharField(max_length=100, blank=True)
    gateway_id = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["gateway", "event_id"], name="received_webhook_once")]

    def __str__(self):
        return f"{self.gateway} {self.event_id} {self.kind}"
