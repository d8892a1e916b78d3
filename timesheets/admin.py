"""The catalogue in the admin; every save goes through the audited service."""

from django.contrib import admin

from timesheets import services
from timesheets.models import BillingRun, Department, Employee, Project, RunItem, Workday


class AuditedAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        services.catalogue_save(instance=obj, acting_user=request.user)


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ["code", "name", "establishment"]
    search_fields = ["code", "name"]


@admin.register(Project)
class ProjectAdmin(AuditedAdmin):
    list_display = ["code", "name", "client", "rate", "budget_hours", "budget_amount", "is_active"]
    search_fields = ["code", "name"]
    raw_id_fields = ["client"]


@admin.register(Employee)
class EmployeeAdmin(AuditedAdmin):
    list_display = ["code", "name", "fiscal_status", "department", "project", "email", "is_active"]
    list_filter = ["fiscal_status", "department"]
    search_fields = ["code", "name", "id_number", "email"]
    raw_id_fields = ["user"]


@admin.register(Workday)
class WorkdayAdmin(admin.ModelAdmin):
    """Read-only: hours change through the weekly grid and the upload (locks and audit)."""

    list_display = ["date", "employee", "project", "hours", "state"]
    list_filter = ["state"]
    date_hierarchy = "date"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BillingRun)
class BillingRunAdmin(WorkdayAdmin):
    list_display = ["period_start", "period_end", "point_of_sale", "state", "total_items", "done_items", "failed_items"]
    list_filter = ["state"]
    date_hierarchy = "period_start"


@admin.register(RunItem)
class RunItemAdmin(WorkdayAdmin):
    list_display = ["run", "kind", "employee", "client", "hours", "amount", "withheld", "state"]
    list_filter = ["kind", "state"]
    date_hierarchy = None
