from celery import shared_task

from dte import pipeline


@shared_task(name="dte.transmit", acks_late=True, ignore_result=True, soft_time_limit=90, time_limit=120)
def transmit_task(outbox_id):
    return pipeline.drain(outbox_id)


@shared_task(name="dte.sweep", ignore_result=True)
def sweep_task():
    due, released = pipeline.sweep()
    return {"queued": due, "released": released}


@shared_task(name="dte.invalidate", bind=True, max_retries=20, acks_late=True, soft_time_limit=60, time_limit=90)
def invalidate_task(self, invalidation_id):
    from dte.invalidation import send
    from dte.pipeline import backoff_seconds

    if not send(invalidation_id):
        raise self.retry(countdown=backoff_seconds(self.request.retries + 1))
    return True
