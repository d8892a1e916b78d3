"""Payments (recorded through payments.services, with its checks) and the contingency status."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.modules import Module
from accounts.selectors import establishments_for_user, points_of_sale_for_user
from api.errors import ApiError
from api.idempotency import idempotent
from api.serializers import ContingencySerializer, PaymentInSerializer, PaymentSerializer
from api.views.base import AFTER, IDEMPOTENCY, LANGUAGE, LIMIT, ApiView, errors, id_page
from clients.models import Client
from contingency.selectors import deadlines, unfinished_periods, waiting_counts
from core import scope
from core.modules import Action
from dte.models import Document
from payments.models import Payment
from payments.services import payment_record


class PaymentListView(ApiView):
    # Reading payments is the credit page's grant; recording them, the accountant's (payments.services).
    grants = {"GET": (Module.REPORTES, Action.VIEW), "POST": (Module.DOCUMENTOS, Action.EDIT)}

    @extend_schema(operation_id="payments_list", parameters=[OpenApiParameter("cliente", int), AFTER, LIMIT, LANGUAGE],
                   responses={200: inline_serializer("PaymentPage", {
                       "results": PaymentSerializer(many=True), "next": serializers.CharField(allow_null=True)}),
                       **errors(400)}, tags=["pagos"])
    def get(self, request):
        qs = scope.rows(Payment, request.user).prefetch_related("applications").order_by()
        client = request.query_params.get("cliente", "")
        if client:
            if not client.isdigit():
                raise ApiError(_("«cliente» es un id."), code="invalid", status_code=400, field="cliente")
            qs = qs.filter(client_id=int(client))
        return Response(id_page(request, qs, PaymentSerializer))

    @extend_schema(operation_id="payments_create", request=PaymentInSerializer, parameters=[IDEMPOTENCY, LANGUAGE],
                   responses={201: PaymentSerializer, **errors(400, 422)}, tags=["pagos"])
    @idempotent
    def post(self, request):
        incoming = PaymentInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            client = scope.get_or_404(Client, request.user, pk=data["client"])
        except Exception:  # noqa: BLE001 - Http404, said as the field at fault
            raise ApiError(_("El cliente no existe o queda fuera del alcance de la clave."), code="invalid",
                           status_code=400, field="client") from None
        wanted = data.get("applications") or []
        docs = scope.rows(Document, request.user).in_bulk([a["document"] for a in wanted])
        applications = []
        for i, item in enumerate(wanted):
            doc = docs.get(item["document"])
            if doc is None:
                raise ApiError(_("El documento %(d)s no existe o queda fuera del alcance de la clave.") % {
                    "d": item["document"]}, code="invalid", status_code=400, field=f"applications[{i}].document")
            applications.append((doc, item["amount"]))
        try:
            payment = payment_record(client=client, date=data["date"], amount=data["amount"], method=data["method"],
                                     acting_user=request.user, reference=data.get("reference", ""),
                                     notes=data.get("notes", ""), applications=applications)
        except ValidationError as exc:
            rows = [{"code": "unprocessable", "message": m, "field": None} for m in exc.messages]
            raise ApiError(rows[0]["message"], code="unprocessable", status_code=422, errors=rows) from exc
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)


class PaymentDetailView(ApiView):
    grants = {"GET": (Module.REPORTES, Action.VIEW)}

    @extend_schema(operation_id="payments_read", parameters=[LANGUAGE], responses={200: PaymentSerializer, **errors(404)},
                   tags=["pagos"])
    def get(self, request, pk):
        return Response(PaymentSerializer(scope.get_or_404(Payment, request.user, pk=pk)).data)


class ContingencyView(ApiView):
    """Periods in progress (or ended with documents still to report): a till asks whether it is
    issuing offline, and what waits."""

    grants = {"GET": "any"}

    @extend_schema(operation_id="contingency_status", parameters=[LANGUAGE],
                   responses={200: ContingencySerializer, **errors(forbidden=False)}, tags=["contingencia"])
    def get(self, request):
        user = request.user
        places = set(establishments_for_user(user=user).values_list("pk", flat=True))
        tills = set(points_of_sale_for_user(user=user).values_list("pk", flat=True))
        periods = [p for p in unfinished_periods() if user.company_wide or (
            p.establishment_id is None and p.point_of_sale_id is None) or p.establishment_id in places
            or p.point_of_sale_id in tills]
        waiting = waiting_counts(periods)
        rows = [{"id": p.pk, "scope": "point_of_sale" if p.point_of_sale_id else
                 "establishment" if p.establishment_id else "company",
                 "establishment": p.establishment_id, "point_of_sale": p.point_of_sale_id, "tipo": p.tipo,
                 "motivo": p.motivo, "automatic": p.automatic, "started_at": p.started_at, "ended_at": p.ended_at,
                 "waiting": waiting.get(p.pk, 0),
                 "deadlines": {what: {"at": when.isoformat(), "overdue": overdue} for what, when, overdue in deadlines(p)}}
                for p in periods]
        return Response(ContingencySerializer({"active": any(p.ended_at is None for p in periods), "periods": rows}).data)
