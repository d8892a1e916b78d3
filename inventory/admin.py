from django.contrib import admin
from import_export.admin import ImportExportModelAdmin

from accounts.admin import AuditedAdmin
from bulk.resources import resource_for
from inventory.models import Product, Provider, ProviderProduct, StockMovement
from inventory.uploads import products as product_uploads
from inventory.uploads import providers as provider_uploads


@admin.register(Product)
class ProductAdmin(AuditedAdmin, ImportExportModelAdmin):
    resource_classes = [resource_for(product_uploads.SPEC)]
    list_display = ["code", "description", "tax_treatment", "price", "is_active"]
    list_filter = ["tax_treatment", "item_type", "is_active"]
    search_fields = ["search_text"]


class ProviderProductInline(admin.TabularInline):
    model = ProviderProduct
    autocomplete_fields = ["product"]
    extra = 0


@admin.register(Provider)
class ProviderAdmin(AuditedAdmin, ImportExportModelAdmin):
    resource_classes = [resource_for(provider_uploads.SPEC)]
    list_display = ["name", "id_number", "nrc", "is_active"]
    search_fields = ["search_text"]
    inlines = [ProviderProductInline]


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    list_display = ["created_at", "product", "establishment", "quantity", "balance", "reason"]
    list_filter = ["establishment"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
