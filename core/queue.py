"""Queue a Celery task once the current transaction commits, surviving a dead broker.

The row that says the work must be done (an outbox row, a job in state "queued") is written in
the transaction; the message to the broker is only a wake-up call. If the broker is unreachable
the message is dropped with a warning and the periodic sweeper of that work picks the row up
later: nothing is raised to the user, whose change has already committed."""

import logging

from django.db import transaction

from core.logging import REQUEST_ID_HEADER, current_request_id

log = logging.getLogger(__name__)


def enqueue(task, *args, countdown=None, queue=None, request_id=None, **kwargs):
    """Send ``task`` now; False (logged) when the broker cannot take it. The id of the request (or
    task) that queues it travels in the message's headers, so the task's log lines carry it."""
    options = {"retry": False}
    request_id = request_id or current_request_id()
    if request_id:
        options["headers"] = {REQUEST_ID_HEADER: request_id}
    if countdown is not None:
        options["countdown"] = countdown
    if queue is not None:
        options["queue"] = queue
    try:
        task.apply_async(args, kwargs or None, **options)
    except Exception:  # noqa: BLE001 - any broker failure: logged, the task's sweeper recovers
        log.warning("no se pudo encolar %s%s; el barrido lo reintentará", getattr(task, "name", task), args,
                    exc_info=True)
        return False
    return True


def enqueue_on_commit(task, *args, countdown=None, queue=None, **kwargs):
    """Send ``task`` after the current transaction commits (at once outside one)."""
    request_id = current_request_id()  # the request's, taken now: on_commit may run after it is unbound
    transaction.on_commit(lambda: enqueue(task, *args, countdown=countdown, queue=queue, request_id=request_id,
                                          **kwargs))


def call_on_commit(func, *args, **kwargs):
    """Run ``func`` after commit, logging instead of raising: for after-commit work that is not a
    task (forgetting a cache key, starting a local timer)."""

    def run():
        try:
            func(*args, **kwargs)
        except Exception:  # noqa: BLE001 - the change committed; the failure is logged, not raised
            log.warning("tras confirmar: %s falló", getattr(func, "__name__", func), exc_info=True)

    transaction.on_commit(run)
