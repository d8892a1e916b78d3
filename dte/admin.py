from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin import AuditedAdmin, CleanTextModelForm
from dte.models import MHCall, MHEvent, SchemaGeneration
from dte.schemas.registry import GENERATIONS


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


class SchemaGenerationForm(CleanTextModelForm):
    generation = forms.ChoiceField(label=_("Generación"), choices=[(g, g) for g in GENERATIONS])

    class Meta:
        model = SchemaGeneration
        fields = ["kind", "generation", "effective_from", "note"]


@admin.register(SchemaGeneration)
class SchemaGenerationAdmin(AuditedAdmin):
    """When MH's next generation of schemas applies, per type (facts §9): saved and deleted
    through the audited services (accounts.admin.AuditedAdmin)."""

    form = SchemaGenerationForm
    list_display = ["kind", "generation", "effective_from", "note"]
    list_filter = ["kind", "generation"]
    date_hierarchy = "effective_from"


@admin.register(MHEvent)
class MHEventAdmin(admin.ModelAdmin):
    """The Normativa v2.0 events (retorno, operaciones especiales), read-only: they are created and
    sent by dte.events, from the events' pages."""

    list_display = ["created_at", "kind", "codigo_generacion", "document", "period", "total", "state"]
    list_filter = ["kind", "state"]
    search_fields = ["codigo_generacion", "sello_recibido"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
