"""Liveness and readiness: each readiness failure is seen, named, and turns the answer to 503."""

import time

import pytest
from django.core.cache import cache
from django.db import connection

from billing import health
from billing.beat import BEAT_TICK_KEY
from billing.metrics import HEARTBEAT_KEY, SNAPSHOT_KEY, watched_queues


@pytest.fixture
def alive(settings, tmp_path):
    """Everything healthy: a worker of every queue and beat just ticked, media on a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.HEALTH_MEDIA_MIN_FREE_MB = 1
    for queue in watched_queues():
        cache.set(HEARTBEAT_KEY.format(queue=queue), time.time())
    cache.set(BEAT_TICK_KEY, time.time())
    cache.delete(SNAPSHOT_KEY)
    health._migrated = False
    yield
    health._migrated = False


def ready(client):
    response = client.get("/salud/listo/")
    body = response.json()
    return response.status_code, body["status"], {name: check["ok"] for name, check in body["checks"].items()}, body


@pytest.mark.django_db
def test_liveness_asks_nothing_else(client, monkeypatch):
    monkeypatch.setattr(health, "check_database", lambda: 1 / 0)
    response = client.get("/salud/vivo/")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_ready_when_everything_answers(client, alive, redis_url):
    status, word, checks, _ = ready(client)
    assert (status, word) == (200, "ok")
    assert checks == {"database": True, "migrations": True, "broker": True, "media": True, "worker": True,
                      "beat": True, "mh": True}


@pytest.mark.django_db
def test_not_ready_while_a_migration_is_pending(client, alive):
    with connection.cursor() as cursor:  # forget the last migration of one app: it is pending again
        cursor.execute("DELETE FROM django_migrations WHERE id = (SELECT max(id) FROM django_migrations WHERE app='dte')")
    status, word, checks, body = ready(client)
    assert (status, word) == (503, "error") and checks["migrations"] is False
    assert "1 migraciones pendientes" in body["checks"]["migrations"]["detail"]
    assert checks["database"] is True


@pytest.mark.django_db
def test_not_ready_without_the_database(client, alive, monkeypatch):
    class Down:
        def cursor(self):
            raise health.HealthError("conexión rechazada")

    monkeypatch.setitem(health.__dict__, "connections", {"default": Down()})
    status, _, checks, body = ready(client)
    assert status == 503 and checks["database"] is False and checks["migrations"] is False
    assert body["checks"]["migrations"]["detail"] == "sin base de datos"


@pytest.mark.django_db
def test_not_ready_when_the_broker_does_not_answer(client, alive, monkeypatch):
    from billing.celery import app

    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.conf, "broker_read_url", "redis://127.0.0.1:1/0")
    status, _, checks, _ = ready(client)
    assert status == 503 and checks["broker"] is False and checks["database"] is True


@pytest.mark.django_db
def test_not_ready_when_media_is_short_of_space(client, alive, settings):
    settings.HEALTH_MEDIA_MIN_FREE_MB = 10**12
    status, _, checks, body = ready(client)
    assert status == 503 and checks["media"] is False and "MB libres" in body["checks"]["media"]["detail"]


@pytest.mark.django_db
def test_not_ready_when_media_is_not_writable(client, alive, settings, tmp_path):
    blocker = tmp_path / "un-archivo"
    blocker.write_text("x")
    settings.MEDIA_ROOT = blocker / "media"  # under a file: cannot be created
    status, _, checks, _ = ready(client)
    assert status == 503 and checks["media"] is False


@pytest.mark.django_db
def test_not_ready_without_a_worker_heartbeat(client, alive, settings):
    queue = watched_queues()[0]
    cache.delete(HEARTBEAT_KEY.format(queue=queue))
    status, _, checks, body = ready(client)
    assert status == 503 and checks["worker"] is False and f"{queue}: sin latido" in body["checks"]["worker"]["detail"]
    cache.set(HEARTBEAT_KEY.format(queue=queue), time.time() - settings.HEALTH_HEARTBEAT_MAX_AGE - 5)
    status, _, checks, _ = ready(client)
    assert status == 503 and checks["worker"] is False


@pytest.mark.django_db
def test_not_ready_when_beat_stopped_ticking(client, alive, settings):
    cache.set(BEAT_TICK_KEY, time.time() - settings.HEALTH_BEAT_MAX_AGE - 5)
    status, _, checks, body = ready(client)
    assert status == 503 and checks["beat"] is False and "último ciclo hace" in body["checks"]["beat"]["detail"]


@pytest.mark.django_db
def test_mh_without_answer_is_reported_and_fails_readiness_only_when_required(client, alive, settings):
    from dte.models import MHCall

    MHCall.objects.create(endpoint="/fesv/recepciondte", base_url="http://mh.example", outcome="ok")
    MHCall.objects.create(endpoint="/fesv/recepciondte", base_url="http://mh.example", outcome="transient")
    status, _, checks, body = ready(client)
    assert status == 200 and checks["mh"] is False and "http://mh.example" in body["checks"]["mh"]["detail"]
    assert body["checks"]["mh"]["required"] is False
    settings.HEALTH_READY_CHECKS = [*settings.HEALTH_READY_CHECKS, "mh"]
    cache.delete(SNAPSHOT_KEY)
    assert ready(client)[0] == 503


@pytest.mark.django_db
def test_the_old_health_url_still_checks_the_database(client):
    assert client.get("/salud/").json() == {"status": "ok"}
