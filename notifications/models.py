"""The inbox: one row per recipient and event (unique: a task that runs twice, a hook heard twice,
add nothing), and each user's choice of channel per kind of event.

The kinds themselves (the event catalogue: what each means, who hears it, its default channel)
live in notifications.catalogue."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    DOCUMENT_SEALED = "document.sealed", _("Documento sellado por MH")
    DOCUMENT_REJECTED = "document.rejected", _("Documento rechazado por MH")
    DOCUMENT_INVALIDATED = "document.invalidated", _("Documento invalidado")
    APPROVAL_REQUESTED = "approval.requested", _("Aprobación solicitada")
    APPROVAL_DECIDED = "approval.decided", _("Aprobación decidida")
    CONTINGENCY_ENTERED = "contingency.entered", _("Contingencia iniciada")
    CONTINGENCY_ENDED = "contingency.ended", _("Contingencia terminada")
    CONTINGENCY_DEADLINE = "contingency.deadline_near", _("Plazo de contingencia cercano o vencido")
    EMAIL_BOUNCED = "email.bounced", _("Correo de un documento rebotado")
    PAYMENT_RECEIVED = "payment.received", _("Pago recibido")
    PAYMENT_FAILED = "payment.failed", _("Cobro rechazado")
    HOLD_EXPIRING = "hold.expiring", _("Retención de fondos por vencer")
    REFUND_COMPLETED = "refund.completed", _("Reembolso realizado")
    IMPORT_FINISHED = "import.finished", _("Carga masiva terminada")
    EXPORT_FINISHED = "export.finished", _("Exportación terminada")
    RECONCILIATION_DIFFERENCES = "reconciliation.differences", _("Diferencias de conciliación")


class Channel(models.TextChoices):
    INBOX = "inbox", _("Solo en la bandeja")
    EMAIL = "email", _("Bandeja y correo inmediato")
    DIGEST = "digest", _("Bandeja y resumen diario por correo")
    NONE = "none", _("No avisar")


class Notification(models.Model):
    """What one user hears of one event. ``key`` names the event (its kind and subject, e.g.
    "document.rejected:document:42:3"); the unique (recipient, key) is what makes the fan-out
    exactly once. ``channel`` is the channel chosen when it was made; the email and digest
    senders claim the row (emailed_at) with a conditional UPDATE, so a mail goes once too."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("evento"), max_length=40, choices=Kind.choices)
    key = models.CharField(max_length=200)
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices, default=Channel.INBOX)
    title = models.CharField(_("título"), max_length=200)
    body = models.CharField(_("detalle"), max_length=500, blank=True)
    url = models.CharField(_("enlace"), max_length=300, blank=True)
    establishment = models.ForeignKey(
        "accounts.Establishment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("fecha"), auto_now_add=True)
    read_at = models.DateTimeField(_("leída"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("enviada por correo"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notificación")
        verbose_name_plural = _("notificaciones")
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_event")]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox"),
            models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notification_unread"),
            models.Index(
                fields=["channel"],
                condition=models.Q(emailed_at__isnull=True, channel__in=["email", "digest"]),
                name="notification_mail_due",
            ),
        ]

    def __str__(self):
        return self.title


class Preference(models.Model):
    """A user's channel for one kind of event; no row: the kind's default (catalogue)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences")
    kind = models.CharField(_("evento"), max_length=40, choices=Kind.choices)
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices)

    class Meta:
        verbose_name = _("preferencia de notificación")
        verbose_name_plural = _("preferencias de notificación")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique")]

    def __str__(self):
        return f"{self.user} {self.kind}: {self.channel}"
