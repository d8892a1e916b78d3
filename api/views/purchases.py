"""Documents received from suppliers (issue 23), through purchases.services: the same checks,
duplicates refused, the same states as the inbox. Purchases belong to the company: a key whose
role is not company-wide reaches none (scope) and may not send any."""

import base64
import binascii
import json

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
from purchases import reading, services
from purchases.models import ReceivedDocument, ReceivedState, Source

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
