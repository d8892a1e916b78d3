"""Thin wrappers: the run, the staff statement, the schedule. Each takes an id and is harmless
twice (the run's claim and the statement's stored-once UPDATE)."""

from celery import shared_task

from core.queue import enqueue_on_commit
from timesheets import links, paper, services


@shared_task(name="timesheets.run", acks_late=True, ignore_result=True, soft_time_limit=3500, time_limit=3600)
def run_task(run_id):
    run = services.run_execute(run_id)
    return run.state if run is not None else None


@shared_task(name="timesheets.statement", acks_late=True, ignore_result=True, soft_time_limit=120, time_limit=150)
def statement_task(item_id):
    item = paper.statement_store(item_id)
    enqueue_on_commit(statement_mail_task, item.pk)
    return item.file.name


@shared_task(name="timesheets.statement_mail", acks_late=True, ignore_result=True, soft_time_limit=120, time_limit=150)
def statement_mail_task(item_id):
    from timesheets.models import RunItem  # noqa: PLC0415 - models load after the task module is imported

    item = RunItem.objects.select_related("run__point_of_sale__establishment__company", "employee").get(pk=item_id)
    link = links.link_create(item=item)
    paper.statement_message(item, links.link_url(link)).send(fail_silently=False)


@shared_task(name="timesheets.schedule", ignore_result=True)
def schedule_task():
    """Beat fires this on the 1st and 16th (billing.celery): the half-month just ended runs once."""
    return [run.pk for run, _created in services.scheduled_runs()]
