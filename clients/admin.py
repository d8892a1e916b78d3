from django.contrib import admin
from import_export.admin import ImportExportModelAdmin

from accounts.admin import AuditedAdmin
from bulk.resources import resource_for
from clients.models import Client
from clients.uploads import SPEC


@admin.register(Client)
class ClientAdmin(AuditedAdmin, ImportExportModelAdmin):
    resource_classes = [resource_for(SPEC)]
    list_display = ["name", "id_type", "id_number", "nrc", "kind", "is_active"]
    list_filter = ["kind", "taxpayer_size", "is_active"]
    search_fields = ["search_text"]
    autocomplete_fields = ["sales_rep"]

    def has_delete_permission(self, request, obj=None):
        return False  # clients are deactivated, never deleted
