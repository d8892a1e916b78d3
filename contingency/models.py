"""Contingency (facts §5): the periods when documents are issued offline, the events that
declare them to MH, and the lots that transmit them afterwards."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Reason(models.IntegerChoices):
    """CAT-005."""

    MH_DOWN = 1, _("No disponibilidad de sistema del MH")
    OUR_SYSTEM = 2, _("No disponibilidad de sistema del emisor")
    INTERNET = 3, _("Falla en el suministro de servicio de Internet del emisor")
    POWER = 4, _("Falla en el suministro de servicio de energía eléctrica del emisor")
    OTHER = 5, _("Otro motivo")


class Period(models.Model):
    """An outage: from when documents started being issued offline until MH was back. Scope: the
    whole company, one establishment, or one point of sale."""

    company = models.ForeignKey("accounts.Company", on_delete=models.PROTECT, related_name="+")
    establishment = models.ForeignKey("accounts.Establishment", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+")
    point_of_sale = models.ForeignKey("accounts.PointOfSale", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+")
    tipo = models.PositiveSmallIntegerField(_("tipo de contingencia"), choices=Reason.choices)
    motivo = models.CharField(_("motivo"), max_length=500, blank=True)
    automatic = models.BooleanField(_("detectada por el sistema"), default=False)
    end_automatically = models.BooleanField(_("termina sola cuando MH responde"), default=True)
    started_at = models.DateTimeField(_("inicio"))
    ended_at = models.DateTimeField(_("fin"), null=True, blank=True, db_index=True)
    completed_at = models.DateTimeField(_("todo transmitido"), null=True, blank=True)
    opened_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    ended_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Lease of the catch-up run (one at a time per period) and the last problem it met.
    busy_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    alerts_sent = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("periodo de contingencia")
        verbose_name_plural = _("periodos de contingencia")
        indexes = [models.Index(fields=["company"], condition=models.Q(completed_at__isnull=True),
                                name="period_open_idx")]

    def __str__(self):
        return f"{self.scope_label} · {timezone.localtime(self.started_at):%d/%m/%Y %H:%M}"

    @property
    def active(self):
        return self.ended_at is None

    @property
    def scope_label(self):
        if self.point_of_sale_id:
            return f"{self.point_of_sale.establishment.name} · {self.point_of_sale.name}"
        if self.establishment_id:
            return self.establishment.name
        return str(_("Toda la empresa"))

    def covers(self, point_of_sale):
        if self.point_of_sale_id:
            return self.point_of_sale_id == point_of_sale.pk
        if self.establishment_id:
            return self.establishment_id == point_of_sale.establishment_id
        return True

    @property
    def event_deadline(self):
        """MH: the event within 24 h after the outage ends (facts §5)."""
        if self.ended_at is None:
            return None
        return self.ended_at + datetime.timedelta(hours=settings.DTE_CONTINGENCY_EVENT_HOURS)

    @property
    def identificacion(self):
        """The contingency fields every document of the period carries (facts §2.1)."""
        return {"tipo": self.tipo, "motivo": self.motivo or None}


class EventState(models.TextChoices):
    PENDING = "pending", _("Por enviar")
    IN_DOUBT = "in_doubt", _("Enviado sin respuesta")
    SEALED = "sealed", _("Sellado")
    REJECTED = "rejected", _("Rechazado")
    REPLACED = "replaced", _("Reemplazado")


class Event(models.Model):
    """One Evento de Contingencia: a signed list of the period's documents of one point of sale
    (at most DTE_CONTINGENCY_EVENT_MAX), sent to /fesv/contingencia, sealed before any lot."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="events")
    establishment = models.ForeignKey("accounts.Establishment", on_delete=models.PROTECT, related_name="+")
    point_of_sale = models.ForeignKey("accounts.PointOfSale", on_delete=models.PROTECT, related_name="+")
    codigo_generacion = models.CharField(max_length=36, unique=True)
    payload = models.TextField()
    jws = models.TextField()
    document_count = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=10, choices=EventState.choices, default=EventState.PENDING)
    sello_recibido = models.CharField(_("sello de recepción"), max_length=64, blank=True)
    answer = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    available_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sealed_at = models.DateTimeField(null=True, blank=True)
    replaces = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["period", "id"]
        verbose_name = _("evento de contingencia")
        verbose_name_plural = _("eventos de contingencia")

    def __str__(self):
        return self.codigo_generacion

    @property
    def lots_deadline(self):
        """MH: the lots within 72 h after the event's seal (facts §5)."""
        if self.sealed_at is None:
            return None
        return self.sealed_at + datetime.timedelta(hours=settings.DTE_CONTINGENCY_LOTS_HOURS)


class LotState(models.TextChoices):
    NEW = "new", _("Por enviar")
    SENDING = "sending", _("Enviando")
    SENT = "sent", _("En proceso en MH")
    POLLING = "polling", _("Consultando")
    IN_DOUBT = "in_doubt", _("Enviado sin respuesta")
    PROCESSED = "processed", _("Procesado")
    FAILED = "failed", _("Fallido")


class Lot(models.Model):
    """At most 100 documents of one event and type sent together to /fesv/recepcionlote/; MH
    answers with a codigoLote and the results are fetched with consultadtelote."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="lots")
    tipo_dte = models.CharField(max_length=2)
    codigo_lote = models.CharField(_("código de lote"), max_length=64, blank=True)
    state = models.CharField(max_length=10, choices=LotState.choices, default=LotState.NEW, db_index=True)
    document_count = models.PositiveIntegerField(default=0)
    sealed = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    asked = models.PositiveIntegerField(default=0)  # missing from MH's answer: asked one by one
    attempts = models.PositiveIntegerField(default=0)
    polls = models.PositiveIntegerField(default=0)
    available_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event", "id"]
        verbose_name = _("lote")
        verbose_name_plural = _("lotes")

    def __str__(self):
        return self.codigo_lote or f"{_('lote')} {self.pk}"
