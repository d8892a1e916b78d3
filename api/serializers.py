"""What the API reads and answers. Field names are the models': English for the product's own,
MH's Spanish where the value is MH's (tipo_dte, numero_control, codigo_generacion,
sello_recibido, departamento, municipio, codigo of a payment method…). Writes are validated here
for their shape only; the rules are the apps' own (their forms and services), applied as the
pages apply them."""

import threading

from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clients.models import Client
from core.fiscal import DocType
from dte.labels import state_label
from dte.models import CaseCode, Condition, Document, DocumentLine, InternalStatus, InvalidationType, Treatment
from inventory.models import Product, Provider, Stock
from payments.models import Payment
from purchases.models import ReceivedDocument

# ----------------------------------------------------------------------------------- errors


class ErrorItemSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Código estable, no se traduce."))
    message = serializers.CharField(help_text=_("En español, o en inglés con Accept-Language: en."))
    field = serializers.CharField(allow_null=True, help_text=_("El dato con el problema, o null."))


class ErrorSerializer(ErrorItemSerializer):
    errors = ErrorItemSerializer(many=True, help_text=_("Todos los problemas; el primero se repite arriba."))


class PendingCaseSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    detail = serializers.CharField()
    state = serializers.CharField()
    needs_approval = serializers.BooleanField()


class NeedsPersonSerializer(ErrorSerializer):
    """409 from issuing: special cases to confirm, or waiting for a supervisor."""

    document = serializers.DictField(help_text=_("id, estado y enlaces del documento"))
    cases = PendingCaseSerializer(many=True)
    links = serializers.DictField(help_text=_("Dónde una persona decide (página web) y dónde consultar (API)."))


# ------------------------------------------------------------------------------ catalogues


class ClientSerializer(serializers.ModelSerializer):
    class Meta:
        model = Client
        fields = ["id", "kind", "id_type", "id_number", "nrc", "name", "trade_name", "activity_code",
                  "activity_description", "taxpayer_size", "is_exempt", "departamento", "municipio", "address",
                  "country_code", "person_type", "email", "other_emails", "phone", "credit_limit", "payment_term_days",
                  "establishment", "is_active", "created_at", "updated_at"]
        read_only_fields = ["id", "is_active", "created_at", "updated_at", "activity_description"]


class ClientWriteSerializer(serializers.ModelSerializer):
    """Shape of a client to create or change; the rules are clients.forms.ClientForm's and
    clients.services' (identification, check digit, catalogues, unique document)."""

    class Meta:
        model = Client
        fields = ["kind", "id_type", "id_number", "nrc", "name", "trade_name", "activity_code", "taxpayer_size",
                  "is_exempt", "departamento", "municipio", "address", "country_code", "person_type", "email",
                  "other_emails", "phone", "credit_limit", "payment_term_days", "establishment", "notes"]
        extra_kwargs = {"id_number": {"validators": []}}
        validators = []  # uniqueness is the form's (one message, on id_number)


class BalanceSerializer(serializers.Serializer):
    client = serializers.IntegerField()
    balance = serializers.DecimalField(max_digits=19, decimal_places=2, help_text=_("Lo que debe el cliente."))
    overdue_documents = serializers.IntegerField()
    credit_limit = serializers.DecimalField(max_digits=19, decimal_places=2)
    available_credit = serializers.DecimalField(max_digits=19, decimal_places=2, allow_null=True)


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "code", "description", "item_type", "unit", "price", "price_includes_iva", "cost",
                  "tax_treatment", "special_taxes", "category", "tracks_stock", "is_active", "created_at", "updated_at"]
        read_only_fields = ["id", "is_active", "created_at", "updated_at"]


class ProductWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["code", "description", "item_type", "unit", "price", "price_includes_iva", "cost", "tax_treatment",
                  "special_taxes", "category", "tracks_stock"]
        extra_kwargs = {"code": {"validators": []}}
        validators = []


class ProviderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Provider
        fields = ["id", "id_type", "id_number", "nrc", "name", "contact_name", "email", "phone", "activity_code",
                  "departamento", "municipio", "address", "is_active", "created_at", "updated_at"]
        read_only_fields = ["id", "is_active", "created_at", "updated_at"]


class ProviderWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Provider
        fields = ["id_type", "id_number", "nrc", "name", "contact_name", "email", "phone", "activity_code",
                  "departamento", "municipio", "address"]
        validators = []  # uniqueness is the form's


class StockSerializer(serializers.ModelSerializer):
    product_code = serializers.CharField(source="product.code")
    establishment_code = serializers.CharField(source="establishment.cod_estable_mh")

    class Meta:
        model = Stock
        fields = ["product", "product_code", "establishment", "establishment_code", "quantity"]


class CatalogSerializer(serializers.Serializer):
    catalog = serializers.CharField()
    name = serializers.CharField()
    entries = serializers.IntegerField()


class CatalogEntrySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    parent = serializers.CharField()


# ------------------------------------------------------------------------------- documents


class LineInSerializer(serializers.Serializer):
    product = serializers.IntegerField(required=False, allow_null=True,
                                       help_text=_("Id del producto: trae código, descripción, precio, unidad y tratamiento."))
    code = serializers.CharField(required=False, allow_blank=True, max_length=25)
    description = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    quantity = serializers.DecimalField(max_digits=19, decimal_places=8, required=False)
    unit_price = serializers.DecimalField(max_digits=19, decimal_places=8, required=False,
                                          help_text=_("Con IVA en una Factura, sin IVA en un CCF (como en el editor)."))
    discount = serializers.DecimalField(max_digits=19, decimal_places=8, required=False)
    treatment = serializers.ChoiceField(choices=Treatment.choices, required=False)
    unit = serializers.IntegerField(required=False, help_text="CAT-014")
    item_type = serializers.IntegerField(required=False, help_text="CAT-011")
    related_code = serializers.CharField(required=False, allow_blank=True, max_length=36,
                                         help_text=_("NC/ND: codigoGeneracion del documento que ajusta la línea."))
    withhold_income = serializers.BooleanField(required=False)
    returns_goods = serializers.BooleanField(required=False)
    extra = serializers.DictField(required=False, help_text=_("Comprobante de retención: tipoDte, tipoDoc, "
                                                              "numDocumento, fechaEmision, montoSujetoGrav, "
                                                              "codigoRetencionMH, ivaRetenido. Comprobante de "
                                                              "liquidación: tipoDte, tipoGeneracion, numeroDocumento, "
                                                              "fechaGeneracion, ventaGravada, ventaExenta, ventaNoSuj, "
                                                              "exportaciones. Comprobante de donación: tipoDonacion "
                                                              "(CAT-026: 1 efectivo, 2 bien, 3 servicio) y "
                                                              "depreciacion (solo un bien)."))


class PaymentMethodSerializer(serializers.Serializer):
    codigo = serializers.CharField(max_length=2, help_text="CAT-017")
    monto = serializers.DecimalField(max_digits=19, decimal_places=2, required=False)
    referencia = serializers.CharField(required=False, allow_blank=True, max_length=50)


class PartySerializer(serializers.Serializer):
    id_type = serializers.CharField(required=False, allow_blank=True, max_length=2, help_text="CAT-022")
    id_number = serializers.CharField(required=False, allow_blank=True, max_length=20)
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    departamento = serializers.CharField(required=False, allow_blank=True, max_length=2)
    municipio = serializers.CharField(required=False, allow_blank=True, max_length=2)
    address = serializers.CharField(required=False, allow_blank=True, max_length=200)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
    email = serializers.CharField(required=False, allow_blank=True, max_length=100)


class IssueOptionsSerializer(serializers.Serializer):
    confirm = serializers.ListField(
        child=serializers.CharField(), required=False, default=list,
        help_text=_("Casos especiales que la integración confirma (los que su rol puede confirmar), p. ej. "
                    "[\"other_date\", \"retention\"]."))
    request_approval = serializers.BooleanField(
        required=False, default=False,
        help_text=_("Enviar a un supervisor los casos que el rol no puede confirmar; el documento espera."))


class DocumentContentSerializer(serializers.Serializer):
    """A draft's content: what the editor holds. Every field but the type and the point of sale
    may be changed while the document is a draft (or being corrected)."""

    client = serializers.IntegerField(required=False, allow_null=True)
    provider = serializers.IntegerField(required=False, allow_null=True, help_text=_("Comprobante de retención."))
    counterparty = PartySerializer(required=False, help_text=_(
        "Sujeto excluido (FSE), o el comprador de una Factura sin cliente."))
    issue_date = serializers.DateField(required=False)
    condition = serializers.ChoiceField(choices=Condition.choices, required=False)
    payment_term_days = serializers.IntegerField(required=False, min_value=0, max_value=3650)
    payments = PaymentMethodSerializer(many=True, required=False)
    observations = serializers.CharField(required=False, allow_blank=True, max_length=3000)
    discount_gravada = serializers.DecimalField(max_digits=19, decimal_places=2, required=False)
    extra = serializers.DictField(required=False, help_text=_(
        "Exportación: seguro, flete, codIncoterms, descIncoterms, tipoItemExpor, recintoFiscal, regimen; "
        "Nota de remisión: bienTitulo; Documento contable de liquidación: liquidacion y extension; "
        "Comprobante de donación: otrosDocumentos, una lista con el documento asociado "
        "[{codDocAsociado (CAT-021: 1 del emisor, 2 del receptor), descDocumento, detalleDocumento}]."))
    related = serializers.ListField(child=serializers.IntegerField(), required=False, help_text=_(
        "NC/ND: ids de los CCF sellados del cliente que la nota ajusta."))
    lines = LineInSerializer(many=True, required=False)


_kept = threading.local()


class KeptFields:
    """Fields built once per thread and serializer class, then lent to each new instance.

    DRF deep-copies every declared field, nested serializers and their fields included, for every
    serializer instance: two thirds of the time of validating the busiest call (a document with
    its lines; measured with cProfile). The fields of an input serializer keep nothing of the data
    they validate (what a call sent lives on the serializer instance and in the values returned),
    so one set serves one call after another: each new instance becomes their parent, through
    which they read ``root``, ``context`` and ``partial``. A thread validates one call at a time."""

    @cached_property
    def fields(self):
        kept = _kept.__dict__.setdefault("fields", {})
        fields = kept.get(type(self))
        if fields is None:
            fields = kept[type(self)] = serializers.BindingDict(self)
            for name, field in self.get_fields().items():
                fields[name] = field
        for field in fields.values():
            field.parent = self
        return fields


class DocumentCreateSerializer(KeptFields, DocumentContentSerializer, IssueOptionsSerializer):
    tipo_dte = serializers.ChoiceField(choices=DocType.choices)
    point_of_sale = serializers.IntegerField()
    issue = serializers.BooleanField(required=False, default=False,
                                     help_text=_("Emitir en la misma llamada (como «Emitir» tras guardar)."))


class DocumentUpdateSerializer(DocumentContentSerializer, IssueOptionsSerializer):
    issue = serializers.BooleanField(required=False, default=False)


class LineSerializer(serializers.ModelSerializer):
    class Meta:
        model = DocumentLine
        fields = ["position", "product", "item_type", "code", "description", "unit", "quantity", "unit_price", "discount",
                  "treatment", "special_taxes", "related_code", "withhold_income", "returns_goods", "extra"]


_DATE, _TIME, _DATETIME = serializers.DateField(), serializers.TimeField(), serializers.DateTimeField()


def _when(field, value):
    return None if value is None else field.to_representation(value)


def _links(doc, request):
    def url(name):
        return request.build_absolute_uri(reverse(name, kwargs={"pk": doc.pk}))

    links = {"self": url("api:document"), "web": url("dte:detail")}
    if not doc.is_draft and doc.payload:
        links.update(json=url("api:document_json"), jws=url("api:document_jws"), pdf=url("api:document_pdf"))
    return links


class DocumentSerializer(serializers.ModelSerializer):
    """Both status tracks: ``status`` (before MH) and ``internal_status`` (the office's own)."""

    status_label = serializers.SerializerMethodField()
    internal_status_label = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["id", "tipo_dte", "status", "status_label", "internal_status", "internal_status_label",
                  "establishment", "point_of_sale", "client", "provider", "counterparty", "issue_date", "issue_time",
                  "condition", "payment_term_days", "payments", "observations", "numero_control", "codigo_generacion",
                  "sello_recibido", "processed_at", "total_operation", "total_to_pay", "total_iva", "mh_code",
                  "mh_message", "mh_observations", "last_error", "contingency_period", "created_at", "issued_at",
                  "links"]

    def to_representation(self, doc):
        """The declared fields' output, written out by hand: DRF builds a ModelSerializer's fields
        anew for every instance, a few milliseconds on the API's busiest answer. Tested equal to
        the declared fields' own output (declared_representation)."""
        decimal = str
        return {
            "id": doc.pk, "tipo_dte": doc.tipo_dte, "status": doc.status, "status_label": self.get_status_label(doc),
            "internal_status": doc.internal_status, "internal_status_label": self.get_internal_status_label(doc),
            "establishment": doc.establishment_id, "point_of_sale": doc.point_of_sale_id, "client": doc.client_id,
            "provider": doc.provider_id, "counterparty": doc.counterparty, "issue_date": _when(_DATE, doc.issue_date),
            "issue_time": _when(_TIME, doc.issue_time), "condition": doc.condition,
            "payment_term_days": doc.payment_term_days, "payments": doc.payments, "observations": doc.observations,
            "numero_control": doc.numero_control, "codigo_generacion": doc.codigo_generacion,
            "sello_recibido": doc.sello_recibido, "processed_at": _when(_DATETIME, doc.processed_at),
            "total_operation": decimal(doc.total_operation), "total_to_pay": decimal(doc.total_to_pay),
            "total_iva": decimal(doc.total_iva), "mh_code": doc.mh_code, "mh_message": doc.mh_message,
            "mh_observations": doc.mh_observations, "last_error": doc.last_error,
            "contingency_period": doc.contingency_period_id, "created_at": _when(_DATETIME, doc.created_at),
            "issued_at": _when(_DATETIME, doc.issued_at), "links": self.get_links(doc)}

    def declared_representation(self, doc):
        return super().to_representation(doc)

    def get_status_label(self, doc) -> str:
        return str(state_label(doc.status, "gov"))

    def get_internal_status_label(self, doc) -> str:
        return str(InternalStatus(doc.internal_status).label) if doc.internal_status in InternalStatus.values else ""

    @extend_schema_field(serializers.DictField(child=serializers.URLField()))
    def get_links(self, doc):
        return _links(doc, self.context["request"])


class HistorySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    track = serializers.CharField(help_text=_("gov: ante MH; internal: estado interno."))
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    reason = serializers.CharField()


class DocumentDetailSerializer(DocumentSerializer):
    lines = LineSerializer(many=True, read_only=True)
    history = serializers.SerializerMethodField()
    cases = serializers.SerializerMethodField()

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "lines", "history", "cases"]

    def to_representation(self, doc):
        return {**super().to_representation(doc), "lines": LineSerializer(doc.lines.all(), many=True).data,
                "history": self.get_history(doc), "cases": self.get_cases(doc)}

    def declared_representation(self, doc):
        return serializers.ModelSerializer.to_representation(self, doc)

    @extend_schema_field(HistorySerializer(many=True))
    def get_history(self, doc):
        return [{"at": _when(_DATETIME, h.at), "track": h.track, "from_status": h.from_status, "to_status": h.to_status, "reason": h.reason}
                for h in doc.history.all()]

    @extend_schema_field(PendingCaseSerializer(many=True))
    def get_cases(self, doc):
        return [case_data(c) for c in doc.special_cases.all()]


def case_data(case):
    label = CaseCode(case.code).label if case.code in CaseCode.values else case.code
    return {"code": case.code, "label": str(label), "detail": case.detail, "state": case.state,
            "needs_approval": case.needs_approval}


class DocumentPageSerializer(serializers.Serializer):
    results = DocumentSerializer(many=True)
    next = serializers.CharField(allow_null=True, help_text=_("Cursor de la página siguiente (parámetro «antes»)."))
    counts = serializers.DictField(child=serializers.IntegerField(), help_text=_("Documentos por estado con estos filtros."))


class PersonSerializer(serializers.Serializer):
    name = serializers.CharField(min_length=3, max_length=100)
    id_type = serializers.CharField(max_length=2, required=False, default="13", help_text="CAT-022")
    id_number = serializers.CharField(min_length=3, max_length=25)


class ReturnedSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text=_("Posición de la línea (1, 2…)."))
    quantity = serializers.DecimalField(max_digits=19, decimal_places=8)


class InvalidateSerializer(serializers.Serializer):
    tipo = serializers.ChoiceField(choices=InvalidationType.choices, help_text="CAT-024")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=250)
    replacement = serializers.IntegerField(required=False, allow_null=True,
                                           help_text=_("Id del documento sellado que lo reemplaza (tipos 1 y 3)."))
    responsible = PersonSerializer()
    requester = PersonSerializer()
    receptor = serializers.DictField(required=False, help_text=_("tipoDocumento, numDocumento, nombre, correo"))
    returned = ReturnedSerializer(many=True, required=False, allow_null=True, default=None, help_text=_(
        "Líneas cuya mercadería vuelve a existencias; omitido: todas, como propone la página."))


class InvalidationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    codigo_generacion = serializers.CharField()
    state = serializers.CharField()
    document = serializers.IntegerField(source="document_id")


class RetransmitSerializer(serializers.Serializer):
    queued = serializers.IntegerField()


class PdfPendingSerializer(serializers.Serializer):
    state = serializers.CharField()
    retry_after = serializers.IntegerField()


# -------------------------------------------------------------------------- payments, MH


class ApplicationInSerializer(serializers.Serializer):
    document = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=19, decimal_places=2)


class PaymentInSerializer(serializers.Serializer):
    client = serializers.IntegerField()
    date = serializers.DateField()
    amount = serializers.DecimalField(max_digits=19, decimal_places=2)
    method = serializers.CharField(max_length=2, help_text="CAT-017")
    reference = serializers.CharField(required=False, allow_blank=True, max_length=100)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=500)
    applications = ApplicationInSerializer(many=True, required=False)


class PaymentSerializer(serializers.ModelSerializer):
    applications = serializers.SerializerMethodField()

    class Meta:
        model = Payment
        fields = ["id", "client", "date", "amount", "method", "reference", "notes", "unapplied", "voided_at",
                  "void_reason", "created_at", "applications"]

    @extend_schema_field(ApplicationInSerializer(many=True))
    def get_applications(self, payment):
        return [{"document": a.document_id, "amount": str(a.amount)} for a in payment.applications.all()]


class PeriodSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    scope = serializers.CharField(help_text=_("company, establishment o point_of_sale"))
    establishment = serializers.IntegerField(allow_null=True)
    point_of_sale = serializers.IntegerField(allow_null=True)
    tipo = serializers.IntegerField(help_text="CAT-005")
    motivo = serializers.CharField()
    automatic = serializers.BooleanField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    waiting = serializers.IntegerField(help_text=_("Documentos que esperan ser informados a MH."))
    deadlines = serializers.DictField()


class ContingencySerializer(serializers.Serializer):
    active = serializers.BooleanField()
    periods = PeriodSerializer(many=True)


# ------------------------------------------------------------------------------- webhooks


class SubscriptionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(child=serializers.CharField())
    state = serializers.CharField(read_only=True)
    pause_reason = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class SubscriptionCreatedSerializer(SubscriptionSerializer):
    secret = serializers.CharField(read_only=True, help_text=_("Solo en esta respuesta: guárdelo para verificar firmas."))


class SubscriptionUpdateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500, required=False)
    events = serializers.ListField(child=serializers.CharField(), required=False)
    active = serializers.BooleanField(required=False, help_text=_("false: pausarla; true: reanudarla (reenvía lo pendiente)."))


class ReceivedInSerializer(serializers.Serializer):
    """A DTE received from a supplier, as the JSON file it sent (the archivo DTE with its
    firmaElectronica and selloRecibido), as an object or as the file's text."""

    documento = serializers.JSONField(help_text=_("El DTE recibido: el objeto JSON o el texto del archivo."))
    nombre = serializers.CharField(required=False, max_length=200, help_text=_("Nombre del archivo (opcional)."))
    pdf = serializers.CharField(required=False, help_text=_("El PDF del proveedor en base64 (opcional)."))


class ReceivedSerializer(serializers.ModelSerializer):
    problems = serializers.SerializerMethodField(help_text=_("Motivos de la observación, si quedó observado."))

    class Meta:
        model = ReceivedDocument
        fields = ["id", "tipo_dte", "version", "codigo_generacion", "numero_control", "sello_recibido", "issue_date",
                  "supplier_nit", "supplier_nrc", "supplier_name", "provider", "total_no_suj", "total_exenta",
                  "total_gravada", "iva", "iva_percibido", "iva_retenido", "total", "state", "question_reason",
                  "problems", "tax_period", "mh_status", "source", "received_at"]

    def get_problems(self, doc) -> list[str]:
        return [p for p in doc.question_reason.split(" · ") if p] if doc.question_reason else []
