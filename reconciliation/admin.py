from django.contrib import admin

from reconciliation.models import BankAccount, Match, Period, Statement


class ReadOnly(admin.ModelAdmin):
    """Read in the admin; written only through reconciliation.services (audited), from its pages."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BankAccount)
class BankAccountAdmin(ReadOnly):
    list_display = ["name", "bank", "number", "establishment", "is_active"]


@admin.register(Statement)
class StatementAdmin(ReadOnly):
    list_display = ["file_name", "account", "state", "new", "unchanged", "created_at"]


@admin.register(Match)
class MatchAdmin(ReadOnly):
    list_display = ["pk", "account", "rule", "confidence", "state", "created_at"]
    list_filter = ["state", "rule"]


@admin.register(Period)
class PeriodAdmin(ReadOnly):
    list_display = ["account", "start", "end", "state", "closed_at"]
