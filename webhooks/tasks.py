from celery import shared_task

from core.queue import enqueue
from webhooks import sender


@shared_task(name="webhooks.deliver", acks_late=True, ignore_result=True, soft_time_limit=300, time_limit=330)
def deliver_task(stream_id):
    """Send one stream's due deliveries in order (a failure queues its own retry with a countdown)."""
    return sender.deliver_stream(stream_id)


@shared_task(name="webhooks.sweep", ignore_result=True)
def sweep_task():
    """Queue the streams with a delivery due whose message was lost (or whose retry was dropped)."""
    due = sender.due_streams()
    for stream_id in due:
        enqueue(deliver_task, stream_id)
    return len(due)
