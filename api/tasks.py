from celery import shared_task
from django.conf import settings
from django.utils import timezone

from api.models import IdempotentRequest


@shared_task(name="api.sweep", ignore_result=True)
def sweep_task():
    """Forget the Idempotency-Key answers older than API_IDEMPOTENCY_HOURS (a key is free again)."""
    horizon = timezone.now() - timezone.timedelta(hours=settings.API_IDEMPOTENCY_HOURS)
    deleted, _kinds = IdempotentRequest.objects.filter(created_at__lt=horizon).delete()
    return deleted
