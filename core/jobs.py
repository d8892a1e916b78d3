"""File jobs whose worker never came (the broker lost the message) or died mid-way (the process
was killed): the sweeper of each job's app calls ``sweep_file_jobs`` so no job waits forever.

A job still queued ``stuck_after`` seconds after it was requested is queued again (a duplicate
message is harmless: the build moves queued → running first and the second move is refused). A
job running longer than its task's hard time limit (plus the same margin) has lost its worker for sure: it is failed
with a message the user can act on."""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from core.queue import enqueue
from core.statemachine import TransitionRefused

log = logging.getLogger(__name__)


def sweep_file_jobs(machine, task, *, now=None, stuck_after=None):
    """Returns (queued again, failed)."""
    model = machine.model
    now = now or timezone.now()
    stuck_after = stuck_after if stuck_after is not None else settings.FILE_JOB_STUCK_AFTER_SECONDS
    lost = list(model.objects.filter(state=model.State.QUEUED, created_at__lt=now - timedelta(seconds=stuck_after))
                .order_by("pk").values_list("pk", flat=True)[:100])
    for pk in lost:
        enqueue(task, pk)
    limit = getattr(task, "time_limit", None) or settings.CELERY_TASK_TIME_LIMIT
    dead_line = now - timedelta(seconds=limit + stuck_after)
    failed = 0
    for job in model.objects.filter(state=model.State.RUNNING, created_at__lt=dead_line).order_by("pk")[:100]:
        try:
            machine.move(job, model.State.FAILED, reason="worker lost", finished_at=now,
                         error=_("El proceso que preparaba el archivo se detuvo. Pídalo de nuevo.")[:300])
        except TransitionRefused:
            continue  # it finished meanwhile
        log.warning("%s %s: el proceso que lo preparaba se detuvo; marcado fallido", model.__name__, job.pk)
        failed += 1
    return len(lost), failed
