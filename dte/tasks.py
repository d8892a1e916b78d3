from celery import shared_task
from django.conf import settings

from core.jobs import sweep_file_jobs
from dte import events
from dte.archive import build
from dte.delivery import auto_deliver
from dte.delivery import send as deliver
from dte.invalidation import attempts_of, invalidations_sweep
from dte.invalidation import send as send_invalidation
from dte.models import ARCHIVE_JOB_MACHINE, Document
from dte.printing import render_and_store
from dte.transmission import outbox, pipeline


@shared_task(name="dte.transmit", acks_late=True, ignore_result=True, soft_time_limit=90, time_limit=120)
def transmit_task(outbox_id):
    return pipeline.drain(outbox_id)


@shared_task(name="dte.sweep", ignore_result=True)
def sweep_task():
    due, released = outbox.sweep()
    requeued, failed = sweep_file_jobs(ARCHIVE_JOB_MACHINE, archive_task)  # ZIPs lost or left half-built
    return {"queued": due, "released": released, "archives_requeued": requeued, "archives_failed": failed}


@shared_task(name="dte.invalidate", bind=True, max_retries=20, acks_late=True, soft_time_limit=60, time_limit=90)
def invalidate_task(self, invalidation_id):
    if not send_invalidation(invalidation_id):
        # The wait grows with the record's attempts, not this message's retries: a message queued
        # again by the sweeper does not start again from the shortest wait.
        raise self.retry(countdown=outbox.backoff_seconds(attempts_of(invalidation_id)))
    return True


@shared_task(name="dte.sweep_invalidations", ignore_result=True)
def sweep_invalidations_task():
    queued, released, deferred = invalidations_sweep()
    return {"queued": queued, "released": released, "deferred": deferred}


@shared_task(name="dte.render", acks_late=True, ignore_result=True, soft_time_limit=120, time_limit=150)
def render_task(document_id, force=False):
    rendered = render_and_store(document_id, layouts=settings.DTE_PDF_LAYOUTS, force=force)
    auto_deliver(Document.objects.select_related("company", "client").get(pk=document_id))
    return len(rendered)


@shared_task(name="dte.deliver", acks_late=True, ignore_result=True, soft_time_limit=120, time_limit=150)
def deliver_task(delivery_id):
    return deliver(delivery_id)


@shared_task(name="dte.archive", acks_late=True, ignore_result=True, soft_time_limit=3600, time_limit=3700)
def archive_task(job_id):
    return build(job_id)


@shared_task(name="dte.mh_event", bind=True, max_retries=20, acks_late=True, soft_time_limit=60, time_limit=90)
def mh_event_task(self, event_id):
    """Send an Evento de Retorno or de Operaciones Especiales (dte.events), as the invalidation task."""
    if not events.send(event_id):
        raise self.retry(countdown=outbox.backoff_seconds(events.attempts_of(event_id)))
    return True
