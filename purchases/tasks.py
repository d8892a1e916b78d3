from celery import shared_task

from purchases import mailbox, recheck
from purchases.models import Mailbox


@shared_task(name="purchases.read_mailboxes", ignore_result=True, soft_time_limit=600, time_limit=660)
def read_mailboxes_task():
    """Read every active mailbox (each claimed, so two workers never read the same one)."""
    read = 0
    for box in Mailbox.objects.filter(active=True).select_related("company"):
        read += len(mailbox.mailbox_read(mailbox=box))
    return {"mails": read}


@shared_task(name="purchases.recheck", ignore_result=True, soft_time_limit=900, time_limit=960)
def recheck_task():
    return recheck.recheck()


@shared_task(name="purchases.read_mailbox", ignore_result=True, soft_time_limit=600, time_limit=660)
def read_mailbox_task(mailbox_id):
    box = Mailbox.objects.filter(pk=mailbox_id, active=True).select_related("company").first()
    return {"mails": len(mailbox.mailbox_read(mailbox=box))} if box else {"mails": 0}


@shared_task(name="purchases.intake_chunk", acks_late=True, ignore_result=True, soft_time_limit=1500, time_limit=1560)
def intake_chunk_task(chunk_id):
    from purchases import batches  # noqa: PLC0415 - batches imports this module (its task)

    return batches.chunk_process(chunk_id)


@shared_task(name="purchases.sweep_batches", ignore_result=True)
def sweep_batches_task():
    from purchases import batches  # noqa: PLC0415 - batches imports this module (its task)

    return {"requeued": batches.sweep()}
