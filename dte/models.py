import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fiscal import DocType, GovStatus  # noqa: F401 - the document's vocabulary, named where it is used
from core.models import FileJob
from core.statemachine import Machine
from dte.schemas import registry


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
    document_status = models.CharField(_("estado resultante"), max_length=24, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("llamada a MH")
        verbose_name_plural = _("llamadas a MH")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.endpoint} {self.outcome}"


class SchemaKind(models.TextChoices):
    """What a SchemaGeneration row applies to: every type and event, one DTE type (CAT-002), or
    one event."""

    ALL = "*", _("Todos los tipos y eventos")
    FACTURA = "01", _("Factura")
    CCF = "03", _("Comprobante de Crédito Fiscal")
    NR = "04", _("Nota de Remisión")
    NC = "05", _("Nota de Crédito")
    ND = "06", _("Nota de Débito")
    CR = "07", _("Comprobante de Retención")
    CL = "08", _("Comprobante de Liquidación")
    DCL = "09", _("Documento Contable de Liquidación")
    FEX = "11", _("Factura de Exportación")
    FSE = "14", _("Factura de Sujeto Excluido")
    CD = "15", _("Comprobante de Donación")
    INVALIDATION = "anulacion", _("Evento de invalidación")
    CONTINGENCY = "contingencia", _("Evento de contingencia")
    RETURN_EVENT = "retorno", _("Evento de retorno")
    SPECIAL_EVENT = "operaciones", _("Evento de operaciones especiales")


class SchemaGeneration(models.Model):
    """From ``effective_from`` on, documents (or events) of ``kind`` are issued in ``generation``
    of MH's schemas (facts §9: the version per type and per effective date is data). The row in
    force for a kind at a moment is the latest one not after it, its own kind before "*"; with
    no row, settings.DTE_SCHEMA_GENERATION. A document keeps the generation it was issued in
    (Document.generation); its corrections and invalidations follow it (dte.generations)."""

    kind = models.CharField(_("tipo"), max_length=16, choices=SchemaKind.choices, default=SchemaKind.ALL)
    generation = models.CharField(_("generación"), max_length=4,
                                  help_text=_("2023 (FE v1, CCF v3…) o 2026 (Normativa v2.0: FE v2, CCF v4…)."))
    effective_from = models.DateTimeField(_("vigente desde"),
                                          help_text=_("Fecha y hora (de El Salvador) desde la que se emite en esta generación."))
    note = models.CharField(_("nota"), max_length=200, blank=True,
                            help_text=_("Por ejemplo, el aviso de MH que fija la fecha."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from", "kind"]
        verbose_name = _("generación de esquemas MH")
        verbose_name_plural = _("generaciones de esquemas MH")
        constraints = [models.UniqueConstraint(fields=["kind", "effective_from"], name="schema_generation_unique")]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.generation} ({self.effective_from:%Y-%m-%d %H:%M})"

    def clean(self):
        if not registry.is_known(self.generation):
            raise ValidationError({"generation": _("La generación «%(g)s» no existe (conocidas: %(k)s).") % {
                "g": self.generation, "k": ", ".join(registry.GENERATIONS)}})
        if self.kind != SchemaKind.ALL:
            try:
                registry.entry(self.kind, self.generation)
            except registry.UnknownGeneration as exc:
                raise ValidationError({"kind": str(exc)}) from None


class OfflineReason(models.IntegerChoices):
    """CAT-005: why documents are issued offline."""

    MH_DOWN = 1, _("No disponibilidad de sistema del MH")
    OUR_SYSTEM = 2, _("No disponibilidad de sistema del emisor")
    INTERNET = 3, _("Falla en el suministro de servicio de Internet del emisor")
    POWER = 4, _("Falla en el suministro de servicio de energía eléctrica del emisor")
    OTHER = 5, _("Otro motivo")


class OfflineScope(models.Model):
    """An outage (facts §5): from when documents started being issued offline until MH was back.
    Scope: the whole company, one establishment, or one point of sale. Opened and ended by
    dte.transmission.offline (by hand through the contingency pages, or by the pipeline and its
    circuit breaker); contingency reports it to MH with its events and lots."""

    company = models.ForeignKey("accounts.Company", on_delete=models.PROTECT, related_name="+")
    establishment = models.ForeignKey("accounts.Establishment", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+")
    point_of_sale = models.ForeignKey("accounts.PointOfSale", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+")
    tipo = models.PositiveSmallIntegerField(_("tipo de contingencia"), choices=OfflineReason.choices)
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
        db_table = "contingency_period"  # moved from contingency.Period, its table kept
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


class InternalStatus(models.TextChoices):
    TO_REVIEW = "to_review", _("Por revisar")
    REVIEWED = "reviewed", _("Revisado")
    OBSERVATIONS = "observations", _("Con observaciones")
    POSTED = "posted", _("Contabilizado")


class Condition(models.IntegerChoices):
    """CAT-016."""

    CONTADO = 1, _("Contado")
    CREDITO = 2, _("Crédito")
    OTRO = 3, _("Otro")


class Document(models.Model):
    """One document of any type: a draft while the rep builds it, then the issued DTE with its
    number, JSON and signature. Issued fields are written once, by dte.services.issuing.document_issue."""

    company = models.ForeignKey("accounts.Company", on_delete=models.PROTECT, related_name="documents")
    establishment = models.ForeignKey("accounts.Establishment", on_delete=models.PROTECT, related_name="documents")
    point_of_sale = models.ForeignKey("accounts.PointOfSale", on_delete=models.PROTECT, related_name="documents")
    tipo_dte = models.CharField(_("tipo"), max_length=2, choices=DocType.choices)
    status = models.CharField(_("estado ante MH"), max_length=24, choices=GovStatus.choices, default=GovStatus.DRAFT,
                              db_index=True)
    internal_status = models.CharField(_("estado interno"), max_length=16, choices=InternalStatus.choices,
                                       default=InternalStatus.TO_REVIEW)
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="documents", db_index=False)  # indexed by document_by_client
    provider = models.ForeignKey("inventory.Provider", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="documents")
    # The counterparty as printed on the document (a snapshot: later edits to the client do not
    # change an issued document); for an FSE the unregistered seller typed in the form.
    counterparty = models.JSONField(_("receptor"), default=dict, blank=True)
    issue_date = models.DateField(_("fecha de emisión"))
    condition = models.PositiveSmallIntegerField(_("condición de la operación"), choices=Condition.choices,
                                                 default=Condition.CONTADO)
    payment_term_days = models.PositiveIntegerField(_("plazo (días)"), default=0)
    payments = models.JSONField(_("formas de pago"), default=list, blank=True)  # [{codigo, monto, referencia}]
    observations = models.CharField(_("observaciones"), max_length=3000, blank=True)
    discount_no_suj = models.DecimalField(max_digits=19, decimal_places=2, default=0)
    discount_exenta = models.DecimalField(max_digits=19, decimal_places=2, default=0)
    discount_gravada = models.DecimalField(max_digits=19, decimal_places=2, default=0)
    extra = models.JSONField(default=dict, blank=True)  # per type: FEX incoterms/seguro/flete, NR bienTitulo…
    # Issued
    generation = models.CharField(max_length=4, blank=True)
    version = models.PositiveSmallIntegerField(null=True, blank=True)
    # Issued for MH's authorisation test set (onboarding) in MH's test environment: not a sale.
    # Books, reports, F-07 annexes, the dashboard and receivables leave it out (reports.base).
    is_authorisation_test = models.BooleanField(_("documento de prueba para la autorización de MH"), default=False,
                                                db_default=False)  # raw COPY loads (bench/seed_million.py) get false too
    # The correlative restarts every year (facts §2.1), so a numeroControl is unique within its year.
    numero_control = models.CharField(_("número de control"), max_length=31, null=True, blank=True, db_index=True)
    number_year = models.PositiveSmallIntegerField(null=True, blank=True)
    codigo_generacion = models.CharField(_("código de generación"), max_length=36, unique=True, null=True, blank=True)
    correlative = models.BigIntegerField(null=True, blank=True)
    issue_time = models.TimeField(_("hora de emisión"), null=True, blank=True)
    payload = models.TextField(_("JSON firmado"), blank=True)  # the exact bytes signed (UTF-8)
    jws = models.TextField(_("firma (JWS)"), blank=True)
    total_operation = models.DecimalField(_("monto total"), max_digits=19, decimal_places=2, default=0)
    total_to_pay = models.DecimalField(_("total a pagar"), max_digits=19, decimal_places=2, default=0)
    total_iva = models.DecimalField(_("IVA"), max_digits=19, decimal_places=2, default=0)
    # resumen's figures the sales books and F-07 annexes need, net of global discounts, kept as
    # columns so a month of documents is summed in SQL instead of parsing each JSON (facts §2.5).
    # A CR keeps its totalSujetoRetencion in amount_gravada and totalIVAretenido in iva_retenido.
    amount_no_suj = models.DecimalField(_("ventas no sujetas"), max_digits=19, decimal_places=2, default=0)
    amount_exenta = models.DecimalField(_("ventas exentas"), max_digits=19, decimal_places=2, default=0)
    amount_gravada = models.DecimalField(_("ventas gravadas"), max_digits=19, decimal_places=2, default=0)
    iva_retenido = models.DecimalField(_("IVA retenido"), max_digits=19, decimal_places=2, default=0)
    iva_percibido = models.DecimalField(_("IVA percibido"), max_digits=19, decimal_places=2, default=0)
    rete_renta = models.DecimalField(_("renta retenida"), max_digits=19, decimal_places=2, default=0)
    confirmations = models.JSONField(_("confirmaciones"), default=list, blank=True)
    has_cases = models.BooleanField(default=False)  # special-case rows exist (saves a query when issuing)
    # A credit sale whose payments (not voided) cover it: what it owes is nothing, whatever credit
    # notes come later. Set and cleared by payments (dte.services.internal.documents_set_paid_off); false
    # only means "may still owe", so the credit checks read the open sales alone and their cost does
    # not grow with a client's paid history (document_open_credit).
    paid_off = models.BooleanField(default=False)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    issued_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    issued_at = models.DateTimeField(null=True, blank=True, db_index=True)
    sello_recibido = models.CharField(_("sello de recepción"), max_length=64, blank=True)
    processed_at = models.DateTimeField(_("procesado por MH"), null=True, blank=True)
    # MH's last answer about the document, raw (shown as it came, and explained).
    mh_code = models.CharField(_("código MH"), max_length=10, blank=True)
    mh_message = models.CharField(_("mensaje MH"), max_length=300, blank=True)
    mh_observations = models.JSONField(_("observaciones MH"), default=list, blank=True)
    last_error = models.CharField(_("último error de transmisión"), max_length=300, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    previous_codes = models.JSONField(default=list, blank=True)  # codigoGeneracion used before a correction
    # The outage (offline scope) it was issued in or caught by (facts §5). The event that declares
    # it to MH and the lot that transmits it are contingency's (contingency.Listing).
    contingency_period = models.ForeignKey(OfflineScope, on_delete=models.PROTECT, null=True, blank=True,
                                           related_name="documents")

    class Meta:
        ordering = ["-issue_date", "-id"]
        verbose_name = _("documento")
        verbose_name_plural = _("documentos")
        # The list pages by (issue_date, id), the dashboards and reports group a period's documents:
        # these covering indexes (PostgreSQL INCLUDE; ignored elsewhere) let both read the index
        # alone, whichever of date, status, establishment or rep narrows them (bench/reports.py).
        _covered = ["status", "internal_status", "tipo_dte", "establishment", "point_of_sale", "created_by",
                    "total_operation", "total_to_pay", "total_iva", "amount_no_suj", "amount_exenta", "amount_gravada",
                    # every report leaves out MH's authorisation test set: without it here, none of
                    # them could read the index alone (dashboard 300 -> 420 ms at a million)
                    "is_authorisation_test"]
        indexes = [models.Index(fields=["company", "tipo_dte", "issue_date"]),
                   models.Index(fields=["issue_date", "id"], include=_covered, name="document_by_date"),
                   models.Index(fields=["establishment", "issue_date", "id"],
                                include=[c for c in _covered if c != "establishment"], name="document_by_establishment"),
                   models.Index(fields=["created_by", "issue_date", "id"],
                                include=[c for c in _covered if c != "created_by"], name="document_by_rep"),
                   models.Index(fields=["status"], include=["id", *_covered[1:6], "issue_date", "total_to_pay", "is_authorisation_test"],
                                name="document_by_status"),
                   # the list's status counts for one type
                   models.Index(fields=["tipo_dte", "status"], name="document_by_type_status"),
                   # ... and for one establishment: half a million entries of this slim index count in
                   # a third of the time of document_by_establishment's fat ones (bench/reports.py)
                   models.Index(fields=["establishment", "status"], name="document_by_est_status"),
                   # the list's search by correlative (the number at the end of the número de control)
                   models.Index(fields=["correlative"], name="document_by_correlative"),
                   # the list's search by client name: its status counts and the ids of a search
                   # with few matches read this index alone (the list's filters are its INCLUDE
                   # columns), not the documents' pages
                   models.Index(fields=["client"], name="document_by_client",
                                include=["id", "status", "internal_status", "tipo_dte", "establishment",
                                         "point_of_sale", "created_by", "issue_date", "total_to_pay", "is_authorisation_test"]),
                   # a client's credit documents and credit notes: what it owes (credit checks)
                   models.Index(fields=["client", "condition", "tipo_dte"], name="document_client_credit"),
                   # every credit sale and every credit note, read whole by the aging of receivables
                   models.Index(fields=["client"], condition=models.Q(condition=2), name="document_credit_sales",
                                include=["id", "status", "tipo_dte", "establishment", "point_of_sale", "created_by",
                                         "issue_date", "payment_term_days", "total_to_pay", "total_operation",
                                         "is_authorisation_test"]),
                   models.Index(fields=["client"], condition=models.Q(tipo_dte="05"), name="document_credit_notes",
                                include=["id", "status", "total_operation", "is_authorisation_test"]),
                   # a client's credit sales not yet paid off: what the credit checks on issuing read
                   models.Index(fields=["client"], condition=models.Q(condition=2, paid_off=False),
                                name="document_open_credit",
                                include=["id", "status", "tipo_dte", "issue_date", "payment_term_days", "total_to_pay",
                                         "total_operation", "is_authorisation_test"])]
        constraints = [
            models.UniqueConstraint(fields=["numero_control", "number_year"], name="numero_control_unique_per_year"),
            models.CheckConstraint(
                condition=models.Q(status="draft") | (models.Q(numero_control__isnull=False)
                                                      & models.Q(codigo_generacion__isnull=False)),
                name="issued_document_has_numbers"),
        ]

    def __str__(self):
        return self.numero_control or f"{self.get_tipo_dte_display()} ({_('borrador')} {self.pk})"

    @property
    def is_draft(self):
        return self.status == GovStatus.DRAFT

    @property
    def is_editable(self):
        """A draft, or a rejected document being corrected (it keeps its number)."""
        return self.status in (GovStatus.DRAFT, GovStatus.CORRECTING)

    @property
    def counterparty_name(self):
        if self.client_id:
            return self.client.name
        if self.provider_id:
            return self.provider.name
        return (self.counterparty or {}).get("name", "")


class Treatment(models.TextChoices):
    GRAVADO = "gravado", _("Gravado")
    EXENTO = "exento", _("Exento")
    NO_SUJETO = "no_sujeto", _("No sujeto")


class DocumentLine(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    product = models.ForeignKey("inventory.Product", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    item_type = models.PositiveSmallIntegerField(_("tipo de ítem"), default=1)  # CAT-011
    code = models.CharField(_("código"), max_length=25, blank=True)
    description = models.CharField(_("descripción"), max_length=1000)
    unit = models.PositiveSmallIntegerField(_("unidad"), default=59)  # CAT-014
    quantity = models.DecimalField(_("cantidad"), max_digits=19, decimal_places=8, default=1)
    unit_price = models.DecimalField(_("precio unitario"), max_digits=19, decimal_places=8, default=0)
    discount = models.DecimalField(_("descuento"), max_digits=19, decimal_places=8, default=0)
    treatment = models.CharField(_("tratamiento"), max_length=10, choices=Treatment.choices, default=Treatment.GRAVADO)
    special_taxes = models.JSONField(default=list, blank=True)  # CAT-015 codes
    tax_code = models.CharField(max_length=2, blank=True)  # codTributo of a tipoItem 4 line
    no_gravado = models.DecimalField(max_digits=19, decimal_places=8, default=0)
    related_code = models.CharField(max_length=36, blank=True)  # numeroDocumento: the related document it adjusts
    withhold_income = models.BooleanField(default=False)  # FSE: reteRenta on this line
    # NC: the goods of this line came back (dte.returns moves them into stock when MH seals the note).
    returns_goods = models.BooleanField(_("mercadería devuelta"), default=False)
    extra = models.JSONField(default=dict, blank=True)  # CR: tipoDte, tipoDoc, numDocumento, fechaEmision, base, code

    class Meta:
        ordering = ["document", "position"]
        constraints = [models.UniqueConstraint(fields=["document", "position"], name="line_position_unique")]

    def __str__(self):
        return f"{self.position}. {self.description[:60]}"


class RelatedDocument(models.Model):
    """documentoRelacionado: the sealed CCF/CR an NC/ND corrects, the NR a Factura covers…"""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="related")
    tipo_documento = models.CharField(max_length=2)
    tipo_generacion = models.PositiveSmallIntegerField(default=2)  # CAT-007: 1 físico, 2 electrónico
    numero_documento = models.CharField(max_length=36)
    fecha_emision = models.DateField()
    target = models.ForeignKey(Document, on_delete=models.PROTECT, null=True, blank=True, related_name="corrected_by")

    class Meta:
        ordering = ["document", "id"]

    def __str__(self):
        return f"{self.tipo_documento} {self.numero_documento}"


class NumberCounter(models.Model):
    """The last correlative per (type, establishment, point of sale, year) (facts §2.1). A row is
    incremented inside the issuing transaction: a failed issue rolls the number back with it."""

    tipo_dte = models.CharField(max_length=2)
    establishment = models.ForeignKey("accounts.Establishment", on_delete=models.PROTECT, related_name="+")
    point_of_sale = models.ForeignKey("accounts.PointOfSale", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tipo_dte", "establishment", "point_of_sale", "year"],
                                               name="number_counter_unique")]

    def __str__(self):
        return f"{self.tipo_dte} {self.year}: {self.last}"


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Por transmitir")
    CLAIMED = "claimed", _("En curso")
    DONE = "done", _("Terminado")
    STOPPED = "stopped", _("Detenido")
    HELD = "held", _("En contingencia")  # transmitted by the contingency lots, not one by one


class Outbox(models.Model):
    """What the transmission pipeline must send: created in the issuing transaction, so an
    issued document can never be forgotten."""

    document = models.OneToOneField(Document, on_delete=models.PROTECT, related_name="outbox")
    state = models.CharField(max_length=8, choices=OutboxState.choices, default=OutboxState.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    sends = models.PositiveIntegerField(default=0)  # times the document went out to MH
    available_at = models.DateTimeField(db_index=True)
    last_error = models.CharField(max_length=300, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.document_id} {self.state}"


class StatusChange(models.Model):
    """Every status change of a document, on either track, with who and why."""

    TRACKS = [("gov", _("MH")), ("internal", _("interno"))]
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="history")
    track = models.CharField(max_length=8, choices=TRACKS)
    from_status = models.CharField(max_length=24)
    to_status = models.CharField(max_length=24)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["document", "at", "id"]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"


class CaseCode(models.TextChoices):
    """What must be confirmed before a document is issued (Issuing issue). A role lists the ones
    its users may not confirm themselves (accounts.Role.approval_cases): those wait for a
    supervisor's approval. Apps above add checks of their own (dte.hooks.register_issue_check)."""

    CREDIT_LIMIT = "credit_limit", _("Cliente sobre su límite de crédito")
    OVERDUE = "overdue", _("Cliente con documentos vencidos")
    BELOW_COST = "below_cost", _("Precio bajo el costo")
    NEGATIVE_STOCK = "negative_stock", _("Existencia negativa")
    RETENTION = "retention", _("Aplica retención o percepción de IVA")
    OTHER_DATE = "other_date", _("Fecha distinta de hoy")
    LARGE_AMOUNT = "large_amount", _("Monto sobre el umbral")


class CaseState(models.TextChoices):
    OPEN = "open", _("Por confirmar")
    CONFIRMED = "confirmed", _("Confirmado")
    REQUESTED = "requested", _("Aprobación solicitada")
    APPROVED = "approved", _("Aprobado")
    REFUSED = "refused", _("Rechazado")


class SpecialCase(models.Model):
    """A special case found before issuing (over credit limit, below cost…) and how it was
    settled: the rep's own confirmation, or a supervisor's approval with who, when and why."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="special_cases")
    code = models.CharField(max_length=30)
    detail = models.CharField(max_length=300)
    needs_approval = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=CaseState.choices, default=CaseState.OPEN)
    fingerprint = models.CharField(max_length=64)  # what was confirmed: a changed document asks again
    confirmed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["document", "id"]
        constraints = [models.UniqueConstraint(fields=["document", "code"], name="special_case_unique")]

    def __str__(self):
        return f"{self.code} ({self.state})"

    # Confirmed by the rep, or sent for approval (again after a refusal) and decided.
    MOVES = {CaseState.OPEN: {CaseState.CONFIRMED, CaseState.REQUESTED},
             CaseState.REFUSED: {CaseState.REQUESTED},
             CaseState.REQUESTED: {CaseState.APPROVED, CaseState.REFUSED}}

    @property
    def code_label(self):
        try:
            return CaseCode(self.code).label
        except ValueError:
            return self.code


class InvalidationType(models.IntegerChoices):
    """CAT-024."""

    ERROR = 1, _("Error en la información del documento")
    RESCIND = 2, _("Rescindir la operación")
    OTHER = 3, _("Otro")


class InvalidationState(models.TextChoices):
    PENDING = "pending", _("Enviada, esperando a MH")
    SENDING = "sending", _("Enviándose a MH")
    ACCEPTED = "accepted", _("Aceptada por MH")
    REJECTED = "rejected", _("Rechazada por MH")
    FAILED = "failed", _("Fallida")  # named by earlier versions; no move leads here any more


class Invalidation(models.Model):
    """An invalidation event (anulación, facts §6): who asked, who is responsible, the
    replacement when the type needs one, the signed event and MH's answer."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="invalidations")
    tipo = models.PositiveSmallIntegerField(_("tipo de invalidación"), choices=InvalidationType.choices)
    reason = models.CharField(_("motivo"), max_length=250, blank=True)
    replacement = models.ForeignKey(Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    responsible = models.JSONField(_("responsable"), default=dict)  # {name, id_type, id_number}
    requester = models.JSONField(_("solicitante"), default=dict)
    codigo_generacion = models.CharField(max_length=36, unique=True)
    payload = models.TextField(blank=True)
    jws = models.TextField(blank=True)
    state = models.CharField(max_length=12, choices=InvalidationState.choices, default=InvalidationState.PENDING)
    sello_recibido = models.CharField(max_length=64, blank=True)
    answer = models.JSONField(default=dict, blank=True)
    # What the person confirmed came back, [{line, quantity}]: moved into stock only when MH accepts
    # the event (dte.returns.invalidation_accepted).
    returned_goods = models.JSONField(_("mercadería devuelta"), default=list, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Each send to MH claims the record first (dte.invalidation.send); the sweeper waits longer after
    # each attempt before sending a lost one again (dte.invalidation.invalidations_sweep).
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["last_attempt_at"], name="invalidation_unsettled",
                                condition=models.Q(state__in=[InvalidationState.PENDING, InvalidationState.SENDING]))]

    def __str__(self):
        return f"{self.document} ({self.get_tipo_display()})"

    # A send claims the record (pending → sending) so a duplicate message sends nothing; MH's answer
    # settles it once; no answer puts it back to pending (retried), and so does the sweeper for a
    # claim whose worker died. A send that outlived its claim still settles it from pending.
    MOVES = {InvalidationState.PENDING: {InvalidationState.SENDING, InvalidationState.ACCEPTED,
                                         InvalidationState.REJECTED},
             InvalidationState.SENDING: {InvalidationState.ACCEPTED, InvalidationState.REJECTED,
                                         InvalidationState.PENDING}}


class PrintedCopy(models.Model):
    """The readable version (PDF) of a document in one layout, as of one state: "pending" (issued,
    not sealed yet: marked pending seal), "sealed", "invalidated", "rejected". Rendered again when
    the document reaches another state."""

    LAYOUTS = [("letter", _("Carta")), ("ticket", _("Tiquete"))]
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="printed")
    layout = models.CharField(max_length=8, choices=LAYOUTS)
    state = models.CharField(max_length=12)
    file = models.FileField(upload_to="dte/", max_length=200)
    size = models.PositiveIntegerField(default=0)
    rendered_at = models.DateTimeField()
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["document", "layout"], name="printed_copy_unique")]

    def __str__(self):
        return f"{self.document_id} {self.layout} {self.state}"


class DeliveryState(models.TextChoices):
    QUEUED = "queued", _("En cola")
    SENDING = "sending", _("Enviando")
    SENT = "sent", _("Enviado")
    FAILED = "failed", _("Fallido")


class Delivery(models.Model):
    """The document emailed to one address: the PDF and the signed JSON attached, with a signed,
    expiring link to its public page."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.EmailField(_("destinatario"), max_length=254)
    state = models.CharField(_("estado"), max_length=8, choices=DeliveryState.choices, default=DeliveryState.QUEUED)
    error = models.CharField(_("motivo"), max_length=300, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    automatic = models.BooleanField(default=False)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["document", "-created_at", "-id"]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self):
        return f"{self.recipient} ({self.state})"

    # A worker claims a queued send and settles it; a person retries a failed one; the sweep puts
    # back a claim whose worker died. A send that outlived its claim (put back meanwhile) still
    # settles the row from "queued": the email went, or failed, and must not go again.
    MOVES = {DeliveryState.QUEUED: {DeliveryState.SENDING, DeliveryState.SENT, DeliveryState.FAILED},
             DeliveryState.SENDING: {DeliveryState.SENT, DeliveryState.FAILED, DeliveryState.QUEUED},
             DeliveryState.FAILED: {DeliveryState.QUEUED}}


class Download(models.Model):
    """Every download through a public link: what, when, from where."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="downloads")
    what = models.CharField(max_length=8)  # page, pdf, json
    at = models.DateTimeField(auto_now_add=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.document_id} {self.what} {self.at:%Y-%m-%d %H:%M}"


class ArchiveJob(FileJob):
    """A ZIP of the PDFs and signed JSONs of a date range."""

    date_from = models.DateField(_("desde"))
    date_to = models.DateField(_("hasta"))
    file = models.FileField(upload_to="archives/", blank=True, max_length=200)

    class Meta(FileJob.Meta):
        pass

    def __str__(self):
        return f"{self.date_from} – {self.date_to} ({self.state})"


class EventKind(models.TextChoices):
    """The events Normativa v2.0 adds (sv-tax-facts-2.md §2): they exist only in the 2026 generation."""

    RETURN = "retorno", _("Evento de retorno")
    SPECIAL = "operaciones", _("Evento de operaciones especiales")


class EventState(models.TextChoices):
    PENDING = "pending", _("Firmado, por enviar a MH")
    SENDING = "sending", _("Enviándose a MH")
    ACCEPTED = "accepted", _("Recibido por MH")
    REJECTED = "rejected", _("Rechazado por MH")


class MHEvent(models.Model):
    """An Evento de Retorno (18) or de Operaciones Especiales (17) (sv-tax-facts-2.md §2): what it
    reports, the signed event, and MH's answer. A retorno reduces one sealed FE, FEX or FSE
    (``document``) and, while in force, blocks its invalidation; an operaciones especiales event
    reports a month (``period``) of operations documented outside DTE. Built, signed and sent
    by dte.events, with the invalidation's pattern (claim, settle once, retry)."""

    kind = models.CharField(_("evento"), max_length=12, choices=EventKind.choices)
    company = models.ForeignKey("accounts.Company", on_delete=models.PROTECT, related_name="+")
    establishment = models.ForeignKey("accounts.Establishment", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, null=True, blank=True, related_name="mh_events")
    period = models.DateField(_("periodo"), null=True, blank=True)  # operaciones: the first day of the month reported
    generation = models.CharField(max_length=4)
    version = models.PositiveSmallIntegerField()
    codigo_generacion = models.CharField(max_length=36, unique=True)
    total = models.DecimalField(_("monto"), max_digits=19, decimal_places=2, default=0)
    reason = models.CharField(_("motivo"), max_length=500, blank=True)
    payload = models.TextField(blank=True)
    jws = models.TextField(blank=True)
    state = models.CharField(_("estado"), max_length=10, choices=EventState.choices, default=EventState.PENDING)
    sello_recibido = models.CharField(max_length=64, blank=True)
    answer = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("evento v2.0 ante MH")
        verbose_name_plural = _("eventos v2.0 ante MH")

    def __str__(self):
        return f"{self.get_kind_display()} {self.codigo_generacion}"

    # As the invalidation: a send claims the row, MH's answer settles it once, no answer puts it back.
    MOVES = {EventState.PENDING: {EventState.SENDING, EventState.ACCEPTED, EventState.REJECTED},
             EventState.SENDING: {EventState.ACCEPTED, EventState.REJECTED, EventState.PENDING}}


# Every state change of these models goes through its machine (a conditional UPDATE and a
# core.StateChange history row): core.statemachine.
SPECIAL_CASE_MACHINE = Machine(SpecialCase, SpecialCase.MOVES)
INVALIDATION_MACHINE = Machine(Invalidation, Invalidation.MOVES)
DELIVERY_MACHINE = Machine(Delivery, Delivery.MOVES)
ARCHIVE_JOB_MACHINE = Machine(ArchiveJob, ArchiveJob.MOVES)
MH_EVENT_MACHINE = Machine(MHEvent, MHEvent.MOVES)
