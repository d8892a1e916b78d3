from django.db import models
from django.utils.translation import gettext_lazy as _


class MHCallOutcome(models.TextChoices):
    OK = "ok", _("Aceptado")
    REJECTED = "rejected", _("Rechazado por MH")
    TRANSIENT = "transient", _("Falla transitoria")
    PERMANENT = "permanent", _("Falla permanente")
    IN_DOUBT = "in_doubt", _("Enviado sin respuesta")


class MHCall(models.Model):
    """Every call to MH: what was sent (a digest, never secrets), what came back, how long it
    took and how it was classified, so anyone can see what happened to a document."""

    at = models.DateTimeField(_("fecha y hora"), auto_now_add=True, db_index=True)
    endpoint = models.CharField(_("servicio"), max_length=80)
    method = models.CharField(max_length=6, default="POST")
    base_url = models.CharField(max_length=200)
    codigo_generacion = models.CharField(_("código de generación"), max_length=36, blank=True, db_index=True)
    request_digest = models.CharField(_("huella de lo enviado (SHA-256)"), max_length=64, blank=True)
    request_summary = models.JSONField(_("resumen de lo enviado"), default=dict, blank=True)
    status_code = models.IntegerField(_("estado HTTP"), null=True, blank=True)
    response_body = models.JSONField(_("respuesta"), null=True, blank=True)
    duration_ms = models.IntegerField(_("duración (ms)"), default=0)
    outcome = models.CharField(_("resultado"), max_length=10, choices=MHCallOutcome.choices)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("llamada a MH")
        verbose_name_plural = _("llamadas a MH")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.endpoint} {self.outcome}"
