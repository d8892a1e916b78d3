"""A real Celery worker process consuming a task from Redis (and reaching the same database)."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

BASE = Path(__file__).resolve().parents[2]


def test_celery_configuration_is_safe():
    from billing.celery import app

    conf = app.conf
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.task_acks_late and conf.worker_prefetch_multiplier == 1
    assert conf.task_time_limit and conf.task_soft_time_limit < conf.task_time_limit
    assert "clear-expired-sessions" in conf.beat_schedule


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_consumes_a_task_from_redis(redis_url, roles):
    from celery import Celery

    from accounts.models import Role

    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ, REDIS_URL=redis_url, CELERY_TASK_DEFAULT_QUEUE=queue, DJANGO_SETTINGS_MODULE="billing.settings")
    if connection.vendor == "postgresql":
        db = settings.DATABASES["default"]
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    # On SQLite the test database lives in memory: the worker cannot see it, only Redis is checked.
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "billing", "worker", "--pool=solo", "--concurrency=1",
         "-Q", queue, "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        cwd=BASE, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        # not the current app: shared tasks sent later by other tests must keep going through billing.celery
        client = Celery("test-client", broker=redis_url, backend=redis_url, set_as_current=False)
        client.conf.update(task_serializer="json", accept_content=["json"], result_serializer="json")
        nonce = uuid.uuid4().hex
        result = client.send_task("accounts.tasks.worker_ping", args=[nonce], queue=queue)
        value = result.get(timeout=60)
        assert value["nonce"] == nonce
        if connection.vendor == "postgresql":
            assert value["roles"] == Role.objects.count() == 5  # the worker read our test database
    finally:
        worker.terminate()
        try:
            out, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            out, _ = worker.communicate()
    assert "accounts.tasks.worker_ping" in out and "succeeded" in out
