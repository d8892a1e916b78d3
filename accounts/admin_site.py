"""The Django admin as the product's: in Spanish, and closed to whoever is not staff. A signed-in
user without is_staff gets the app's 403 page (not the admin's own login form, which would ask a
rep to sign in again as somebody else); an anonymous visitor goes to the app's login."""

from functools import wraps

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def redirect_to_login(next_url, login_url):
    from django.contrib.auth.views import redirect_to_login as redirect  # noqa: PLC0415 - auth.views imports models; INSTALLED_APPS loads this module before them

    return redirect(next_url, login_url)


class FacturadorAdminSite(admin.AdminSite):
    site_header = _("Facturador · Administración")
    site_title = _("Facturador")
    index_title = _("Configuración del sistema")

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            if not self.has_permission(request):
                raise PermissionDenied("admin")
            return inner(request, *args, **kwargs)

        return guarded

    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            if not self.has_permission(request):
                raise PermissionDenied("admin")
            return super().login(request, extra_context)  # staff: Django sends them on to the index
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"), settings.LOGIN_URL)


class FacturadorAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.FacturadorAdminSite"
