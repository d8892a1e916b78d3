"""A job whose worker died is not left «Revisando» forever: a redelivered message (acks_late,
reject on worker lost) finishes it, a file that keeps killing workers is failed after
BULK_MAX_ATTEMPTS deliveries, and the bulk.sweep task (and the job's page) fail jobs left
running past BULK_STUCK_AFTER_SECONDS whose row no live worker holds."""

import threading
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection, connections, transaction
from django.utils import timezone

from bulk import services
from bulk.models import ImportJob
from bulk.tests.helpers import client_row, consumer_row, dui, xlsx
from clients.models import Client


def _job(user, *, status, started_ago=None, attempts=1, **extra):
    job = ImportJob(catalogue="clientes", file_name="c.xlsx", uploaded_by=user, status=status, attempts=attempts,
                    started_at=None if started_ago is None else timezone.now() - started_ago, **extra)
    job.file.save("c.xlsx", ContentFile(xlsx([client_row(), consumer_row(dui(7), "Ana")])), save=False)
    job.save()
    return job


@pytest.mark.django_db
def test_a_message_redelivered_after_the_worker_died_finishes_the_review(users):
    # The worker died mid-review: the job says «Revisando» and the broker delivers the task again.
    job = _job(users["Administrador"], status="validating", started_ago=timedelta(seconds=5))
    services.import_dry_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "validated" and job.new == 2 and job.attempts == 2


@pytest.mark.django_db
def test_a_file_that_keeps_killing_workers_is_failed_not_retried_forever(users, settings):
    settings.BULK_MAX_ATTEMPTS = 2
    job = _job(users["Administrador"], status="validating", started_ago=timedelta(seconds=5), attempts=2)
    services.import_dry_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "detuvo 2 veces" in job.message and "Nada se cambió" in job.message


@pytest.mark.django_db
def test_a_redelivered_application_applies_once(users):
    job = _job(users["Administrador"], status="applying", started_ago=timedelta(seconds=5),
               applied_by=users["Administrador"])
    services.import_apply(job_id=job.pk)
    services.import_apply(job_id=job.pk)  # a duplicate delivery after it finished
    job.refresh_from_db()
    assert job.status == "applied" and Client.objects.count() == 2 and job.attempts == 2


@pytest.mark.django_db
def test_the_sweep_fails_jobs_left_running_and_leaves_fresh_ones(users, settings):
    settings.BULK_STUCK_AFTER_SECONDS = 300
    old_review = _job(users["Administrador"], status="validating", started_ago=timedelta(minutes=6))
    old_apply = _job(users["Administrador"], status="applying", started_ago=timedelta(minutes=6))
    fresh = _job(users["Administrador"], status="validating", started_ago=timedelta(minutes=1))
    done = _job(users["Administrador"], status="validated", started_ago=timedelta(hours=2))
    from bulk.tasks import sweep

    sweep()
    for job in (old_review, old_apply, fresh, done):
        job.refresh_from_db()
    assert old_review.status == "failed" and "La revisión se interrumpió" in old_review.message
    assert old_apply.status == "failed" and "nada se aplicó" in old_apply.message
    assert (fresh.status, done.status) == ("validating", "validated")


@pytest.mark.django_db
def test_the_job_page_notices_a_dead_worker(users, client_as):
    job = _job(users["Administrador"], status="validating", started_ago=timedelta(hours=1))
    page = client_as(users["Administrador"]).get(f"/cargas/clientes/{job.public_id}/").content.decode()
    job.refresh_from_db()
    assert job.status == "failed" and "La revisión se interrumpió" in page


@pytest.mark.django_db(transaction=True)
def test_a_long_run_whose_worker_lives_is_not_failed(users, settings):
    """A live worker holds the job's row lock for its whole run: the sweep passes over it."""
    settings.BULK_STUCK_AFTER_SECONDS = 60
    job = _job(users["Administrador"], status="validating", started_ago=timedelta(hours=1))
    locked, release = threading.Event(), threading.Event()

    def worker():
        try:
            with transaction.atomic():
                ImportJob.objects.select_for_update().get(pk=job.pk)
                locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert locked.wait(30)
        assert connection.vendor != "postgresql" or services.import_fail_stuck() == 0
    finally:
        release.set()
        thread.join(30)
    job.refresh_from_db()
    if connection.vendor == "postgresql":
        assert job.status == "validating"
    assert services.import_fail_stuck() == 1  # once the worker's transaction is gone


def test_the_sweep_is_in_the_beat_schedule():
    from billing.celery import app

    assert any(entry["task"] == "bulk.sweep" for entry in app.conf.beat_schedule.values())


@pytest.mark.django_db
def test_the_sweep_queues_again_a_review_whose_message_was_lost(users, settings, monkeypatch):
    settings.BULK_STUCK_AFTER_SECONDS = 300
    lost = _job(users["Administrador"], status="queued", started_ago=timedelta(minutes=6))
    fresh = _job(users["Administrador"], status="queued", started_ago=timedelta(minutes=1))
    ImportJob.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=6))
    sent = []
    monkeypatch.setattr(services, "enqueue", lambda task, pk: sent.append((task.name, pk)))
    assert services.import_requeue_lost() == 1
    assert sent == [("bulk.tasks.import_dry_run", lost.pk)] and fresh.pk not in [pk for _n, pk in sent]
