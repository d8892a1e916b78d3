"""Contingency (facts §5): the events that declare an outage (dte.OfflineScope, the period when
documents were issued offline) to MH, and the lots that transmit its documents afterwards."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventState(models.TextChoices):
    PENDING = "pending", _("Por enviar")
    IN_DOUBT = "in_doubt", _("Enviado sin respuesta")
    SEALED = "sealed", _("Sellado")
    REJECTED = "rejected", _("Rechazado")
    REPLACED = "replaced", _("Reemplazado")


class Event(models.Model):
    """One Evento de Contingencia: a signed list of the period's documents of one point of sale
    (at most DTE_CONTINGENCY_EVENT_MAX), sent to /fesv/contingencia, sealed before any lot."""

    period = models.ForeignKey("dte.OfflineScope", on_delete=models.PROTECT, related_name="events")
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


class Listing(models.Model):
    """A document of an outage as contingency reports it to MH: the event that lists it and the
    lot that transmits it (facts §5). Contingency's own rows: dte knows nothing of events or lots."""

    document = models.OneToOneField("dte.Document", on_delete=models.CASCADE, related_name="contingency_listing")
    event = models.ForeignKey(Event, on_delete=models.PROTECT, null=True, blank=True, related_name="listings")
    lot = models.ForeignKey(Lot, on_delete=models.SET_NULL, null=True, blank=True, related_name="listings")

    class Meta:
        verbose_name = _("documento en contingencia")
        verbose_name_plural = _("documentos en contingencia")

    def __str__(self):
        return f"{self.document_id} → {self.event_id} / {self.lot_id}"


class ReturnListing(models.Model):
    """A retorno (dte.MHEvent, tipoEvento 18) signed during an outage, as contingency reports it:
    the Evento de Contingencia that lists it (tipoDoc "18"; facts §5: v2.0 allows the Retorno in
    contingency). Once that event is sealed the retorno is released to be sent by itself."""

    mh_event = models.OneToOneField("dte.MHEvent", on_delete=models.CASCADE, related_name="contingency_listing")
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="return_listings")

    class Meta:
        verbose_name = _("retorno en contingencia")
        verbose_name_plural = _("retornos en contingencia")

    def __str__(self):
        return f"{self.mh_event_id} → {self.event_id}"
