from celery import shared_task


@shared_task(name="reports.export", acks_late=True, ignore_result=True)
def export_task(job_id):
    from reports.jobs import build

    return build(job_id)
