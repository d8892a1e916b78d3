from django.contrib import admin

from dte.models import MHCall


@admin.register(MHCall)
class MHCallAdmin(admin.ModelAdmin):
    """Every call to MH, read-only: what was sent (digest), what came back, how long, outcome."""

    list_display = ["at", "endpoint", "codigo_generacion", "status_code", "outcome", "duration_ms"]
    list_filter = ["outcome", "endpoint"]
    search_fields = ["codigo_generacion", "request_digest"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
