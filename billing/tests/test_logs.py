"""JSON log lines, the request id carried from a web request into the task it queues (a real
worker), and the Sentry scrubber."""

import json
import logging
import uuid

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from billing.logs import RequestIdMiddleware
from billing.sentry import before_send, scrub_event
from billing.tests.worker_kit import Worker
from core.logging import ContextFilter, JsonFormatter, current_request_id, reset_request_id, set_request_id
from core.queue import enqueue, enqueue_on_commit


def _line(message, *args, exc_info=None):
    record = logging.LogRecord("dte.transmission", logging.WARNING, __file__, 1, message, args, exc_info)
    ContextFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def test_a_log_line_is_one_json_object_with_the_request_id():
    token = set_request_id("abc123def456")
    try:
        line = _line("documento %s rechazado", "DTE-01-0001")
    finally:
        reset_request_id(token)
    assert line["message"] == "documento DTE-01-0001 rechazado" and line["level"] == "WARNING"
    assert line["request_id"] == "abc123def456" and line["logger"] == "dte.transmission" and line["ts"].endswith("+00:00")
    assert "request_id" not in _line("sin petición")


def test_a_traceback_stays_inside_its_json_line():
    try:
        1 / 0  # noqa: B018 - the error whose traceback is logged
    except ZeroDivisionError:
        import sys  # noqa: PLC0415 - only here

        line = _line("falló", exc_info=sys.exc_info())
    assert "ZeroDivisionError" in line["exc"]


def test_the_middleware_gives_each_request_an_id_and_keeps_a_sane_one_from_the_proxy():
    seen = []
    middleware = RequestIdMiddleware(lambda request: seen.append(current_request_id()) or HttpResponse("ok"))
    response = middleware(RequestFactory().get("/"))
    assert len(seen[0]) == 32 and response["X-Request-ID"] == seen[0]
    response = middleware(RequestFactory().get("/", headers={"X-Request-ID": "lb-7f3a9c21"}))
    assert response["X-Request-ID"] == "lb-7f3a9c21" == seen[1]
    response = middleware(RequestFactory().get("/", headers={"X-Request-ID": "x\n{inyectado}"}))
    assert response["X-Request-ID"] != "x\n{inyectado}" and len(response["X-Request-ID"]) == 32
    assert current_request_id() == ""  # unbound after the request


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_request_id_reaches_the_log_lines_of_the_task_it_queued(redis_url, roles):
    from accounts.tasks import worker_ping

    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = Worker(queue, LOG_FORMAT="json")
    try:
        def view(request):  # a page that queues a task after its transaction commits, as the app's pages do
            enqueue_on_commit(worker_ping, "nonce", queue=queue)
            return HttpResponse("ok")

        response = RequestIdMiddleware(view)(RequestFactory().get("/documentos/"))
        request_id = response["X-Request-ID"]

        def started_line(text):
            try:
                line = json.loads(text)
            except ValueError:
                return False
            return line.get("logger") == "billing.tasks" and "accounts.tasks.worker_ping" in line.get("message", "")

        found = worker.wait_for(started_line, timeout=60)
        assert found, "el worker no registró la tarea en 60 s"
        line = json.loads(found)
        assert line["request_id"] == request_id and line["task_id"] and line["task_id"] != request_id
        succeeded = worker.wait_for(lambda text: "succeeded" in text and request_id in text, timeout=30)
        assert succeeded  # Celery's own line about the task carries the id too
    finally:
        worker.stop()


@pytest.mark.django_db
def test_a_task_queued_outside_a_request_carries_no_invented_id(monkeypatch):
    from accounts.tasks import worker_ping

    sent = {}
    monkeypatch.setattr(worker_ping, "apply_async", lambda args, kwargs, **options: sent.update(options))
    enqueue(worker_ping, "n")
    assert "headers" not in sent
    token = set_request_id("req-0000001")
    try:
        enqueue(worker_ping, "n")
    finally:
        reset_request_id(token)
    assert sent["headers"] == {"request_id": "req-0000001"}


def test_sentry_events_lose_their_secrets():
    event = {
        "message": "auth user=06140101001010 pwd=Sup3rS3creta falló",
        "request": {"headers": {"Authorization": "Bearer abc.def", "Cookie": "sessionid=xyz", "Accept": "text/html"},
                    "data": {"password": "hunter2", "nombre": "Tienda"}, "cookies": [["sessionid", "xyz"]]},
        "extra": {"FIELD_ENCRYPTION_KEY": "aW1hZ2UtYnVpbGQ=", "cert": "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----"},
        "exception": {"values": [{"value": "token=eyJhbGciOi inválido", "stacktrace": {"frames": [
            {"vars": {"api_key": "fk_live_123", "total": "25.00", "clave_api": "otra"}}]}}]},
    }
    clean = before_send(event, {})
    text = json.dumps(clean)
    for secret in ("Sup3rS3creta", "abc.def", "xyz", "hunter2", "aW1hZ2UtYnVpbGQ=", "MIIE", "eyJhbGciOi", "fk_live_123",
                   "otra"):
        assert secret not in text, secret
    assert clean["request"]["headers"]["Accept"] == "text/html" and clean["request"]["data"]["nombre"] == "Tienda"
    assert clean["exception"]["values"][0]["stacktrace"]["frames"][0]["vars"]["total"] == "25.00"
    assert event["request"]["data"]["password"] == "hunter2"  # a copy: the original untouched
    assert scrub_event(["X-Api-Key", "k"]) == ["X-Api-Key", "[oculto]"]


def test_sentry_is_off_without_a_dsn():
    from billing import sentry

    assert sentry.init("", environment="production") is False
