from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts import views as account_views
from billing import health as health_views
from billing import metrics as billing_metrics
from billing import views as billing_views
from dte.views import public as public_views

admin.site.site_header = _("Facturador · Administración")
admin.site.site_title = _("Facturador")
admin.site.index_title = _("Configuración del sistema")

urlpatterns = [
    path("", include("accounts.urls")),
    path("catalogos/", include("catalogs.urls")),
    path("clientes/", include("clients.urls")),
    path("inventario/", include("inventory.urls")),
    path("cargas/", include("bulk.urls")),
    path("documentos/", include("dte.urls")),
    path("contingencia/", include("contingency.urls")),
    path("cobros/", include("payments.urls")),
    path("conciliacion/", include("reconciliation.urls")),
    path("pedidos/", include("orders.urls")),
    path("pagar/", include("orders.pay_urls")),
    path("compras/", include("purchases.urls")),
    path("horas/", include("timesheets.urls")),
    path("reportes/", include("reports.urls")),
    path("notificaciones/", include("notifications.urls")),
    path("configuracion/autorizacion-mh/", include("onboarding.urls")),
    path("api/", include("api.urls")),
    path("d/<str:enlace>/", public_views.public_document, name="public_document"),
    path("d/<str:enlace>/documento.pdf", public_views.public_download, {"fmt": "pdf"}, name="public_pdf"),
    path("d/<str:enlace>/documento.json", public_views.public_download, {"fmt": "json"}, name="public_json"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("salud/", billing_views.health, name="health"),
    path("salud/vivo/", health_views.liveness, name="health_live"),
    path("salud/listo/", health_views.readiness, name="health_ready"),
    path("metrics", billing_metrics.metrics_view, name="metrics"),
    path("favicon.ico", billing_views.favicon, name="favicon"),
]

handler403 = account_views.error_403
handler404 = account_views.error_404
handler500 = account_views.error_500

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
