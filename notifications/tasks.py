"""Thin task wrappers around notifications.services (Celery)."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from notifications import events, services


@shared_task(name="notifications.send_immediate")
def send_immediate(key):
    return services.send_immediate(key=key)


@shared_task(name="notifications.sweep")
def sweep():
    """Emails whose message the broker lost (older than a minute), and holds about to expire."""
    mailed = services.send_immediate(older_than=timezone.now() - timedelta(minutes=1))
    return {"mailed": mailed, "holds": events.scan_holds()}


@shared_task(name="notifications.digest")
def digest():
    return services.send_digests()
