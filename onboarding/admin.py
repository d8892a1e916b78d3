from django.contrib import admin

from accounts.admin import AuditedAdmin
from onboarding.models import TestRequirement


@admin.register(TestRequirement)
class TestRequirementAdmin(AuditedAdmin):
    """MH changes a count: the admin changes it here (audited), without a release."""

    list_display = ["name", "code", "kind", "required", "mandatory", "generation", "source"]
    list_editable = ["required"]
    readonly_fields = ["code", "kind"]
    fields = ["code", "kind", "name", "required", "mandatory", "generation", "source", "position"]

    def has_add_permission(self, request):
        return False  # the codes are the ones the generator knows (onboarding.seed)

    def has_delete_permission(self, request, obj=None):
        return False
