"""/api/: the OpenAPI schema and its reference pages (assets from drf-spectacular-sidecar), and
version 1 of the API."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from api.views import catalogues, documents, money, orders, purchases, timesheets, webhooks

app_name = "api"

v1 = [
    path("clientes/", catalogues.ClientListView.as_view(), name="clients"),
    path("clientes/<int:pk>/", catalogues.ClientDetailView.as_view(), name="client"),
    path("clientes/<int:pk>/saldo/", catalogues.ClientBalanceView.as_view(), name="client_balance"),
    path("productos/", catalogues.ProductListView.as_view(), name="products"),
    path("productos/<int:pk>/", catalogues.ProductDetailView.as_view(), name="product"),
    path("proveedores/", catalogues.ProviderListView.as_view(), name="providers"),
    path("proveedores/<int:pk>/", catalogues.ProviderDetailView.as_view(), name="provider"),
    path("existencias/", catalogues.StockView.as_view(), name="stock"),
    path("puntos-de-venta/", catalogues.PointOfSaleListView.as_view(), name="points_of_sale"),
    path("catalogos/", catalogues.CatalogListView.as_view(), name="catalogs"),
    path("catalogos/<str:catalog>/", catalogues.CatalogEntriesView.as_view(), name="catalog"),
    path("documentos/", documents.DocumentListView.as_view(), name="documents"),
    path("documentos/<int:pk>/", documents.DocumentDetailView.as_view(), name="document"),
    path("documentos/<int:pk>/emitir/", documents.DocumentIssueView.as_view(), name="document_issue"),
    path("documentos/<int:pk>/corregir/", documents.DocumentCorrectView.as_view(), name="document_correct"),
    path("documentos/<int:pk>/retransmitir/", documents.DocumentRetransmitView.as_view(), name="document_retransmit"),
    path("documentos/<int:pk>/invalidar/", documents.DocumentInvalidateView.as_view(), name="document_invalidate"),
    path("documentos/<int:pk>/documento.json", documents.DocumentJsonView.as_view(), name="document_json"),
    path("documentos/<int:pk>/documento.jws", documents.DocumentJwsView.as_view(), name="document_jws"),
    path("documentos/<int:pk>/documento.pdf", documents.DocumentPdfView.as_view(), name="document_pdf"),
    path("pagos/", money.PaymentListView.as_view(), name="payments"),
    path("pagos/<int:pk>/", money.PaymentDetailView.as_view(), name="payment"),
    path("contingencia/", money.ContingencyView.as_view(), name="contingency"),
    path("pedidos/", orders.OrderListView.as_view(), name="orders"),
    path("pedidos/<int:pk>/", orders.OrderDetailView.as_view(), name="order"),
    path("pedidos/<int:pk>/cobrar/", orders.OrderCashierView.as_view(), name="order_pay_at_till"),
    path("pedidos/<int:pk>/despachar/", orders.OrderShipView.as_view(), name="order_ship"),
    path("pedidos/<int:pk>/cancelar/", orders.OrderCancelView.as_view(), name="order_cancel"),
    path("pedidos/<int:pk>/reembolsos/", orders.OrderRefundsView.as_view(), name="order_refunds"),
    path("compras/", purchases.ReceivedListView.as_view(), name="received"),
    path("compras/<int:pk>/", purchases.ReceivedDetailView.as_view(), name="received_document"),
    path("compras/<int:pk>/pdf/", purchases.ReceivedPdfView.as_view(), name="received_pdf"),
    path("compras/lotes/", purchases.BatchCreateView.as_view(), name="received_batches"),
    path("compras/lotes/<int:pk>/", purchases.BatchDetailView.as_view(), name="received_batch"),
    path("horas/colaboradores/", timesheets.EmployeeListView.as_view(), name="employees"),
    path("horas/jornadas/", timesheets.WorkdayListView.as_view(), name="workdays"),
    path("horas/corridas/simular/", timesheets.DryRunView.as_view(), name="billing_dry_run"),
    path("horas/corridas/", timesheets.RunListView.as_view(), name="billing_runs"),
    path("horas/corridas/<int:pk>/", timesheets.RunDetailView.as_view(), name="billing_run"),
    path("webhooks/", webhooks.SubscriptionListView.as_view(), name="webhooks"),
    path("webhooks/<int:pk>/", webhooks.SubscriptionDetailView.as_view(), name="webhook"),
]

# The schema and its pages are public (they describe the API; no data): no key, no limit.
OPEN = {"authentication_classes": [], "permission_classes": [AllowAny], "throttle_classes": []}

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(**OPEN), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema", **OPEN), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html", **OPEN),
         name="redoc"),
    *[path(f"v1/{p.pattern}", p.callback, name=p.name) for p in v1],
]
