"""django-axes' admin pages (login attempts and lockouts) in Spanish. Axes ships no Spanish
translation and its labels are its own (its models are not ours to change, and a change to their
fields would be a migration in axes): the section, the page names, the columns, the filters and
the action are relabelled here, on admin classes of our own."""

from axes import admin as axes_admin
from axes.conf import settings as axes_settings
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

apps.get_app_config("axes").verbose_name = _("Bloqueo de accesos")
# Read by the admin's pages only; migrations read the models' original Meta, so none is due.
for model, singular, plural in ((AccessAttempt, _("intento fallido"), _("intentos fallidos (bloqueos)")),
                                (AccessFailureLog, _("acceso fallido"), _("historial de accesos fallidos")),
                                (AccessLog, _("acceso"), _("historial de accesos"))):
    model._meta.verbose_name, model._meta.verbose_name_plural = singular, plural

LABELS = {
    "attempt_time": _("fecha y hora"), "logout_time": _("salida"), "ip_address": _("dirección IP"),
    "user_agent": _("navegador"), "username": _("usuario"), "path_info": _("ruta"),
    "failures_since_start": _("intentos fallidos"), "locked_out": _("bloqueado"), "get_data": _("datos GET"),
    "post_data": _("datos POST"), "http_accept": _("cabecera Accept"),
}


def _column(name):
    @admin.display(description=LABELS[name], ordering=name, boolean=name == "locked_out")
    def show(self, obj):
        return getattr(obj, name)

    return show


def _titled(filter_class, title):
    """A list filter of ``filter_class`` whose heading is ``title`` (not the field's English name)."""

    class Titled(filter_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return Titled


class LockedOutFilter(axes_admin.IsLockedOutFilter):
    title = _("bloqueado")

    def lookups(self, request, model_admin):
        return (("yes", _("Sí")), ("no", _("No")))


class SpanishColumns:
    c_time, c_logout, c_ip, c_agent = (_column(n) for n in ("attempt_time", "logout_time", "ip_address", "user_agent"))
    c_user, c_path, c_failures, c_locked = (_column(n) for n in ("username", "path_info", "failures_since_start",
                                                                  "locked_out"))
    c_get, c_post, c_accept = (_column(n) for n in ("get_data", "post_data", "http_accept"))

    FILTERS = [("attempt_time", _titled(admin.DateFieldListFilter, LABELS["attempt_time"])),
               ("path_info", _titled(admin.AllValuesFieldListFilter, LABELS["path_info"]))]
    CONNECTION = (_("Conexión"), {"fields": ("c_agent", "c_ip", "c_accept")})


class AccessAttemptAdmin(SpanishColumns, axes_admin.AccessAttemptAdmin):
    list_display = ["c_time", "c_ip", "c_agent", "c_user", "c_path", "c_failures", "c_status"]
    list_filter = [*SpanishColumns.FILTERS, LockedOutFilter]
    fieldsets = ((None, {"fields": ("c_user", "c_path", "c_failures")}),
                 (_("Datos del formulario"), {"fields": ("c_get", "c_post")}), SpanishColumns.CONNECTION)
    readonly_fields = ["c_user", "c_path", "c_failures", "c_get", "c_post", "c_agent", "c_ip", "c_accept"]
    actions = ["cleanup_expired_attempts"]

    @admin.display(description=_("estado"))
    def c_status(self, obj):
        left = axes_settings.AXES_FAILURE_LIMIT - obj.failures_since_start
        if left > 0:
            return _("quedan %(n)d intentos") % {"n": left}
        return _("bloqueado")

    @admin.action(description=_("Borrar los intentos vencidos"))
    def cleanup_expired_attempts(self, request, queryset):
        count = self.handler.clean_expired_user_attempts(request=request)
        self.message_user(request, _("Intentos vencidos borrados: %(n)d.") % {"n": count})


class AccessLogAdmin(SpanishColumns, axes_admin.AccessLogAdmin):
    list_display = ["c_time", "c_logout", "c_ip", "c_user", "c_agent", "c_path"]
    list_filter = [*SpanishColumns.FILTERS, ("logout_time", _titled(admin.DateFieldListFilter, LABELS["logout_time"]))]
    fieldsets = ((None, {"fields": ("c_user", "c_path", "c_time", "c_logout")}), SpanishColumns.CONNECTION)
    readonly_fields = ["c_user", "c_path", "c_time", "c_logout", "c_agent", "c_ip", "c_accept"]


class AccessFailureLogAdmin(SpanishColumns, axes_admin.AccessFailureLogAdmin):
    list_display = ["c_time", "c_ip", "c_user", "c_agent", "c_path", "c_locked"]
    list_filter = [*SpanishColumns.FILTERS, ("locked_out", _titled(admin.BooleanFieldListFilter, LABELS["locked_out"]))]
    fieldsets = ((None, {"fields": ("c_user", "c_path", "c_time", "c_locked")}), SpanishColumns.CONNECTION)
    readonly_fields = ["c_user", "c_path", "c_time", "c_locked", "c_agent", "c_ip", "c_accept"]


for model, model_admin in ((AccessAttempt, AccessAttemptAdmin), (AccessLog, AccessLogAdmin),
                           (AccessFailureLog, AccessFailureLogAdmin)):
    if admin.site.is_registered(model):  # AXES_ENABLE_ADMIN: axes registered its own
        admin.site.unregister(model)
        admin.site.register(model, model_admin)
