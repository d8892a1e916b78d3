"""Integrations and their webhook subscriptions in the admin: create (the signing secret shown
once), pause, resume; every delivery with its attempts, replayable."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from webhooks import sender
from webhooks.models import Attempt, Delivery, EventType, Integration, Subscription, SubscriptionState
from webhooks.services import check_events, check_url, subscription_create, subscription_update


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ["name", "contact_email", "is_active", "created_at"]
    search_fields = ["name", "contact_email"]

    def has_delete_permission(self, request, obj=None):
        return False  # its keys and deliveries stay on record: deactivate it instead


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["integration", "url", "state", "last_success_at", "paused_at"]
    list_filter = ["state", "integration"]
    fields = ["integration", "url", "events", "scope_user", "state", "pause_reason", "paused_at", "last_success_at"]
    readonly_fields = ["state", "pause_reason", "paused_at", "last_success_at"]
    raw_id_fields = ["scope_user"]
    actions = ["pause", "resume"]

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "events":
            return forms.MultipleChoiceField(label=_("Eventos"), choices=EventType.choices,
                                             widget=forms.CheckboxSelectMultiple)
        if db_field.name == "url":
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class Checked(form):
            def clean(self):
                data = super().clean()
                try:
                    if data.get("url"):
                        check_url(data["url"])
                    check_events(data.get("events") or [])
                except ValidationError as exc:
                    for field, errors in exc.message_dict.items():
                        self.add_error(field, errors)
                return data

        return Checked

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            subscription_update(subscription=Subscription.objects.get(pk=obj.pk), url=data["url"],
                                events=list(data["events"]), acting_user=request.user)
            return
        created, secret = subscription_create(integration=data["integration"], url=data["url"],
                                              events=list(data["events"]), scope_user=data.get("scope_user"),
                                              acting_user=request.user)
        for field in ("pk", "secret", "state", "created_at"):
            setattr(obj, field, getattr(created, field))
        obj._state.adding = False
        request._webhook_secret = secret

    def add_view(self, request, form_url="", extra_context=None):
        response = super().add_view(request, form_url, extra_context)
        secret = getattr(request, "_webhook_secret", None)
        if secret:
            response = TemplateResponse(request, "webhooks/secret_created.html", {
                **self.admin_site.each_context(request), "secret": secret, "title": _("Webhook creado"),
                "opts": self.model._meta})
            response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Pausar"))
    def pause(self, request, queryset):
        for subscription in queryset:
            sender.subscription_pause(subscription=subscription, reason=str(_("Pausada desde el admin")),
                                      acting_user=request.user)
        messages.success(request, _("Suscripciones pausadas: los eventos se guardan hasta reanudarlas."))

    @admin.action(description=_("Reanudar (envía lo pendiente, en orden)"))
    def resume(self, request, queryset):
        for subscription in queryset.exclude(state=SubscriptionState.DISABLED):
            sender.subscription_resume(subscription=subscription, acting_user=request.user)
        messages.success(request, _("Suscripciones reanudadas."))


class AttemptInline(admin.TabularInline):
    model = Attempt
    fields = ["at", "status_code", "duration_ms", "error", "body_excerpt"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Every delivery, its place in its stream and each attempt's answer; replayable."""

    list_display = ["event", "subscription", "sequence", "state", "attempts", "last_status", "next_attempt_at",
                    "delivered_at"]
    list_filter = ["state", "subscription__integration", "event__kind"]
    search_fields = ["event__stream", "event__public_id"]
    readonly_fields = ["subscription", "event", "stream", "sequence", "state", "attempts", "next_attempt_at",
                       "first_failure_at", "delivered_at", "last_status", "last_error"]
    fields = readonly_fields
    inlines = [AttemptInline]
    actions = ["replay"]
    list_select_related = ["event", "subscription__integration"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Reenviar"))
    def replay(self, request, queryset):
        for delivery in queryset:
            sender.delivery_replay(delivery=delivery, acting_user=request.user)
        messages.success(request, _("Entregas en cola para reenviarse."))
