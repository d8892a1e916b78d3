from celery import shared_task

from dte import pipeline


@shared_task(name="dte.transmit", acks_late=True, soft_time_limit=90, time_limit=120)
def transmit_task(outbox_id):
    return pipeline.transmit(outbox_id)


@shared_task(name="dte.sweep")
def sweep_task():
    due, released = pipeline.sweep()
    return {"queued": due, "released": released}
