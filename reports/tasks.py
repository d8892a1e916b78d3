from celery import shared_task


@shared_task(name="reports.export", acks_late=True, ignore_result=True)
def export_task(job_id):
    from reports.jobs import build  # noqa: PLC0415 - cycle: reports.jobs queues this task

    return build(job_id)
