"""Documents: list (the web list's filters and keyset pages), create a draft, change it, issue it,
read it with both status tracks, download the signed JSON, the JWS and the PDFs, invalidate,
retransmit, correct a rejected one. Every step is the page's service, with the page's checks."""

from django.db import transaction
from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from accounts.modules import Module
from api import documents as api_documents
from api.errors import ApiError
from api.idempotency import idempotent
from api.serializers import (
    DocumentCreateSerializer,
    DocumentDetailSerializer,
    DocumentPageSerializer,
    DocumentSerializer,
    DocumentUpdateSerializer,
    InvalidateSerializer,
    InvalidationSerializer,
    IssueOptionsSerializer,
    NeedsPersonSerializer,
    PdfPendingSerializer,
    RetransmitSerializer,
)
from api.views.base import IDEMPOTENCY, LANGUAGE, ApiView, errors, page_size
from core import scope
from core.modules import Action
from dte import invalidation, jsonio, listing
from dte.actions import document_actions
from dte.models import Document, GovStatus
from dte.printing import PRINTABLE, pdf_filename, queue_render
from dte.services.corrections import document_correct, document_retransmit
from dte.services.issuing import signed_document

DOC = Module.DOCUMENTOS
PDF_RETRY_SECONDS = 3

LIST_FILTERS = [
    OpenApiParameter("tipo", str, description="CAT-002 (01, 03, 05…)"),
    OpenApiParameter("estado", str, enum=[s for s in GovStatus.values if s != GovStatus.DRAFT]),
    OpenApiParameter("interno", str, description=_("Estado interno")),
    OpenApiParameter("q", str, description=_("Número de control o código por su inicio, correlativo, cliente o proveedor.")),
    OpenApiParameter("desde", OpenApiTypes.DATE), OpenApiParameter("hasta", OpenApiTypes.DATE),
    OpenApiParameter("establecimiento", int), OpenApiParameter("punto", int), OpenApiParameter("vendedor", int),
    OpenApiParameter("min", OpenApiTypes.DECIMAL), OpenApiParameter("max", OpenApiTypes.DECIMAL),
    OpenApiParameter("antes", str, description=_("Cursor: el «next» de la página anterior.")),
    OpenApiParameter("limite", int, description=_("Documentos por página (hasta 200).")), LANGUAGE]

CREATE_EXAMPLES = [
    OpenApiExample("Factura", request_only=True, value={
        "tipo_dte": "01", "point_of_sale": 1, "client": 7, "issue": True, "lines": [{"product": 12, "quantity": "2"}]}),
    # A Comprobante de Donación (15; sv-tax-facts-2.md §6): the donor is the client; each line says
    # what is donated (CAT-026) and a donated good its depreciation; the donatario's qualification is
    # its associated document (CAT-021). Issued by the roles that issue 15 (Supervisor, Administrador).
    OpenApiExample("Comprobante de donación", request_only=True, value={
        "tipo_dte": "15", "point_of_sale": 1, "client": 7, "issue": True,
        "extra": {"otrosDocumentos": [{"codDocAsociado": 1, "descDocumento": "Acuerdo 123/2025",
                                       "detalleDocumento": "Calificación como donatario, LISR art. 6"}]},
        "lines": [{"description": "Donación en efectivo", "quantity": "1", "unit_price": "250.00", "unit": 99,
                   "extra": {"tipoDonacion": 1}},
                  {"description": "Computadora portátil usada", "quantity": "3", "unit_price": "400.00", "unit": 59,
                   "extra": {"tipoDonacion": 2, "depreciacion": "150.25"}}]}),
]

ISSUE_ERRORS = {409: OpenApiResponse(NeedsPersonSerializer, description=_(
    "Casos especiales por confirmar (confirmation_required) o esperando a un supervisor (approval_required): "
    "el documento sigue en borrador; «links» dice dónde decide una persona."))}


def _get(request, pk, *related):
    """A document the key may see (core.scope), or 404: a document out of scope does not exist."""
    qs = scope.rows(Document, request.user)
    if related:
        qs = qs.select_related(*related)
    try:
        return qs.get(pk=pk)
    except Document.DoesNotExist:
        raise exceptions.NotFound() from None


def _detail(request, doc, code=status.HTTP_200_OK):
    doc = Document.objects.prefetch_related("lines", "history", "special_cases").get(pk=doc.pk)
    return Response(DocumentDetailSerializer(doc, context={"request": request}).data, status=code)


class DocumentListView(ApiView):
    grants = {"GET": (DOC, Action.VIEW), "POST": (DOC, Action.CREATE)}

    @extend_schema(operation_id="documents_list", parameters=LIST_FILTERS,
                   responses={200: DocumentPageSerializer, **errors(400)}, tags=["documentos"])
    def get(self, request):
        qs, _filters, counts = listing.documents_filtered(user=request.user, params=request.query_params)
        rows, following = listing.keyset_page(qs, request.query_params.get("antes", ""), size=page_size(request))
        return Response({"results": DocumentSerializer(rows, many=True, context={"request": request}).data,
                         "next": following, "counts": counts})

    @extend_schema(operation_id="documents_create", request=DocumentCreateSerializer, parameters=[IDEMPOTENCY, LANGUAGE],
                   examples=CREATE_EXAMPLES,
                   responses={201: DocumentSerializer, **errors(400, 422), **ISSUE_ERRORS}, tags=["documentos"],
                   description=_("Crea un borrador; con «issue»: true lo emite en la misma llamada (201 con el documento "
                                 "emitido, sin sus líneas ni su historia: «links.self» las tiene; si no se puede emitir, "
                                 "el borrador queda y la respuesta dice por qué)."))
    @idempotent
    def post(self, request):
        incoming = DocumentCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        content = incoming.validated_data
        doc = api_documents.document_create(user=request.user, content=content)
        if content.get("issue"):
            doc = api_documents.document_issue_api(request=request, user=request.user, document=doc,
                                                   confirm=content.get("confirm") or (),
                                                   request_approval=content.get("request_approval", False))
        # The document as it now stands, without its lines and history (GET links.self has them):
        # the answer of the busiest call, kept small.
        return Response(DocumentSerializer(doc, context={"request": request}).data, status=status.HTTP_201_CREATED)


class DocumentDetailView(ApiView):
    grants = {"GET": (DOC, Action.VIEW), "PATCH": (DOC, Action.CREATE)}

    @extend_schema(operation_id="documents_read", parameters=[LANGUAGE],
                   responses={200: DocumentDetailSerializer, **errors(404)}, tags=["documentos"])
    def get(self, request, pk):
        return _detail(request, _get(request, pk))

    @extend_schema(operation_id="documents_update", request=DocumentUpdateSerializer, parameters=[LANGUAGE],
                   responses={200: DocumentDetailSerializer, **errors(400, 404, 422), **ISSUE_ERRORS},
                   tags=["documentos"], description=_("Cambia un borrador (o un documento en corrección); las líneas "
                                                      "enviadas reemplazan a las anteriores."))
    def patch(self, request, pk):
        incoming = DocumentUpdateSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        content = incoming.validated_data
        doc = api_documents.document_update(user=request.user, pk=pk, content=content)
        if content.get("issue"):
            doc = api_documents.document_issue_api(request=request, user=request.user, pk=doc.pk,
                                                   confirm=content.get("confirm") or (),
                                                   request_approval=content.get("request_approval", False))
        return _detail(request, doc)


class DocumentIssueView(ApiView):
    grants = {"POST": (DOC, Action.CREATE)}

    @extend_schema(operation_id="documents_issue", request=IssueOptionsSerializer, parameters=[IDEMPOTENCY, LANGUAGE],
                   responses={200: DocumentDetailSerializer, **errors(400, 404, 422), **ISSUE_ERRORS},
                   tags=["documentos"])
    @idempotent
    def post(self, request, pk):
        options = IssueOptionsSerializer(data=request.data or {})
        options.is_valid(raise_exception=True)
        doc = api_documents.document_issue_api(request=request, user=request.user, pk=pk,
                                               confirm=options.validated_data["confirm"],
                                               request_approval=options.validated_data["request_approval"])
        return _detail(request, doc)


class DocumentCorrectView(ApiView):
    grants = {"POST": (DOC, Action.VIEW)}

    @extend_schema(operation_id="documents_correct", request=None, parameters=[IDEMPOTENCY, LANGUAGE],
                   responses={200: DocumentDetailSerializer, **errors(404, 409, 422)}, tags=["documentos"],
                   description=_("Un documento rechazado por MH vuelve a borrador para corregirlo (conserva su número y, "
                                 "dentro de 24 h, su código de generación); luego PATCH y emitir."))
    @idempotent
    def post(self, request, pk):
        doc = _get(request, pk, "outbox", "company")
        if not document_actions(request.user, doc)["correct"]:
            if doc.status != GovStatus.REJECTED:
                raise ApiError(_("Solo se corrige un documento rechazado por MH."), code="conflict", status_code=409)
            raise ApiError(_("El rol de la clave no corrige este documento."), code="permission_denied", status_code=403)
        document_correct(document=doc, acting_user=request.user)
        return _detail(request, doc)


class DocumentRetransmitView(ApiView):
    grants = {"POST": (DOC, Action.VIEW)}

    @extend_schema(operation_id="documents_retransmit", request=None, parameters=[IDEMPOTENCY, LANGUAGE],
                   responses={202: RetransmitSerializer, **errors(404, 409, 422)}, tags=["documentos"])
    @idempotent
    def post(self, request, pk):
        doc = _get(request, pk, "outbox", "company")
        if not document_actions(request.user, doc)["retransmit"]:
            raise ApiError(_("No hay nada que retransmitir: el documento no está detenido ni rechazado, o ya se está "
                             "enviando."), code="conflict", status_code=409)
        queued = document_retransmit(documents=[doc], acting_user=request.user)
        return Response({"queued": queued}, status=status.HTTP_202_ACCEPTED)


class DocumentInvalidateView(ApiView):
    grants = {"POST": (DOC, Action.INVALIDATE)}

    @extend_schema(operation_id="documents_invalidate", request=InvalidateSerializer, parameters=[IDEMPOTENCY, LANGUAGE],
                   responses={202: InvalidationSerializer, **errors(400, 404, 409, 422)}, tags=["documentos"],
                   description=_("Firma el evento de invalidación y lo envía a MH desde un trabajador; el documento "
                                 "queda «Invalidación pendiente» hasta que MH responde (webhook document.invalidated)."))
    @idempotent
    def post(self, request, pk):
        doc = _get(request, pk, "company")
        incoming = InvalidateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        if doc.status != GovStatus.SEALED:
            raise ApiError(_("Solo se invalida un documento sellado por MH."), code="conflict", status_code=409)
        replacement = None
        if data.get("replacement"):
            replacement = (scope.rows(Document, request.user).filter(
                tipo_dte=doc.tipo_dte, status=GovStatus.SEALED).exclude(pk=doc.pk).filter(pk=data["replacement"]).first())
            if replacement is None:
                raise ApiError(_("El reemplazo debe ser otro documento sellado del mismo tipo."), code="invalid",
                               status_code=400, field="replacement")
        receptor = data.get("receptor") or {}
        record = invalidation.invalidation_request(
            document=doc, acting_user=request.user, tipo=data["tipo"], reason=data.get("reason", ""),
            replacement=replacement, responsible=dict(data["responsible"]), requester=dict(data["requester"]),
            receptor={k: str(receptor.get(k, "")) for k in ("tipoDocumento", "numDocumento", "nombre", "correo")},
            returned=api_documents.returned_lines(doc, data.get("returned")))
        return Response(InvalidationSerializer(record).data, status=status.HTTP_202_ACCEPTED)


class DocumentJsonView(ApiView):
    grants = {"GET": (DOC, Action.VIEW)}

    @extend_schema(operation_id="documents_signed_json", parameters=[LANGUAGE],
                   responses={(200, "application/json"): OpenApiTypes.OBJECT, **errors(404)}, tags=["documentos"],
                   description=_("El documento como se entrega: el JSON firmado, la firma y el sello de MH."))
    def get(self, request, pk):
        doc = _get(request, pk)
        if doc.is_draft or not doc.payload:
            raise ApiError(_("Un borrador no tiene documento firmado."), code="not_found", status_code=404)
        response = HttpResponse(jsonio.dumps(signed_document(doc), indent=2), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{doc.codigo_generacion}.json"'
        return response


class DocumentJwsView(ApiView):
    grants = {"GET": (DOC, Action.VIEW)}

    @extend_schema(operation_id="documents_jws", parameters=[LANGUAGE],
                   responses={(200, "application/jose"): OpenApiTypes.STR, **errors(404)}, tags=["documentos"])
    def get(self, request, pk):
        doc = _get(request, pk)
        if doc.is_draft or not doc.jws:
            raise ApiError(_("Un borrador no tiene firma."), code="not_found", status_code=404)
        response = HttpResponse(doc.jws, content_type="application/jose; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{doc.codigo_generacion}.jws"'
        return response


class DocumentPdfView(ApiView):
    grants = {"GET": (DOC, Action.VIEW)}

    @extend_schema(operation_id="documents_pdf", parameters=[
        OpenApiParameter("formato", str, enum=["letter", "ticket"], description=_("Carta (predeterminado) o ticket 80 mm.")),
        LANGUAGE], responses={(200, "application/pdf"): OpenApiTypes.BINARY,
                              202: OpenApiResponse(PdfPendingSerializer, description=_(
                                  "Se está generando (en un trabajador): vuelva tras Retry-After segundos.")),
                              **errors(404)}, tags=["documentos"])
    def get(self, request, pk):
        """The stored PDF; if it does not show the document's current state yet, a worker renders it
        and the answer is 202 with Retry-After (rendering never runs in a call)."""
        doc = _get(request, pk)
        layout = "ticket" if request.query_params.get("formato") == "ticket" else "letter"
        state = PRINTABLE.get(doc.status)
        if state is None:
            raise ApiError(_("Este documento no tiene versión impresa en su estado actual."), code="not_found",
                           status_code=404)
        copy = doc.printed.filter(layout=layout).first()
        if copy is None or copy.state != state or not copy.file:
            with transaction.atomic():
                queue_render(doc.pk)
            return Response({"state": "rendering", "retry_after": PDF_RETRY_SECONDS}, status=status.HTTP_202_ACCEPTED,
                            headers={"Retry-After": str(PDF_RETRY_SECONDS)})
        return FileResponse(copy.file.open("rb"), as_attachment=True, filename=pdf_filename(doc, layout),
                            content_type="application/pdf")
