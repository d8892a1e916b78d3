from django.contrib import admin

from bulk.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "catalogue", "file_name", "uploaded_by", "status", "rows", "new", "changed", "unchanged", "wrong"]
    list_filter = ["catalogue", "status"]
    search_fields = ["file_name"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
