from celery import shared_task

from core.jobs import sweep_file_jobs
from reports.jobs import build
from reports.models import EXPORT_JOB_MACHINE


@shared_task(name="reports.export", acks_late=True, ignore_result=True)
def export_task(job_id):
    return build(job_id)


@shared_task(name="reports.sweep", ignore_result=True)
def sweep_task():
    """Exports whose message was lost are queued again; those whose worker died are failed."""
    requeued, failed = sweep_file_jobs(EXPORT_JOB_MACHINE, export_task)
    return {"requeued": requeued, "failed": failed}
