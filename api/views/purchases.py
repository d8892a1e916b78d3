"""Documents received from suppliers (issue 23), through purchases.services: the same checks,
duplicates refused, the same states as the inbox. Purchases belong to the company: a key whose
role is not company-wide reaches none (scope) and may not send any."""

import base64
import binascii
import datetime
import io
import json

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.modules import Module
from api.errors import ApiError
from api.idempotency import idempotent
from api.serializers import ReceivedInSerializer, ReceivedSerializer
from api.views.base import AFTER, IDEMPOTENCY, LANGUAGE, LIMIT, ApiView, errors, id_page
from core import scope
from core.modules import Action
from purchases import batches, reading, services
from purchases.models import IntakeBatch, ReceivedDocument, ReceivedState, Source

GRANT = (Module.DOCUMENTOS, Action.EDIT)  # the inbox's grant (purchases.views)


class ReceivedListView(ApiView):
    grants = {"GET": GRANT, "POST": GRANT}

    @extend_schema(operation_id="received_list", parameters=[OpenApiParameter("estado", str, enum=ReceivedState.values),
                                                             AFTER, LIMIT, LANGUAGE],
                   responses={200: inline_serializer("ReceivedPage", {
                       "results": ReceivedSerializer(many=True), "next": serializers.CharField(allow_null=True)}),
                       **errors(400)}, tags=["compras"])
    def get(self, request):
        qs = scope.rows(ReceivedDocument, request.user)
        state = request.query_params.get("estado", "")
        if state:
            if state not in ReceivedState.values:
                raise ApiError(_("«estado» es uno de: %(s)s.") % {"s": ", ".join(ReceivedState.values)}, code="invalid",
                               status_code=400, field="estado")
            qs = qs.filter(state=state)
        return Response(id_page(request, qs, ReceivedSerializer))

    @extend_schema(operation_id="received_create", request=ReceivedInSerializer, parameters=[IDEMPOTENCY, LANGUAGE],
                   responses={201: ReceivedSerializer, **errors(400, 409, 422)}, tags=["compras"])
    @idempotent
    def post(self, request):
        if not request.user.company_wide:
            raise ApiError(_("Las compras son de la empresa: la clave necesita un rol con alcance de toda la empresa."),
                           code="permission_denied", status_code=403)
        incoming = ReceivedInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        document = data["documento"]
        text = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False)
        name = data.get("nombre") or "api.json"
        if not name.lower().endswith(".json"):
            name += ".json"
        files = [(name, text.encode("utf-8"))]
        if data.get("pdf"):
            try:
                pdf = base64.b64decode(data["pdf"], validate=True)
            except (binascii.Error, ValueError):
                raise ApiError(_("«pdf» no es base64."), code="invalid", status_code=400, field="pdf") from None
            if not pdf.startswith(b"%PDF-"):
                raise ApiError(_("«pdf» no es un PDF."), code="invalid", status_code=400, field="pdf")
            files.append((name[:-5] + ".pdf", pdf))
        try:
            [result], _skipped = services.receive_upload(files=files, acting_user=request.user, source=Source.API)
        except reading.UploadRejected as exc:
            raise ApiError(str(exc), code="invalid", status_code=400, field="documento") from exc
        if result.refused:
            duplicate = ReceivedDocument.objects.filter(codigo_generacion__iexact=_code(document)).exists()
            raise ApiError(result.refused, code="duplicate" if duplicate else "invalid",
                           status_code=409 if duplicate else 400, field="documento")
        return Response(ReceivedSerializer(result.document).data, status=status.HTTP_201_CREATED)


def _code(document):
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return ""
    ident = document.get("identificacion") if isinstance(document, dict) else None
    return str((ident or {}).get("codigoGeneracion") or "") if isinstance(ident, dict) else ""


class ReceivedDetailView(ApiView):
    grants = {"GET": GRANT}

    @extend_schema(operation_id="received_read", parameters=[LANGUAGE], responses={200: ReceivedSerializer, **errors(404)},
                   tags=["compras"])
    def get(self, request, pk):
        return Response(ReceivedSerializer(scope.get_or_404(ReceivedDocument, request.user, pk=pk)).data)


# ------------------------------------------------------------------- batches and PDFs alone


class BatchSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(help_text=_("Avance de los procesos que lo leen, 0–100."))
    processed = serializers.IntegerField()

    class Meta:
        model = IntakeBatch
        fields = ["id", "file_name", "state", "period", "total", "processed", "percent", "received", "questioned",
                  "refused", "registered", "refusals", "error", "created_at", "finished_at"]


class BatchInSerializer(serializers.Serializer):
    zip = serializers.CharField(help_text=_("El ZIP en base64: archivos JSON de DTE y, si se quiere, sus PDF "
                                            "(emparejados por nombre), como los del buzón."))
    nombre = serializers.CharField(required=False, max_length=200, help_text=_("Nombre del archivo (opcional)."))
    periodo = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", required=False,
                                     help_text=_("AAAA-MM: registrar lo verificado en ese periodo (opcional)."))


class PdfInSerializer(serializers.Serializer):
    pdf = serializers.CharField(help_text=_("El PDF del proveedor en base64."))


def _base64(value, field):
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(_("«%(f)s» no es base64.") % {"f": field}, code="invalid", status_code=400, field=field) from None


def _company_wide(request):
    if not request.user.company_wide:
        raise ApiError(_("Las compras son de la empresa: la clave necesita un rol con alcance de toda la empresa."),
                       code="permission_denied", status_code=403)


class BatchCreateView(ApiView):
    """A ZIP of received documents, read by workers in chunks as the inbox's large uploads and the
    mailbox's ZIPs are (purchases.batches): the answer is the batch, 202; its progress is read
    from GET …/lotes/{id}/ until ``state`` is done."""

    grants = {"POST": GRANT}

    @extend_schema(operation_id="received_batches_create", request=BatchInSerializer, parameters=[IDEMPOTENCY, LANGUAGE],
                   responses={202: BatchSerializer, **errors(400, 422)}, tags=["compras"])
    @idempotent
    def post(self, request):
        _company_wide(request)
        incoming = BatchInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        raw = _base64(data["zip"], "zip")
        name = data.get("nombre") or "api.zip"
        if not name.lower().endswith(".zip"):
            name += ".zip"
        period = datetime.date.fromisoformat(data["periodo"] + "-01") if data.get("periodo") else None
        try:
            batch = batches.batch_create(file=io.BytesIO(raw), name=name, acting_user=request.user, period=period)
        except reading.UploadRejected as exc:
            raise ApiError(str(exc), code="invalid", status_code=400, field="zip") from exc
        return Response(BatchSerializer(batch).data, status=status.HTTP_202_ACCEPTED)


class BatchDetailView(ApiView):
    grants = {"GET": GRANT}

    @extend_schema(operation_id="received_batches_read", parameters=[LANGUAGE],
                   responses={200: BatchSerializer, **errors(404)}, tags=["compras"])
    def get(self, request, pk):
        return Response(BatchSerializer(scope.get_or_404(IntakeBatch, request.user, pk=pk)).data)


class ReceivedPdfView(ApiView):
    """The supplier's PDF sent alone, after its JSON (a PDF is the readable copy, not the DTE: on
    its own it registers nothing, as the mailbox keeps a PDF with no JSON unused): it is kept
    with the received document it belongs to."""

    grants = {"POST": GRANT}

    @extend_schema(operation_id="received_pdf", request=PdfInSerializer, parameters=[IDEMPOTENCY, LANGUAGE],
                   responses={200: ReceivedSerializer, **errors(400, 404, 409, 422)}, tags=["compras"])
    @idempotent
    def post(self, request, pk):
        doc = scope.get_or_404(ReceivedDocument, request.user, pk=pk)
        incoming = PdfInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        pdf = _base64(incoming.validated_data["pdf"], "pdf")
        if not pdf.startswith(b"%PDF-"):
            raise ApiError(_("«pdf» no es un PDF."), code="invalid", status_code=400, field="pdf")
        if len(pdf) > reading.MAX_PDF_BYTES:
            raise ApiError(_("El PDF ocupa más de %(mb)d MB.") % {"mb": reading.MAX_PDF_BYTES // (1024 * 1024)},
                           code="invalid", status_code=400, field="pdf")
        try:
            services.pdf_attach(document=doc, data=pdf, acting_user=request.user)
        except ValidationError as exc:
            raise ApiError(" ".join(exc.messages), code="conflict", status_code=409) from exc
        doc.refresh_from_db()
        return Response(ReceivedSerializer(doc).data)
