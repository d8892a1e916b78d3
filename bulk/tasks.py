from celery import shared_task

from bulk import services


@shared_task(acks_late=True)
def import_dry_run(job_id):
    services.import_dry_run(job_id=job_id)


@shared_task(acks_late=True)
def import_apply(job_id):
    services.import_apply(job_id=job_id)


@shared_task(name="bulk.sweep", ignore_result=True)
def sweep():
    """Jobs whose worker died are failed with a clear message; reviews whose message was lost are
    queued again (beat: billing/celery.py)."""
    services.import_fail_stuck()
    services.import_requeue_lost()
