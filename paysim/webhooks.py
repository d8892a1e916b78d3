"""Delivering the webhooks paysim queued (core.emit): due, not lost, not yet answered 2xx; a
failed attempt is retried later, up to PAYSIM_WEBHOOK_MAX_ATTEMPTS. Run by the `serve`
supervisor in a thread, and on demand by POST /_paysim/webhooks/deliver."""

import logging
from datetime import timedelta

import httpx
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from paysim.models import Delivery

log = logging.getLogger(__name__)


def deliver_due(limit=100):
    """Send what is due now, oldest due first; returns how many were answered 2xx."""
    now = timezone.now()
    due = list(Delivery.objects.filter(lost=False, delivered_at__isnull=True, due_at__lte=now,
                                       attempts__lt=settings.PAYSIM_WEBHOOK_MAX_ATTEMPTS)
               .exclude(url="").order_by("due_at", "id")[:limit])
    ok = 0
    with httpx.Client(timeout=5.0) as client:
        for d in due:
            # Claim it (another deliverer may be running: the CLI's and the supervisor's).
            if not Delivery.objects.filter(pk=d.pk, delivered_at__isnull=True, attempts=d.attempts).update(
                    attempts=d.attempts + 1, due_at=timezone.now() + timedelta(seconds=settings.PAYSIM_WEBHOOK_RETRY_SECONDS)):
                continue
            try:
                response = client.post(d.url, content=d.body.encode(), headers=d.headers)
                status = response.status_code
            except httpx.HTTPError:
                status = 0
            fields = {"last_status": status}
            if 200 <= status < 300:
                fields["delivered_at"] = timezone.now()
                ok += 1
            Delivery.objects.filter(pk=d.pk).update(**fields)
    return ok


def loop(stop, interval=0.2):
    while not stop.is_set():
        try:
            deliver_due()
        except Exception:  # the loop must survive a bad row or a locked database
            log.exception("paysim: entrega de webhooks")
        finally:
            close_old_connections()
        stop.wait(interval)
