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


def _round_trip(redis_url, broker_url):
    """A real worker on its own queue, a message through ``broker_url``, the result back through Redis."""
    from celery import Celery

    from accounts.models import Role

    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ, REDIS_URL=redis_url, CELERY_BROKER_URL=broker_url, CELERY_TASK_DEFAULT_QUEUE=queue,
               DJANGO_SETTINGS_MODULE="billing.settings")
    if connection.vendor == "postgresql":
        db = settings.DATABASES["default"]
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    # On SQLite the test database lives in memory: the worker cannot see it, only the broker is checked.
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "billing", "worker", "--pool=solo", "--concurrency=1",
         "-Q", queue, "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        cwd=BASE, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        # not the current app: shared tasks sent later by other tests must keep going through billing.celery
        client = Celery("test-client", broker=broker_url, backend=redis_url, set_as_current=False)
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
    return out


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_consumes_a_task_from_the_configured_broker(redis_url, roles):
    """Redis by default; the configured broker when CELERY_BROKER_URL names another (RabbitMQ)."""
    broker = settings.CELERY_BROKER_URL if settings.CELERY_BROKER_URL != "filesystem://" else redis_url
    _round_trip(redis_url, broker)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_consumes_a_task_through_rabbitmq(redis_url, rabbitmq_url, roles):
    out = _round_trip(redis_url, rabbitmq_url)
    assert "amqp://" in out  # the worker's banner: connected to RabbitMQ, not Redis


def test_celery_broker_url_overrides_redis_for_the_broker_only():
    script = ("import django; django.setup(); from django.conf import settings; "
              "print(settings.CELERY_BROKER_URL, settings.CELERY_RESULT_BACKEND, settings.CACHES['default']['LOCATION'])")
    env = dict(os.environ, REDIS_URL="redis://127.0.0.1:6379/3", CELERY_BROKER_URL="amqp://u:p@rabbit:5672//",
               DJANGO_SETTINGS_MODULE="billing.settings")
    out = subprocess.run([sys.executable, "-c", script], cwd=BASE, env=env, capture_output=True, text=True,
                         timeout=120).stdout.split()
    assert out == ["amqp://u:p@rabbit:5672//", "redis://127.0.0.1:6379/3", "redis://127.0.0.1:6379/3"]
