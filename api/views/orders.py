"""Orders through the API (orders.services, with its checks): made by a till or a web shop,
read with their pay link, paid at the till, shipped (the hold captured) and cancelled. Scope is
the documents' (an order belongs to a point of sale); every POST honours Idempotency-Key."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.modules import Module
from accounts.selectors import points_of_sale_for_user
from api.errors import ApiError
from api.idempotency import idempotent
from api.views.base import AFTER, IDEMPOTENCY, LANGUAGE, LIMIT, ApiView, errors, id_page
from clients.models import Client
from core import scope
from core.modules import Action
from inventory.models import Product
from orders import selectors, services
from orders.models import Order


class OrderLineSerializer(serializers.Serializer):
    product = serializers.IntegerField()
    code = serializers.CharField()
    description = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=19, decimal_places=8)
    unit_price = serializers.DecimalField(max_digits=19, decimal_places=8)
    amount = serializers.DecimalField(max_digits=19, decimal_places=8)


class OrderSerializer(serializers.ModelSerializer):
    number = serializers.CharField()
    lines = serializers.SerializerMethodField()
    pay_link = serializers.SerializerMethodField()
    document = serializers.IntegerField(source="document_id", allow_null=True)

    class Meta:
        model = Order
        fields = ["id", "number", "state", "parent", "client", "establishment", "point_of_sale", "tipo_dte", "total", "total_iva",
                  "amount_authorized", "amount_captured", "amount_refunded", "gateway", "payment_method",
                  "payment_reference", "document", "receipt_error", "link_expires_at", "created_at", "lines", "pay_link"]

    @extend_schema(exclude=True)
    def get_lines(self, order) -> list[dict]:
        return [{"product": x.product_id, "code": x.code, "description": x.description, "quantity": str(x.quantity),
                 "unit_price": str(x.unit_price), "amount": str(x.amount)} for x in order.lines.all()]

    def get_pay_link(self, order) -> str:
        request = self.context.get("request")
        path = reverse("pay:page", args=[selectors.pay_token(order)])
        return request.build_absolute_uri(path) if request else path


class OrderLineInSerializer(serializers.Serializer):
    product = serializers.IntegerField()
    quantity = serializers.DecimalField(max_digits=19, decimal_places=8)


class OrderInSerializer(serializers.Serializer):
    client = serializers.IntegerField()
    point_of_sale = serializers.IntegerField()
    lines = OrderLineInSerializer(many=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=500)
    confirm = serializers.BooleanField(required=False, default=False,
                                       help_text="Confirma los casos especiales (como al emitir).")


def _unprocessable(exc):
    messages = getattr(exc, "messages", None) or [str(exc)]
    rows = [{"code": "unprocessable", "message": m, "field": None} for m in messages]
    return ApiError(rows[0]["message"], code="unprocessable", status_code=422, errors=rows)


def _conflict(exc):
    messages = getattr(exc, "messages", None) or [str(exc)]
    return ApiError(" ".join(messages), code="conflict", status_code=409)


class OrderListView(ApiView):
    grants = {"GET": (Module.DOCUMENTOS, Action.VIEW), "POST": (Module.DOCUMENTOS, Action.CREATE)}

    @extend_schema(operation_id="orders_list", parameters=[AFTER, LIMIT, LANGUAGE],
                   responses={200: inline_serializer("OrderPage", {
                       "results": OrderSerializer(many=True), "next": serializers.CharField(allow_null=True)}),
                       **errors(400)}, tags=["pedidos"])
    def get(self, request):
        qs = scope.rows(Order, request.user).prefetch_related("lines").order_by()
        return Response(id_page(request, qs, OrderSerializer))

    @extend_schema(operation_id="orders_create", request=OrderInSerializer, parameters=[IDEMPOTENCY, LANGUAGE],
                   responses={201: OrderSerializer, **errors(400, 422)}, tags=["pedidos"])
    @idempotent
    def post(self, request):
        incoming = OrderInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        client = scope.rows(Client, request.user).filter(pk=data["client"]).first()
        if client is None:
            raise ApiError(_("El cliente no existe o queda fuera del alcance de la clave."), code="invalid",
                           status_code=400, field="client")
        point = points_of_sale_for_user(user=request.user).filter(pk=data["point_of_sale"]).first()
        if point is None:
            raise ApiError(_("El punto de venta no existe o la clave no opera en él."), code="invalid",
                           status_code=400, field="point_of_sale")
        products = Product.objects.in_bulk([x["product"] for x in data["lines"]])
        lines = []
        for i, item in enumerate(data["lines"]):
            product = products.get(item["product"])
            if product is None or not product.is_active:
                raise ApiError(_("El producto %(p)s no existe o no está activo.") % {"p": item["product"]},
                               code="invalid", status_code=400, field=f"lines[{i}].product")
            lines.append({"product": product, "quantity": item["quantity"]})
        try:
            order = services.order_create(acting_user=request.user, client=client, point_of_sale=point, lines=lines,
                                          notes=data.get("notes", ""), confirm=data.get("confirm", False))
        except (ValidationError, PermissionDenied) as exc:
            raise _unprocessable(exc) from exc
        return Response(OrderSerializer(order, context={"request": request}).data, status=status.HTTP_201_CREATED)


class OrderDetailView(ApiView):
    grants = {"GET": (Module.DOCUMENTOS, Action.VIEW)}

    @extend_schema(operation_id="orders_read", parameters=[LANGUAGE], responses={200: OrderSerializer, **errors(404)},
                   tags=["pedidos"])
    def get(self, request, pk):
        order = scope.get_or_404(Order, request.user, pk=pk)
        return Response(OrderSerializer(order, context={"request": request}).data)


CashierIn = inline_serializer("OrderCashierIn", {
    "method": serializers.CharField(max_length=2, help_text="CAT-017: 01 efectivo, 02/03 tarjeta, 04 cheque, 05 transferencia"),
    "reference": serializers.CharField(required=False, allow_blank=True, max_length=100)})
CancelIn = inline_serializer("OrderCancelIn", {"reason": serializers.CharField(max_length=300)})
ShipIn = inline_serializer("OrderShipIn", {"lines": serializers.ListField(
    required=False, child=inline_serializer("OrderShipLine", {
        "line": serializers.IntegerField(help_text="Posición de la línea del pedido."),
        "quantity": serializers.DecimalField(max_digits=19, decimal_places=8)}),
    help_text="Despacho parcial: las líneas y cantidades que salen. Sin ellas sale todo el pedido. Lo que queda "
              "sigue retenido en un pedido nuevo (su «parent» es este).")})


class _OrderAction(ApiView):
    grants = {"POST": (Module.DOCUMENTOS, Action.CREATE)}

    def act(self, request, order):
        raise NotImplementedError

    def _post(self, request, pk):
        order = scope.get_or_404(Order, request.user, pk=pk)
        try:
            self.act(request, order)
        except PermissionDenied as exc:
            raise _unprocessable(exc) from exc
        except ValidationError as exc:
            raise _conflict(exc) from exc
        order.refresh_from_db()
        return Response(OrderSerializer(order, context={"request": request}).data)


class OrderCashierView(_OrderAction):
    """The till took the money: the receipt is issued as for a gateway's capture."""

    def act(self, request, order):
        method = str(request.data.get("method", ""))
        if method not in services.CASHIER_METHODS:
            raise ApiError(_("«method» es 01, 02, 03, 04 o 05 (CAT-017)."), code="invalid", status_code=400,
                           field="method")
        services.order_record_payment(order=order, method=method, reference=str(request.data.get("reference", "")),
                                      acting_user=request.user)

    @extend_schema(operation_id="orders_pay_at_till", request=CashierIn, parameters=[IDEMPOTENCY, LANGUAGE],
                   responses={200: OrderSerializer, **errors(400, 404, 409, 422)}, tags=["pedidos"])
    @idempotent
    def post(self, request, pk):
        return self._post(request, pk)


class OrderShipView(_OrderAction):
    """The goods ship: the hold is captured and the receipt issued."""

    def act(self, request, order):
        rows = request.data.get("lines") if hasattr(request.data, "get") else None
        if rows is not None and (not isinstance(rows, list) or not all(
                isinstance(r, dict) and "line" in r and "quantity" in r for r in rows)):
            raise ApiError(_("«lines» es una lista de {line, quantity}."), code="invalid", status_code=400,
                           field="lines")
        lines = {str(r["line"]): str(r["quantity"]) for r in rows or []}
        services.order_ship(order=order, acting_user=request.user, lines=lines or None)

    @extend_schema(operation_id="orders_ship", request=ShipIn, parameters=[IDEMPOTENCY, LANGUAGE],
                   responses={200: OrderSerializer, **errors(400, 404, 409, 422)}, tags=["pedidos"])
    @idempotent
    def post(self, request, pk):
        return self._post(request, pk)


class OrderCancelView(_OrderAction):
    def act(self, request, order):
        services.order_cancel(order=order, acting_user=request.user, reason=str(request.data.get("reason", "")))

    @extend_schema(operation_id="orders_cancel", request=CancelIn, parameters=[IDEMPOTENCY, LANGUAGE],
                   responses={200: OrderSerializer, **errors(404, 409, 422)}, tags=["pedidos"])
    @idempotent
    def post(self, request, pk):
        return self._post(request, pk)


# ------------------------------------------------------------------------------------ refunds
class RefundLineInSerializer(serializers.Serializer):
    line = serializers.IntegerField(min_value=1, help_text="Posición de la línea del pedido (= ítem del comprobante).")
    quantity = serializers.DecimalField(max_digits=19, decimal_places=8, min_value=0)


class RefundInSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=19, decimal_places=2, required=False, allow_null=True, help_text=(
        "Monto a devolver (con IVA). Vacío: todo lo cobrado y no devuelto, o lo que valen las líneas devueltas."))
    reason = serializers.CharField(max_length=300)
    lines = RefundLineInSerializer(many=True, required=False, help_text=(
        "Líneas devueltas: obligatorias para el reembolso parcial de una Factura, que MH registra con un evento de "
        "retorno (una Factura no admite nota de crédito); el monto es entonces lo que valen."))


class RefundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField(source="order_id")
    amount = serializers.DecimalField(max_digits=19, decimal_places=2)
    reason = serializers.CharField()
    state = serializers.CharField(source="operation.state", help_text="succeeded, failed o in_doubt (se resuelve solo)")
    gateway_message = serializers.CharField(source="operation.message")
    fiscal_action = serializers.CharField(help_text="credit_note, invalidation, return o manual (el contador)")
    fiscal_document = serializers.IntegerField(source="fiscal_document_id", allow_null=True)
    fiscal_event = serializers.IntegerField(source="fiscal_event_id", allow_null=True)
    fiscal_error = serializers.CharField(help_text="Por qué la parte fiscal no se hizo (o qué debe hacer el contador).")
    returned = serializers.ListField(child=serializers.DictField())
    created_at = serializers.DateTimeField()


class OrderRefundsView(ApiView):
    """An order's refunds: through the gateway the money came by, with the fiscal side MH allows
    (orders.services.refund_plan): a credit note against a CCF, the invalidation of a Factura
    refunded in full, an Evento de Retorno of the lines given back for part of a Factura."""

    grants = {"GET": (Module.DOCUMENTOS, Action.VIEW), "POST": (Module.DOCUMENTOS, Action.INVALIDATE)}

    @extend_schema(operation_id="orders_refunds_list", parameters=[LANGUAGE],
                   responses={200: RefundSerializer(many=True), **errors(404)}, tags=["pedidos"])
    def get(self, request, pk):
        order = scope.get_or_404(Order, request.user, pk=pk)
        rows = order.refunds.select_related("operation").order_by("pk")
        return Response(RefundSerializer(rows, many=True).data)

    @extend_schema(operation_id="orders_refund", request=RefundInSerializer, parameters=[IDEMPOTENCY, LANGUAGE],
                   responses={201: RefundSerializer, **errors(400, 404, 409, 422)}, tags=["pedidos"])
    @idempotent
    def post(self, request, pk):
        order = scope.get_or_404(Order, request.user, pk=pk)
        incoming = RefundInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        returned = [{"numItem": x["line"], "quantity": x["quantity"]} for x in data.get("lines") or []]
        try:
            op = services.order_refund(order=order, amount=data.get("amount"), reason=data["reason"],
                                       acting_user=request.user, returned=returned)
        except PermissionDenied as exc:
            raise _unprocessable(exc) from exc
        except ValidationError as exc:
            raise _conflict(exc) from exc
        return Response(RefundSerializer(op.refund).data, status=status.HTTP_201_CREATED)
