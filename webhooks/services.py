"""Subscriptions: created (the signing secret shown once), changed, paused and resumed; each change
audited. Pausing and resuming, and replaying a delivery, are in webhooks.sender beside the sending."""

import ipaddress
import secrets
from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.models import AuditAction
from webhooks import sender
from webhooks.models import SUBSCRIPTION_MACHINE, EventType, Subscription, SubscriptionState


def check_url(url):
    """A subscriber's address: https in production, and never this machine or a private network
    (unless WEBHOOK_ALLOW_PRIVATE, the default outside production, where tests listen on loopback)."""
    parsed = urlparse(url)
    if parsed.scheme not in ("https", "http") or not parsed.hostname:
        raise ValidationError({"url": _("La URL debe empezar con https://.")})
    if settings.PRODUCTION and parsed.scheme != "https":
        raise ValidationError({"url": _("En producción los webhooks solo se envían por https.")})
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return
    host = parsed.hostname
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if host == "localhost" or host.endswith(".localhost") or host.endswith(".internal"):
            raise ValidationError({"url": _("La URL no puede apuntar a este servidor ni a una red interna.")}) from None
        return
    if address.is_private or address.is_loopback or address.is_link_local or address.is_reserved:
        raise ValidationError({"url": _("La URL no puede apuntar a este servidor ni a una red interna.")})


def check_events(events):
    unknown = sorted(set(events) - set(EventType.values))
    if not events or unknown:
        raise ValidationError({"events": _("Eventos desconocidos: %(e)s. Se admiten: %(ok)s.") % {
            "e": ", ".join(unknown) or "—", "ok": ", ".join(EventType.values)}})
    return sorted(set(events))


def subscription_create(*, integration, url, events, acting_user, scope_user=None):
    """Returns (subscription, secret): the secret signs every delivery and is shown only now."""
    check_url(url)
    events = check_events(events)
    secret = "whsec_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        subscription = Subscription.objects.create(integration=integration, url=url, events=events, secret=secret,
                                                   scope_user=scope_user, created_by=acting_user)
        audit_record(actor=acting_user, action=AuditAction.CREATE, obj=subscription, summary=_("Webhook creado"),
                     after={"integracion": integration.name, "url": url, "eventos": events})
    return subscription, secret


def subscription_update(*, subscription, acting_user, url=None, events=None, active=None):
    with transaction.atomic():
        before = {"url": subscription.url, "eventos": subscription.events, "estado": subscription.state}
        fields = []
        if url is not None and url != subscription.url:
            check_url(url)
            subscription.url = url
            fields.append("url")
        if events is not None:
            subscription.events = check_events(events)
            fields.append("events")
        if fields:
            subscription.save(update_fields=fields)
        if active is True and subscription.state != SubscriptionState.ACTIVE:
            sender.subscription_resume(subscription=subscription, acting_user=acting_user)
        elif active is False and subscription.state == SubscriptionState.ACTIVE:
            sender.subscription_pause(subscription=subscription, reason=_("Pausada por la integración"),
                                      acting_user=acting_user)
        subscription.refresh_from_db()
        after = {"url": subscription.url, "eventos": subscription.events, "estado": subscription.state}
        if after != before:
            audit_record(actor=acting_user, action=AuditAction.UPDATE, obj=subscription, before=before, after=after,
                         summary=_("Webhook modificado"))
    return subscription


def subscription_disable(*, subscription, acting_user):
    """Stop for good: no new deliveries are made for it (it is kept, with its history)."""
    with transaction.atomic():
        subscription.state = Subscription.objects.values_list("state", flat=True).get(pk=subscription.pk)
        if subscription.state != SubscriptionState.DISABLED:
            SUBSCRIPTION_MACHINE.move(subscription, SubscriptionState.DISABLED, by=acting_user, reason=_("Desactivada"))
            audit_record(actor=acting_user, action=AuditAction.UPDATE, obj=subscription, summary=_("Webhook desactivado"))
    return subscription
