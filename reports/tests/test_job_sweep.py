"""No export waits forever: one whose message the broker lost is queued again, one whose worker
died is failed with a message the user can act on (and its history says so); a job that is
simply young, or finished, is left alone."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from core.jobs import sweep_file_jobs
from reports.models import EXPORT_JOB_MACHINE, ExportJob


class FakeTask:
    """Stands where a Celery task would: records what would have been sent."""

    name = "reports.export"
    time_limit = 600

    def __init__(self):
        self.sent = []

    def apply_async(self, args, kwargs=None, **options):
        self.sent.append(args)


def _job(user, state, age_seconds):
    job = ExportJob.objects.create(public_id=uuid.uuid4(), requested_by=user, state=state, report="ventas",
                                   title="Ventas", fmt="csv")
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(seconds=age_seconds))
    return job


@pytest.mark.django_db
def test_lost_exports_are_queued_again_and_dead_ones_failed(users, settings):
    settings.FILE_JOB_STUCK_AFTER_SECONDS = 300
    user = users["Contador"]
    lost = _job(user, "queued", 301)
    young = _job(user, "queued", 60)
    dead = _job(user, "running", 600 + 300 + 1)  # past the task's limit plus the margin
    busy = _job(user, "running", 600)  # may still be working
    done = _job(user, "done", 10_000)
    task = FakeTask()

    assert sweep_file_jobs(EXPORT_JOB_MACHINE, task) == (1, 1)

    assert task.sent == [(lost.pk,)]
    dead.refresh_from_db()
    assert dead.state == "failed" and "Pídalo de nuevo" in dead.error and dead.finished_at is not None
    assert [(h.from_state, h.to_state, h.reason) for h in EXPORT_JOB_MACHINE.history_of(dead)] == [
        ("running", "failed", "worker lost")]
    for job, state in ((young, "queued"), (busy, "running"), (done, "done"), (lost, "queued")):
        job.refresh_from_db()
        assert job.state == state
