"""The outbox: the row issuing writes in its own transaction, so an issued document can never be
forgotten (facts §3, "Retry policy"). Claimed with a conditional UPDATE (one worker per row),
handed to the broker after commit, re-queued with capped exponential backoff, and swept: a
periodic sweeper re-queues rows that are due and rows whose worker died while holding them, so a
lost broker message or a killed worker delays a document but never loses it."""

import datetime
import random

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.queue import enqueue
from core.statemachine import Machine
from dte import delivery
from dte.models import GovStatus, Outbox, OutboxState
from dte.transitions import transition

# The outbox's transition table: every move is one conditional UPDATE with a core.StateChange
# history row (core.statemachine). Pending rows are claimed by a worker, held for a contingency lot
# or settled meanwhile; a claimed row ends done, stopped (a permanent failure), back to pending (a
# retry, or a dead worker's row released) or held; stopped and done rows are queued again by hand
# (retransmit, a corrected document); held rows go back to one-by-one sending or are settled.
OUTBOX = Machine(Outbox, {
    OutboxState.PENDING: [OutboxState.CLAIMED, OutboxState.HELD, OutboxState.DONE],
    OutboxState.CLAIMED: [OutboxState.PENDING, OutboxState.DONE, OutboxState.STOPPED, OutboxState.HELD],
    OutboxState.STOPPED: [OutboxState.PENDING, OutboxState.HELD, OutboxState.DONE],
    OutboxState.HELD: [OutboxState.PENDING, OutboxState.DONE],
    OutboxState.DONE: [OutboxState.PENDING, OutboxState.HELD],
})


def move(rows, to, **fields):
    """Move the outbox rows of ``rows`` (a queryset) that may make the move to ``to``, saving
    ``fields`` with it, each with its history row. Returns how many moved."""
    return len(OUTBOX.move_many(rows, to, **fields))


def requeue(outbox, to, **fields):
    """A row queued again from wherever it stands (retransmit, a corrected document): a row
    already in ``to`` only takes ``fields``."""
    if outbox.state == to:
        Outbox.objects.filter(pk=outbox.pk).update(**fields)
    else:
        move(Outbox.objects.filter(pk=outbox.pk, state=outbox.state), to, **fields)
    outbox.state = to


def backoff_seconds(attempt, *, base=None, cap=None, rng=random):
    """Capped exponential backoff with full jitter: attempt 1 → up to base, then doubling."""
    base = base or settings.DTE_RETRY_BASE_SECONDS
    cap = cap or settings.DTE_RETRY_MAX_SECONDS
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


def claim(outbox_id, *, now=None):
    now = now or timezone.now()
    return move(Outbox.objects.filter(pk=outbox_id, state=OutboxState.PENDING, available_at__lte=now),
                OutboxState.CLAIMED, claimed_at=now, attempts=F("attempts") + 1) == 1


def claim_next(now):
    """Claim the oldest due row nobody holds (SKIP LOCKED, so workers never wait on each other),
    inside the caller's transaction. Returns its id or None."""
    pk = (Outbox.objects.select_for_update(skip_locked=True).filter(state=OutboxState.PENDING, available_at__lte=now)
          .order_by("available_at").values_list("pk", flat=True).first())
    return pk if pk is not None and claim(pk, now=now) else None


def enqueue_transmit(outbox_id, countdown=None):
    """Hand the row to the broker. If the broker is unreachable the document is already safe in
    the outbox: the sweeper queues it when the broker is back (nothing is raised to the user)."""
    from dte.tasks import transmit_task  # noqa: PLC0415 - cycle: dte.tasks imports the pipeline

    enqueue(transmit_task, outbox_id, countdown=countdown)


def queue_after_commit(outbox_id):
    transaction.on_commit(lambda: enqueue_transmit(outbox_id))


def sweep(*, now=None):
    """Re-queue what is due but was not sent (a lost message) and what a dead worker held.
    Returns (requeued due rows, released stuck rows)."""
    now = now or timezone.now()
    stuck_before = now - datetime.timedelta(seconds=settings.DTE_CLAIM_TIMEOUT_SECONDS)
    released = 0
    for outbox in Outbox.objects.filter(state=OutboxState.CLAIMED, claimed_at__lt=stuck_before).select_related("document"):
        with transaction.atomic():
            if move(Outbox.objects.filter(pk=outbox.pk, state=OutboxState.CLAIMED, claimed_at__lt=stuck_before),
                    OutboxState.PENDING, available_at=now) != 1:
                continue
            doc = outbox.document
            if doc.status == GovStatus.TRANSMITTING:
                # The worker died mid-way: it may have reached MH. Only a query will tell.
                transition(doc, GovStatus.IN_DOUBT, reason=_("El proceso que transmitía se detuvo"))
        released += 1
    # Due rows older than a grace period (the normal path queues them right after commit).
    grace = now - datetime.timedelta(seconds=settings.DTE_SWEEP_GRACE_SECONDS)
    due = list(Outbox.objects.filter(state=OutboxState.PENDING, available_at__lte=grace)
               .order_by("available_at").values_list("pk", flat=True)[:settings.DTE_SWEEP_BATCH])
    for pk in due:
        enqueue_transmit(pk)
    delivery.deliveries_sweep(now=now)
    return len(due), released
