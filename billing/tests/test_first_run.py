"""What a first `make run` shows: the closing message, quiet logs (403s, development mail), no
SQLite warning from `migrate`, a favicon, and a health check that follows the configured port."""

import io
import logging
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command

BASE = Path(__file__).resolve().parents[2]


def _settings_value(name, **env):
    """``billing.settings.<name>`` as a fresh process with ``env`` (development) sees it."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DATABASE_URL", "EMAIL_"))}
    clean.update(env)
    done = subprocess.run([sys.executable, "-c", f"from billing import settings; print(repr(settings.{name}))"],
                          cwd=BASE, env=clean, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


# ------------------------------------------------------------------------------ 403: one line


@pytest.mark.django_db
def test_a_403_is_one_log_line_saying_who_what_and_the_status(users, client_as, caplog):
    with caplog.at_level(logging.INFO):
        response = client_as(users["Vendedor"]).get("/cargas/productos/?x=1")
    assert response.status_code == 403
    refused = [r for r in caplog.records if r.name == "django.request"]
    assert len(refused) == 1
    line = refused[0]
    assert line.exc_info is None and line.exc_text is None  # no traceback
    message = line.getMessage()
    assert "vendedor" in message and "GET /cargas/productos/?x=1" in message and "403" in message
    assert "Traceback" not in caplog.text and "PermissionDenied" not in caplog.text


@pytest.mark.django_db
def test_an_anonymous_403_names_no_user(client, caplog):
    from core.logging import ForbiddenOneLineFilter

    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Forbidden (Permission denied): %s",
                               ("/x/",), (PermissionError, PermissionError("no"), None))
    record.status_code = 403
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    record.request = RequestFactory().post("/x/")
    record.request.user = AnonymousUser()
    assert ForbiddenOneLineFilter().filter(record) is True
    assert record.getMessage() == "Forbidden (Permission denied) POST /x/ usuario=anónimo estado=403"
    assert record.exc_info is None


def test_with_debug_a_django_line_is_written_once():
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DATABASE_URL"))}
    clean.update(DJANGO_SETTINGS_MODULE="billing.settings", DEBUG="true")
    code = ("import django, logging; django.setup(); "
            "logging.getLogger('django.request').warning('una-sola-vez')")
    done = subprocess.run([sys.executable, "-c", code], cwd=BASE, env=clean, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert (done.stdout + done.stderr).count("una-sola-vez") == 1


def test_django_records_reach_the_log_once():
    # Django's own console handler on "django" (on under DEBUG) wrote every line a second time
    # beside the root handler.
    assert logging.getLogger("django").handlers == []
    assert logging.getLogger("django").propagate is True
    assert logging.getLogger().handlers  # the root handler writes them


# ---------------------------------------------------------------------- development email


def test_development_mail_is_logged_at_info_with_attachments_summarised(caplog):
    from billing.mail import ConsoleSummaryBackend

    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 40  # 10,249 bytes
    message = EmailMultiAlternatives("Documento DTE-01", "Estimado cliente:\nAdjuntamos su documento.",
                                     "Facturador <no-responder@localhost>", ["ana@example.com"], cc=["b@example.com"])
    message.attach_alternative("<p>Estimado cliente</p>", "text/html")
    message.attach("DTE-01.pdf", pdf, "application/pdf")
    message.attach("DTE-01.json", '{"a": 1}', "application/json")
    with caplog.at_level(logging.INFO, logger="billing.mail"):
        assert ConsoleSummaryBackend().send_messages([message]) == 1
    [record] = [r for r in caplog.records if r.name == "billing.mail"]
    assert record.levelno == logging.INFO
    text = record.getMessage()
    assert "Subject: Documento DTE-01" in text and "To: ana@example.com" in text and "Cc: b@example.com" in text
    assert "Adjuntamos su documento." in text
    assert "DTE-01.pdf, application/pdf, 10,249 bytes" in text and "DTE-01.json, application/json, 8 bytes" in text
    assert "text/html, 23 bytes" in text
    import base64

    assert base64.b64encode(pdf)[:40].decode() not in text and "JVBERi0" not in text  # no base64 dump


def test_development_uses_the_summarising_backend():
    assert _settings_value("EMAIL_BACKEND") == "'billing.mail.ConsoleSummaryBackend'"


# --------------------------------------------------------------------------- W040 on SQLite


def test_check_on_sqlite_has_no_w040(tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DATABASE_URL"))}
    clean["DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    done = subprocess.run([sys.executable, "manage.py", "check", "--database", "default"], cwd=BASE, env=clean,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "W040" not in done.stdout + done.stderr and "no issues" in done.stdout


def test_w040_is_silenced_only_on_sqlite():
    assert "models.W040" in _settings_value("SILENCED_SYSTEM_CHECKS", DATABASE_URL="sqlite:////tmp/x.sqlite3")
    assert "W040" not in _settings_value("SILENCED_SYSTEM_CHECKS",
                                         DATABASE_URL="postgres://u@127.0.0.1:5432/facturador")


# ------------------------------------------------------------------------------------ favicon


@pytest.mark.django_db
def test_favicon_ico_answers_an_image_to_anyone(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    body = b"".join(response.streaming_content)
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO header
    from PIL import Image

    assert Image.open(io.BytesIO(body)).format == "ICO"


@pytest.mark.django_db
def test_pages_link_the_icon(client):
    page = client.get("/login/").content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in page and 'href="/favicon.ico"' in page
    from django.contrib.staticfiles import finders

    assert finders.find("favicon.svg") and "<svg" in Path(finders.find("favicon.svg")).read_text()


# ----------------------------------------------------------------- make run's closing message


class _Up(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        self.send_response(200 if self.path == "/salud/" else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def web():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Up)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_demo_ready_prints_the_url_and_the_demo_users_once_the_web_answers(web):
    from billing.management.commands.setup_demo import DEMO_PASSWORD

    out = io.StringIO()
    call_command("demo_ready", bind=f"0.0.0.0:{web}", timeout=10, stdout=out)
    text = out.getvalue()
    assert f"abra http://127.0.0.1:{web}/" in text
    for username in ("admin", "supervisor", "vendedor", "contador", "auditor"):
        assert f"  {username} " in text
    assert DEMO_PASSWORD in text and "govsim" in text


def test_demo_ready_says_so_when_the_web_never_answers(web):
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out, err = io.StringIO(), io.StringIO()
    call_command("demo_ready", bind=f"127.0.0.1:{port}", timeout=0, stdout=out, stderr=err)
    assert "no respondió" in err.getvalue() and "abra" not in out.getvalue()


def test_make_run_starts_the_closing_message_after_the_web():
    procfile = (BASE / "Procfile").read_text()
    assert "ready: .venv/bin/python manage.py demo_ready --bind ${WEB_BIND:-127.0.0.1:8000} --stay" in procfile


# ------------------------------------------------------------------- the container health check


@pytest.mark.parametrize("bind,url", [
    ("0.0.0.0:9123", "http://127.0.0.1:9123/salud/"),
    ("127.0.0.1:8000", "http://127.0.0.1:8000/salud/"),
    ("[::]:8080", "http://[::1]:8080/salud/"),
    (":7000", "http://127.0.0.1:7000/salud/"),
])
def test_the_health_check_asks_the_configured_bind(bind, url):
    from billing.healthcheck import health_url

    assert health_url(bind) == url


def test_the_health_check_follows_web_bind(web, monkeypatch):
    from billing import healthcheck

    monkeypatch.setenv("WEB_BIND", f"0.0.0.0:{web}")
    assert healthcheck.main() == 0
    monkeypatch.setenv("WEB_BIND", "127.0.0.1:1")  # nothing there
    assert healthcheck.main() == 1


def test_the_container_files_do_not_hard_wire_the_port():
    dockerfile = (BASE / "Dockerfile").read_text()
    compose = (BASE / "docker-compose.yml").read_text()
    assert '--bind \\"$WEB_BIND\\"' in dockerfile and "WEB_BIND=0.0.0.0:8000" in dockerfile
    assert '--bind \\"$$WEB_BIND\\"' in compose and "WEB_BIND: 0.0.0.0:${WEB_PORT:-8000}" in compose
    assert "127.0.0.1:8000" not in (BASE / "billing" / "healthcheck.py").read_text()
