from celery import shared_task

from bulk import services


@shared_task(acks_late=True)
def import_dry_run(job_id):
    services.import_dry_run(job_id=job_id)


@shared_task(acks_late=True)
def import_apply(job_id):
    services.import_apply(job_id=job_id)
