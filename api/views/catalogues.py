"""Clients (with their balance), products, providers, stock levels and MH's catalogues. Writes go
through the pages' own forms and services, so a client the page would refuse the API refuses
with the same words."""

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.modules import Module
from accounts.selectors import establishments_for_user, points_of_sale_for_user
from api.errors import ApiError
from api.idempotency import idempotent
from api.serializers import (
    BalanceSerializer,
    CatalogEntrySerializer,
    CatalogSerializer,
    ClientSerializer,
    ClientWriteSerializer,
    ProductSerializer,
    ProductWriteSerializer,
    ProviderSerializer,
    ProviderWriteSerializer,
    StockSerializer,
)
from api.views.base import AFTER, IDEMPOTENCY, LANGUAGE, LIMIT, ApiView, errors, id_page
from catalogs.models import CatalogEntry
from catalogs.names import TITLES
from catalogs.selectors import catalog_entries, current_edition
from clients import services as client_services
from clients.forms import ClientForm
from clients.models import Client
from clients.selectors import client_list
from core import scope
from core.modules import Action
from inventory import selectors as inventory_selectors
from inventory import services as inventory_services
from inventory.forms import ProductForm, ProviderForm
from inventory.models import Product, Provider, Stock
from payments.selectors import client_position

CLI, INV = Module.CLIENTES, Module.INVENTARIO


def _form_errors(form):
    rows = [{"code": "invalid", "message": str(message), "field": None if field == "__all__" else field}
            for field, messages in form.errors.items() for message in messages]
    raise ApiError(rows[0]["message"], code="invalid", status_code=400, field=rows[0]["field"], errors=rows)


def _service_errors(exc):
    if hasattr(exc, "error_dict"):
        rows = [{"code": "invalid", "message": str(m), "field": None if f == "__all__" else f}
                for f, messages in exc.message_dict.items() for m in messages]
    else:
        rows = [{"code": "invalid", "message": str(m), "field": None} for m in exc.messages]
    raise ApiError(rows[0]["message"], code="invalid", status_code=400, field=rows[0]["field"], errors=rows)


def _form_data(serializer_class, request, instance, form_class, *, partial):
    """The form's input: the stored values (a change), then what the call sends, checked for shape."""
    incoming = serializer_class(data=request.data, partial=partial)
    incoming.is_valid(raise_exception=True)
    # A change starts from the stored values, a new record from the model's defaults (as the
    # page's empty form does).
    stored = instance if instance is not None and instance.pk else form_class._meta.model()
    data = model_to_dict(stored, fields=form_class._meta.fields)
    data.update({k: v for k, v in request.data.items() if k in incoming.fields})
    if isinstance(data.get("special_taxes"), list):
        data["special_taxes"] = ",".join(data["special_taxes"])
    return {k: ("" if v is None else v) for k, v in data.items()}


def _save_with_form(form_class, data, instance, save):
    form = form_class(data, instance=instance)
    if not form.is_valid():
        _form_errors(form)
    try:
        return save(dict(form.cleaned_data))
    except ValidationError as exc:
        _service_errors(exc)


# -------------------------------------------------------------------------------- clients

CLIENT_FILTERS = [OpenApiParameter("q", str, description=_("Nombre, NIT, NRC o DUI (cualquier parte).")),
                  OpenApiParameter("tipo", str, description="contribuyente, consumidor, extranjero"),
                  OpenApiParameter("activo", str, description="1 o 0"), AFTER, LIMIT, LANGUAGE]


class ClientListView(ApiView):
    grants = {"GET": (CLI, Action.VIEW), "POST": (CLI, Action.CREATE)}

    @extend_schema(operation_id="clients_list", parameters=CLIENT_FILTERS, responses={200: inline_serializer(
        "ClientPage", {"results": ClientSerializer(many=True), "next": serializers.CharField(allow_null=True)}),
        **errors(400)}, tags=["clientes"])
    def get(self, request):
        p = request.query_params
        qs = client_list(user=request.user, query=p.get("q", ""), kind=p.get("tipo", ""), active=p.get("activo", ""))
        return Response(id_page(request, qs.order_by(), ClientSerializer))

    @extend_schema(operation_id="clients_create", request=ClientWriteSerializer, parameters=[IDEMPOTENCY, LANGUAGE],
                   responses={201: ClientSerializer, **errors(400, 422)}, tags=["clientes"])
    @idempotent
    def post(self, request):
        data = _form_data(ClientWriteSerializer, request, None, ClientForm, partial=False)
        client = _save_with_form(ClientForm, data, None,
                                 lambda clean: client_services.client_create(data=clean, acting_user=request.user))
        return Response(ClientSerializer(client).data, status=status.HTTP_201_CREATED)


class ClientDetailView(ApiView):
    grants = {"GET": (CLI, Action.VIEW), "PATCH": (CLI, Action.EDIT)}

    @extend_schema(operation_id="clients_read", parameters=[LANGUAGE], responses={200: ClientSerializer, **errors(404)},
                   tags=["clientes"])
    def get(self, request, pk):
        return Response(ClientSerializer(scope.get_or_404(Client, request.user, pk=pk)).data)

    @extend_schema(operation_id="clients_update", request=ClientWriteSerializer, parameters=[LANGUAGE],
                   responses={200: ClientSerializer, **errors(400, 404)}, tags=["clientes"])
    def patch(self, request, pk):
        client = scope.get_or_404(Client, request.user, pk=pk)
        data = _form_data(ClientWriteSerializer, request, client, ClientForm, partial=True)
        saved = _save_with_form(ClientForm, data, client, lambda clean: client_services.client_update(
            client=client, data=clean, acting_user=request.user))
        return Response(ClientSerializer(saved).data)


class ClientBalanceView(ApiView):
    # What a client owes is a report figure (Reportes → Cobros y crédito), as on the page.
    grants = {"GET": (Module.REPORTES, Action.VIEW)}

    @extend_schema(operation_id="clients_balance", parameters=[LANGUAGE], responses={200: BalanceSerializer, **errors(404)},
                   tags=["pagos"])
    def get(self, request, pk):
        client = scope.get_or_404(Client, request.user, pk=pk)
        balance, overdue = client_position(client.pk)
        limit = client.credit_limit or 0
        return Response(BalanceSerializer({
            "client": client.pk, "balance": balance, "overdue_documents": overdue, "credit_limit": limit,
            "available_credit": (limit - balance) if limit else None}).data)


# ------------------------------------------------------------------------------- inventory

PRODUCT_FILTERS = [OpenApiParameter("q", str, description=_("Código, descripción o categoría.")),
                   OpenApiParameter("activo", str, description="1 (predeterminado), 0 o vacío: todos"), AFTER, LIMIT,
                   LANGUAGE]


class ProductListView(ApiView):
    grants = {"GET": (INV, Action.VIEW), "POST": (INV, Action.CREATE)}

    @extend_schema(operation_id="products_list", parameters=PRODUCT_FILTERS, responses={200: inline_serializer(
        "ProductPage", {"results": ProductSerializer(many=True), "next": serializers.CharField(allow_null=True)}),
        **errors(400)}, tags=["inventario"])
    def get(self, request):
        p = request.query_params
        qs = inventory_selectors.product_search(query=p.get("q", ""), active_only=False, limit=None).order_by()
        if p.get("activo", "1") in ("1", "0"):
            qs = qs.filter(is_active=p.get("activo", "1") == "1")
        return Response(id_page(request, qs, ProductSerializer))

    @extend_schema(operation_id="products_create", request=ProductWriteSerializer, parameters=[IDEMPOTENCY, LANGUAGE],
                   responses={201: ProductSerializer, **errors(400, 422)}, tags=["inventario"])
    @idempotent
    def post(self, request):
        data = _form_data(ProductWriteSerializer, request, None, ProductForm, partial=False)
        product = _save_with_form(ProductForm, data, None, lambda clean: inventory_services.product_save(
            product=Product(), data=clean, acting_user=request.user))
        return Response(ProductSerializer(product).data, status=status.HTTP_201_CREATED)


class ProductDetailView(ApiView):
    grants = {"GET": (INV, Action.VIEW), "PATCH": (INV, Action.EDIT)}

    @extend_schema(operation_id="products_read", parameters=[LANGUAGE], responses={200: ProductSerializer, **errors(404)},
                   tags=["inventario"])
    def get(self, request, pk):
        return Response(ProductSerializer(inventory_selectors.product_get(pk=pk)).data)

    @extend_schema(operation_id="products_update", request=ProductWriteSerializer, parameters=[LANGUAGE],
                   responses={200: ProductSerializer, **errors(400, 404)}, tags=["inventario"])
    def patch(self, request, pk):
        product = inventory_selectors.product_get(pk=pk)
        data = _form_data(ProductWriteSerializer, request, product, ProductForm, partial=True)
        saved = _save_with_form(ProductForm, data, product, lambda clean: inventory_services.product_save(
            product=product, data=clean, acting_user=request.user))
        return Response(ProductSerializer(saved).data)


class ProviderListView(ApiView):
    grants = {"GET": (INV, Action.VIEW), "POST": (INV, Action.CREATE)}

    @extend_schema(operation_id="providers_list", parameters=PRODUCT_FILTERS[:1] + [AFTER, LIMIT, LANGUAGE],
                   responses={200: inline_serializer("ProviderPage", {
                       "results": ProviderSerializer(many=True), "next": serializers.CharField(allow_null=True)}),
                       **errors(400)}, tags=["inventario"])
    def get(self, request):
        qs = inventory_selectors.provider_list(query=request.query_params.get("q", ""), active="").order_by()
        return Response(id_page(request, qs, ProviderSerializer))

    @extend_schema(operation_id="providers_create", request=ProviderWriteSerializer, parameters=[IDEMPOTENCY, LANGUAGE],
                   responses={201: ProviderSerializer, **errors(400, 422)}, tags=["inventario"])
    @idempotent
    def post(self, request):
        data = _form_data(ProviderWriteSerializer, request, None, ProviderForm, partial=False)
        provider = _save_with_form(ProviderForm, data, None, lambda clean: inventory_services.provider_save(
            provider=Provider(), data=clean, acting_user=request.user))
        return Response(ProviderSerializer(provider).data, status=status.HTTP_201_CREATED)


class ProviderDetailView(ApiView):
    grants = {"GET": (INV, Action.VIEW), "PATCH": (INV, Action.EDIT)}

    @extend_schema(operation_id="providers_read", parameters=[LANGUAGE], responses={200: ProviderSerializer, **errors(404)},
                   tags=["inventario"])
    def get(self, request, pk):
        return Response(ProviderSerializer(inventory_selectors.provider_get(pk=pk)).data)

    @extend_schema(operation_id="providers_update", request=ProviderWriteSerializer, parameters=[LANGUAGE],
                   responses={200: ProviderSerializer, **errors(400, 404)}, tags=["inventario"])
    def patch(self, request, pk):
        provider = inventory_selectors.provider_get(pk=pk)
        data = _form_data(ProviderWriteSerializer, request, provider, ProviderForm, partial=True)
        saved = _save_with_form(ProviderForm, data, provider, lambda clean: inventory_services.provider_save(
            provider=provider, data=clean, acting_user=request.user))
        return Response(ProviderSerializer(saved).data)


class StockView(ApiView):
    """Stock on hand per product and establishment, in the establishments the key may see."""

    grants = {"GET": (INV, Action.VIEW)}

    @extend_schema(operation_id="stock_list", parameters=[
        OpenApiParameter("producto", int), OpenApiParameter("establecimiento", int), AFTER, LIMIT, LANGUAGE],
        responses={200: inline_serializer("StockPage", {"results": StockSerializer(many=True),
                                                         "next": serializers.CharField(allow_null=True)}),
                   **errors(400)}, tags=["inventario"])
    def get(self, request):
        qs = Stock.objects.select_related("product", "establishment").filter(
            establishment__in=establishments_for_user(user=request.user))
        for param, field in (("producto", "product_id"), ("establecimiento", "establishment_id")):
            value = request.query_params.get(param, "")
            if value:
                if not value.isdigit():
                    raise ApiError(_("«%(p)s» es un id.") % {"p": param}, code="invalid", status_code=400, field=param)
                qs = qs.filter(**{field: int(value)})
        return Response(id_page(request, qs, StockSerializer))


class PointOfSaleListView(ApiView):
    """The points of sale the key may issue from (its role's: all, or the ones it is bound to)."""

    grants = {"GET": "any"}

    @extend_schema(operation_id="points_of_sale_list", parameters=[LANGUAGE], responses={200: inline_serializer(
        "PointOfSale", {"id": serializers.IntegerField(), "name": serializers.CharField(),
                        "establishment": serializers.IntegerField(), "codigo": serializers.CharField(
                            help_text=_("codEstableMH + codPuntoVentaMH, como en el número de control"))},
        many=True), **errors(forbidden=False)}, tags=["catálogos"])
    def get(self, request):
        return Response([{"id": p.pk, "name": p.name, "establishment": p.establishment_id,
                          "codigo": f"{p.establishment.cod_estable_mh}{p.cod_punto_venta_mh}"}
                         for p in points_of_sale_for_user(user=request.user)])


# ---------------------------------------------------------------------------- MH catalogues


class CatalogListView(ApiView):
    grants = {"GET": "any"}

    @extend_schema(operation_id="catalogs_list", parameters=[LANGUAGE], responses={200: CatalogSerializer(many=True),
                                                                                   **errors(forbidden=False)},
                   tags=["catálogos"])
    def get(self, request):
        rows = (CatalogEntry.objects.filter(edition=current_edition(), is_active=True).values("catalog")
                .annotate(n=Count("*")).order_by("catalog"))
        return Response([{"catalog": r["catalog"], "name": str(TITLES.get(r["catalog"], r["catalog"])),
                          "entries": r["n"]} for r in rows])


class CatalogEntriesView(ApiView):
    grants = {"GET": "any"}

    @extend_schema(operation_id="catalogs_entries", parameters=[
        OpenApiParameter("padre", str, description=_("Código del que dependen (CAT-013: el departamento).")), LANGUAGE],
        responses={200: CatalogEntrySerializer(many=True), **errors(404, forbidden=False)}, tags=["catálogos"])
    def get(self, request, catalog):
        entries = catalog_entries(catalog=catalog.upper(), parent=request.query_params.get("padre") or None)
        if not entries.exists():
            raise ApiError(_("No hay un catálogo «%(c)s» (p. ej. CAT-002).") % {"c": catalog}, code="not_found",
                           status_code=404, field="catalog")
        return Response([{"code": e.code, "name": e.name, "parent": e.parent} for e in entries])
