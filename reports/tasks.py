from celery import shared_task

from reports.jobs import build


@shared_task(name="reports.export", acks_late=True, ignore_result=True)
def export_task(job_id):
    return build(job_id)
