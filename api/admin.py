"""API keys in the admin: created (the key shown once, on the page that follows), changed,
revoked; the record of calls, read-only."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from api.models import ApiCall, ApiKey
from api.services import api_key_create, api_key_revoke, api_key_update, check_scope


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "integration", "prefix", "role", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["integration", "role"]
    search_fields = ["name", "prefix", "integration__name"]
    filter_horizontal = ["establishments", "points_of_sale"]
    fields = ["integration", "name", "role", "establishments", "points_of_sale", "rate_per_minute", "prefix",
              "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]

    def has_delete_permission(self, request, obj=None):
        return False  # a key that acted stays on record: revoke it instead

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "integration"] if obj is not None else self.readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class KeyForm(form):
            def clean(self):
                data = super().clean()
                if data.get("role"):
                    try:
                        check_scope(data["role"], list(data.get("establishments") or []),
                                    list(data.get("points_of_sale") or []))
                    except ValidationError as exc:
                        self.add_error(None, exc)
                return data

        return KeyForm

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            api_key_update(key=ApiKey.objects.get(pk=obj.pk), name=data["name"], role=data["role"],
                           establishments=data["establishments"], points_of_sale=data["points_of_sale"],
                           rate_per_minute=data["rate_per_minute"], acting_user=request.user)
            return
        key, raw = api_key_create(integration=data["integration"], name=data["name"], role=data["role"],
                                  establishments=data["establishments"], points_of_sale=data["points_of_sale"],
                                  rate_per_minute=data["rate_per_minute"], acting_user=request.user)
        for field in ("pk", "prefix", "key_hash", "user_id", "created_at", "created_by_id"):
            setattr(obj, field, getattr(key, field))
        obj._state.adding = False
        request._api_key_shown_once = raw

    def save_related(self, request, form, formsets, change):
        pass  # the many-to-many choices were saved by the services, with the service account's places

    def add_view(self, request, form_url="", extra_context=None):
        response = super().add_view(request, form_url, extra_context)
        raw = getattr(request, "_api_key_shown_once", None)
        if raw:
            # Shown on this page only, never through messages (kept in a cookie or the session).
            response = TemplateResponse(request, "api/key_created.html", {
                **self.admin_site.each_context(request), "raw": raw, "title": _("Clave de API creada"),
                "opts": self.model._meta})
            response["Cache-Control"] = "no-store"
        return response

    def response_add(self, request, obj, post_url_continue=None):
        return redirect("admin:api_apikey_changelist")

    def get_urls(self):
        return [path("<int:pk>/revocar/", self.admin_site.admin_view(self.revoke), name="api_apikey_revoke"),
                *super().get_urls()]

    def revoke(self, request, pk):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        key = get_object_or_404(ApiKey, pk=pk)
        if not self.has_change_permission(request, key):
            return redirect("admin:index")
        api_key_revoke(key=key, acting_user=request.user)
        messages.success(request, _("Clave revocada: deja de funcionar desde ahora."))
        return redirect("admin:api_apikey_change", key.pk)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["revoke_url"] = None if obj is None or obj.revoked_at else f"../../{obj.pk}/revocar/"
        return super().render_change_form(request, context, add, change, form_url, obj)

    change_form_template = "api/key_change_form.html"


@admin.register(ApiCall)
class ApiCallAdmin(admin.ModelAdmin):
    """Every call, read-only: key, route, status, duration. Never a body."""

    list_display = ["at", "key", "method", "route", "status", "duration_ms"]
    list_filter = ["status", "method", "key__integration"]
    search_fields = ["route", "key__prefix"]
    date_hierarchy = "at"
    list_select_related = ["key__integration"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
