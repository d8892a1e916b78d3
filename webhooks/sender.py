"""Sending deliveries: signed, in order per stream, retried with backoff for up to a day.

Ordering and once-only: a stream (one subject for one subscription) is sent by one worker at a
time, holding a claim on its row (a conditional UPDATE with an expiry, so a dead worker's claim
lapses). The worker takes the stream's lowest delivery not yet delivered; only when the
subscriber answered it with a 2xx does it go on to the next. A failure leaves it first in line
with its next attempt set by the backoff: nothing after it leaves before it succeeds. A delivery
is marked delivered in the same statement that checks it was still pending, so a replayed
message or a second worker cannot send it twice.

Signature: ``Facturador-Signature: v1=<hex>``, the HMAC-SHA256 of ``"<timestamp>.<body>"`` with
the subscription's secret, ``<timestamp>`` being ``Facturador-Timestamp`` (Unix seconds). The
receiver recomputes it over the raw body (README, "Webhooks"; examples/verify_webhook.py)."""

import hashlib
import hmac
import json
import logging
import random
import time
from datetime import timedelta

import httpx
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.queue import call_on_commit, enqueue_on_commit
from core.statemachine import TransitionRefused
from webhooks.models import (
    DELIVERY_MACHINE,
    SUBSCRIPTION_MACHINE,
    Attempt,
    Delivery,
    DeliveryState,
    Stream,
    Subscription,
    SubscriptionState,
)

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "Facturador-Signature"
TIMESTAMP_HEADER = "Facturador-Timestamp"
EVENT_HEADER = "Facturador-Event"
EVENT_ID_HEADER = "Facturador-Event-Id"
SEQUENCE_HEADER = "Facturador-Sequence"
EXCERPT = 500

# Tests put an httpx transport here (a subscriber that is down, then up); None: the network.
transport = None


def sign(secret, timestamp, body):
    """The ``v1`` signature of ``body`` (bytes) sent at ``timestamp`` (int seconds)."""
    message = str(int(timestamp)).encode() + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def body_of(delivery):
    event = delivery.event
    return json.dumps({"id": str(event.public_id), "type": event.kind, "created_at": event.created_at.isoformat(),
                       "stream": event.stream, "sequence": delivery.sequence, "data": event.payload},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def backoff_seconds(attempts):
    """Capped exponential backoff with jitter: 30 s, 1 min, 2 min… up to an hour."""
    base = settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1)
    ceiling = min(settings.WEBHOOK_RETRY_MAX_SECONDS, base)
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not a secret


def _lease():
    return timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS * 3 + 30)


def _claim(stream_id, now):
    return Stream.objects.filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now), pk=stream_id).update(
        claimed_until=now + _lease()) == 1


def deliver_stream(stream_id, *, now=None):
    """Send what is due in one stream, in order, until a failure or nothing due. Returns the
    seconds until its next attempt is due (a failure waiting for its backoff), or None."""
    now = now or timezone.now()
    for _round in range(3):
        if not _claim(stream_id, now):
            return None  # another worker holds it and sends what is due
        try:
            wait = _send_in_order(stream_id, now)
        finally:
            Stream.objects.filter(pk=stream_id).update(claimed_until=None)
        # An event that arrived while the claim was held found the stream taken: look once more.
        if wait is not None or not _due(stream_id, now):
            return wait
    return None


def _due(stream_id, now):
    first = (Delivery.objects.filter(stream_id=stream_id).exclude(state=DeliveryState.DELIVERED).order_by("sequence")
             .values_list("state", "next_attempt_at", "subscription__state").first())
    return bool(first) and first[0] == DeliveryState.PENDING and first[1] <= now and first[2] == SubscriptionState.ACTIVE


def _send_in_order(stream_id, now):
    while True:
        delivery = (Delivery.objects.select_related("event", "subscription").filter(stream_id=stream_id)
                    .exclude(state=DeliveryState.DELIVERED).order_by("sequence").first())
        if delivery is None or delivery.state != DeliveryState.PENDING:
            return None  # all sent, or the first is given up (its subscription is paused)
        if delivery.subscription.state != SubscriptionState.ACTIVE:
            return None
        if delivery.next_attempt_at > now:
            return (delivery.next_attempt_at - now).total_seconds()
        if not _attempt(delivery, now):
            delivery.refresh_from_db(fields=["next_attempt_at", "state"])
            if delivery.state != DeliveryState.PENDING:
                return None
            return (delivery.next_attempt_at - now).total_seconds()


def _attempt(delivery, now):
    subscription = delivery.subscription
    body = body_of(delivery)
    timestamp = int(now.timestamp())
    headers = {"Content-Type": "application/json", "User-Agent": "Facturador-Webhooks/1",
               EVENT_HEADER: delivery.event.kind, EVENT_ID_HEADER: str(delivery.event.public_id),
               SEQUENCE_HEADER: str(delivery.sequence), TIMESTAMP_HEADER: str(timestamp),
               SIGNATURE_HEADER: f"v1={sign(subscription.secret, timestamp, body)}"}
    started = time.monotonic()
    status, excerpt, error = None, "", ""
    try:
        with httpx.Client(timeout=settings.WEBHOOK_TIMEOUT_SECONDS, transport=transport, follow_redirects=False) as http:
            response = http.post(subscription.url, content=body, headers=headers)
        status, excerpt = response.status_code, response.text[:EXCERPT]
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    duration = int((time.monotonic() - started) * 1000)
    ok = status is not None and 200 <= status < 300
    with transaction.atomic():
        Attempt.objects.create(delivery=delivery, at=now, status_code=status, body_excerpt=excerpt, error=error,
                               duration_ms=duration)
        if ok:
            try:
                DELIVERY_MACHINE.move(delivery, DeliveryState.DELIVERED, attempts=F("attempts") + 1, delivered_at=now,
                                      last_status=status, last_error="")
            except TransitionRefused:
                pass  # replayed meanwhile from the admin: it goes again, as asked
            Subscription.objects.filter(pk=subscription.pk).update(last_success_at=now)
            return True
        _failed(delivery, now, status, error or _("Respuesta %(s)s") % {"s": status})
    return False


def _failed(delivery, now, status, error):
    first = delivery.first_failure_at or now
    attempts = delivery.attempts + 1
    if now - first >= timedelta(hours=settings.WEBHOOK_GIVE_UP_HOURS):
        DELIVERY_MACHINE.move(delivery, DeliveryState.FAILED, attempts=attempts, first_failure_at=first,
                              last_status=status, last_error=error[:300])
        subscription_pause(subscription=delivery.subscription, reason=_(
            "Sin respuesta correcta durante %(h)d horas: %(e)s") % {"h": settings.WEBHOOK_GIVE_UP_HOURS, "e": error[:200]})
        return
    wait = backoff_seconds(attempts)
    Delivery.objects.filter(pk=delivery.pk).update(attempts=attempts, first_failure_at=first, last_status=status,
                                                   last_error=error[:300], next_attempt_at=now + timedelta(seconds=wait))
    from webhooks.tasks import deliver_task  # noqa: PLC0415 - cycle: webhooks.tasks wraps this module

    enqueue_on_commit(deliver_task, delivery.stream_id, countdown=wait)


def subscription_pause(*, subscription, reason, acting_user=None):
    """Stop sending (deliveries keep accumulating) and tell the integration's contact by email."""
    subscription.state = Subscription.objects.values_list("state", flat=True).get(pk=subscription.pk)
    try:
        SUBSCRIPTION_MACHINE.move(subscription, SubscriptionState.PAUSED, by=acting_user, reason=reason[:500],
                                  pause_reason=reason[:300], paused_at=timezone.now())
    except TransitionRefused:
        return False
    if acting_user is None:
        call_on_commit(_tell_owner, subscription.pk, reason)
    return True


def _tell_owner(subscription_id, reason):
    subscription = Subscription.objects.select_related("integration").get(pk=subscription_id)
    contact = subscription.integration.contact_email
    if not contact:
        return
    send_mail(
        subject=_("Webhook pausado: %(u)s") % {"u": subscription.url[:80]},
        message=_("Facturador dejó de enviar eventos a %(u)s (integración «%(i)s»).\n\nMotivo: %(r)s\n\nLos eventos "
                  "siguen guardándose y se enviarán en orden cuando se reanude la suscripción (admin → Suscripciones "
                  "de webhook → Reanudar, o PATCH /api/v1/webhooks/%(id)d/ con {\"active\": true}).") % {
            "u": subscription.url, "i": subscription.integration.name, "r": reason, "id": subscription.pk},
        from_email=None, recipient_list=[contact], fail_silently=True)


def subscription_resume(*, subscription, acting_user=None):
    """Send again: given-up deliveries go back in line, first in their streams, due now."""
    with transaction.atomic():
        subscription.state = Subscription.objects.values_list("state", flat=True).get(pk=subscription.pk)
        if subscription.state != SubscriptionState.ACTIVE:
            SUBSCRIPTION_MACHINE.move(subscription, SubscriptionState.ACTIVE, by=acting_user, reason=_("Reanudada"),
                                      pause_reason="", paused_at=None)
        now = timezone.now()
        DELIVERY_MACHINE.move_many(Delivery.objects.filter(subscription=subscription, state=DeliveryState.FAILED),
                                   DeliveryState.PENDING, by=acting_user, reason=_("Reanudada"), next_attempt_at=now,
                                   first_failure_at=None)
        Delivery.objects.filter(subscription=subscription, state=DeliveryState.PENDING).update(
            next_attempt_at=now, first_failure_at=None)
        _queue_streams(Stream.objects.filter(subscription=subscription, deliveries__state=DeliveryState.PENDING))
    return subscription


def delivery_replay(*, delivery, acting_user):
    """Send one delivery again (from the admin): back in line, due now. The receiver recognises a
    repeat by Facturador-Event-Id."""
    with transaction.atomic():
        delivery.state = Delivery.objects.values_list("state", flat=True).get(pk=delivery.pk)
        if delivery.state != DeliveryState.PENDING:
            DELIVERY_MACHINE.move(delivery, DeliveryState.PENDING, by=acting_user, reason=_("Reenvío desde el admin"),
                                  next_attempt_at=timezone.now(), first_failure_at=None)
        else:
            Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        from webhooks.tasks import deliver_task  # noqa: PLC0415 - cycle: webhooks.tasks wraps this module

        enqueue_on_commit(deliver_task, delivery.stream_id)


def _queue_streams(streams):
    from webhooks.tasks import deliver_task  # noqa: PLC0415 - cycle: webhooks.tasks wraps this module

    for stream_id in set(streams.values_list("pk", flat=True)):
        enqueue_on_commit(deliver_task, stream_id)


def due_streams(*, now=None, limit=500):
    """Streams whose first undelivered delivery is due, of active subscriptions, not claimed: what
    the sweeper queues (a lost message, a retry whose countdown was dropped)."""
    now = now or timezone.now()
    return list(Stream.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now), subscription__state=SubscriptionState.ACTIVE,
        deliveries__state=DeliveryState.PENDING, deliveries__next_attempt_at__lte=now)
        .values_list("pk", flat=True).distinct()[:limit])


def deliver_due(*, now=None):
    """Every due stream, here and now (the tests' clock, and a worker-free run)."""
    for stream_id in due_streams(now=now):
        deliver_stream(stream_id, now=now)
