"""Integrations (the outside systems that call the API and hear of events) and their webhook
subscriptions, events, deliveries and attempts.

An event is written in the transaction of the change it reports (a document sealed, a payment
recorded…), with one delivery per subscription that wants it: the database holds what must be
sent, the broker only wakes the sender. A delivery belongs to a stream (its subject: one
document, one payment, one contingency period) and carries that stream's next sequence number;
a stream is sent in order, and event n+1 of a document never leaves before event n succeeded."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedTextField
from core.statemachine import Machine


class Integration(models.Model):
    """An outside system: a till, a web shop, an ERP. Its API keys (api.ApiKey) and its webhook
    subscriptions belong to it; its contact is told when a subscription is paused."""

    name = models.CharField(_("nombre"), max_length=100, unique=True)
    contact_email = models.EmailField(_("correo de contacto"), max_length=200,
                                      help_text=_("Recibe el aviso cuando un webhook se pausa por fallar."))
    notes = models.CharField(_("notas"), max_length=500, blank=True)
    is_active = models.BooleanField(_("activa"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("integración")
        verbose_name_plural = _("integraciones")

    def __str__(self):
        return self.name


class EventType(models.TextChoices):
    DOCUMENT_SEALED = "document.sealed", _("Documento sellado por MH")
    DOCUMENT_REJECTED = "document.rejected", _("Documento rechazado por MH")
    DOCUMENT_INVALIDATED = "document.invalidated", _("Documento invalidado")
    CONTINGENCY_ENTERED = "contingency.entered", _("Contingencia iniciada")
    CONTINGENCY_ENDED = "contingency.ended", _("Contingencia terminada")
    EMAIL_BOUNCED = "email.bounced", _("Correo de un documento rebotado")
    PAYMENT_RECORDED = "payment.recorded", _("Pago registrado")
    EXPORT_READY = "export.ready", _("Exportación lista")
    PAYMENT_FAILED = "payment.failed", _("Cobro rechazado por la pasarela")
    REFUND_COMPLETED = "refund.completed", _("Reembolso hecho en la pasarela")
    CONTINGENCY_DEADLINE = "contingency.deadline_near", _("Plazo de contingencia cercano o vencido")


class SubscriptionState(models.TextChoices):
    ACTIVE = "active", _("Activa")
    PAUSED = "paused", _("Pausada")
    DISABLED = "disabled", _("Desactivada")


class Subscription(models.Model):
    """Where an integration wants which events. ``scope_user``: the API key's account whose scope
    (core.scope) limits the events (a till's key hears of its own documents only); empty, the
    whole company."""

    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="subscriptions",
                                    verbose_name=_("integración"))
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("eventos"), default=list)
    secret = EncryptedTextField(_("secreto de firma"))
    scope_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("alcance de la clave"),
                                   help_text=_("Vacío: eventos de toda la empresa."))
    state = models.CharField(_("estado"), max_length=10, choices=SubscriptionState.choices,
                             default=SubscriptionState.ACTIVE, db_index=True)
    pause_reason = models.CharField(_("motivo de la pausa"), max_length=300, blank=True)
    paused_at = models.DateTimeField(_("pausada"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("última entrega"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    SECRET_FIELDS = ("secret",)

    class Meta:
        ordering = ["integration", "id"]
        verbose_name = _("suscripción de webhook")
        verbose_name_plural = _("suscripciones de webhook")

    def __str__(self):
        return f"{self.integration} → {self.url}"

    MOVES = {SubscriptionState.ACTIVE: {SubscriptionState.PAUSED, SubscriptionState.DISABLED},
             SubscriptionState.PAUSED: {SubscriptionState.ACTIVE, SubscriptionState.DISABLED},
             SubscriptionState.DISABLED: {SubscriptionState.ACTIVE}}


SUBSCRIPTION_MACHINE = Machine(Subscription, Subscription.MOVES)


class Event(models.Model):
    """Something that happened, with its payload as it was then (what every subscriber gets)."""

    public_id = models.UUIDField(unique=True)
    kind = models.CharField(_("evento"), max_length=30, choices=EventType.choices)
    stream = models.CharField(_("asunto"), max_length=60)  # "document:42", "payment:7", "contingency:3"
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("evento")
        verbose_name_plural = _("eventos")

    def __str__(self):
        return f"{self.kind} {self.stream}"


class Stream(models.Model):
    """One subject's events for one subscription, sent in order: the last sequence handed out,
    and who is sending it now (a claim that expires: a dead worker's is taken back)."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="streams")
    key = models.CharField(max_length=60)
    last_sequence = models.PositiveIntegerField(default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subscription", "key"], name="webhook_stream_unique")]

    def __str__(self):
        return f"{self.subscription_id}:{self.key}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pendiente")
    DELIVERED = "delivered", _("Entregada")
    FAILED = "failed", _("Fallida")


class Delivery(models.Model):
    """One event for one subscription: its place in the stream, and how sending it went."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="deliveries")
    stream = models.ForeignKey(Stream, on_delete=models.CASCADE, related_name="deliveries")
    sequence = models.PositiveIntegerField()
    state = models.CharField(_("estado"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(_("intentos"), default=0)
    next_attempt_at = models.DateTimeField(_("próximo intento"), db_index=True)
    first_failure_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(_("entregada"), null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(_("última respuesta"), null=True, blank=True)
    last_error = models.CharField(_("último error"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["stream", "sequence"]
        verbose_name = _("entrega de webhook")
        verbose_name_plural = _("entregas de webhook")
        constraints = [
            models.UniqueConstraint(fields=["stream", "sequence"], name="webhook_delivery_sequence_unique"),
            models.UniqueConstraint(fields=["subscription", "event"], name="webhook_delivery_once"),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self):
        return f"{self.event.kind} #{self.sequence} → {self.subscription_id}"

    MOVES = {DeliveryState.PENDING: {DeliveryState.DELIVERED, DeliveryState.FAILED},
             DeliveryState.FAILED: {DeliveryState.PENDING},
             DeliveryState.DELIVERED: {DeliveryState.PENDING}}  # replayed from the admin


DELIVERY_MACHINE = Machine(Delivery, Delivery.MOVES)


class Attempt(models.Model):
    """One try at a delivery: the answer's status and the start of its body, how long it took."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts_made")
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    body_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["delivery", "id"]
        verbose_name = _("intento de entrega")
        verbose_name_plural = _("intentos de entrega")

    def __str__(self):
        return f"{self.delivery_id} {self.status_code or self.error}"
