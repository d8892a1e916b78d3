"""/metrics: who may read it, that the figures move with what happens, and the Grafana dashboard
only asks for metrics we expose."""

import itertools
import json
import re
import socket
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from billing.metrics import SNAPSHOT_KEY, exposition

BASE = Path(__file__).resolve().parents[2]
DASHBOARD = BASE / "docs" / "ops" / "grafana-facturador.json"
_numbers = itertools.count(1)


def samples(text=None):
    """{(sample name, frozenset(labels)): value} of an exposition."""
    text = text if text is not None else exposition(fresh=True).decode()
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(all_samples, name, **labels):
    return all_samples.get((name, frozenset(labels.items())), 0.0)


def _sealed(point, user, tipo="01"):
    from dte.models import Document  # noqa: PLC0415 - apps load after settings

    n = next(_numbers)
    est = point.establishment
    return Document.objects.create(
        company=est.company, establishment=est, point_of_sale=point, tipo_dte=tipo, issue_date=timezone.localdate(),
        created_by=user, status="sealed", numero_control=f"DTE-{tipo}-{est.cod_estable_mh}{point.cod_punto_venta_mh}-{n:015d}",
        number_year=2026, codigo_generacion=str(uuid.uuid4()).upper(), payload="{}", jws="a.b.c", sello_recibido="S" * 40)


# ------------------------------------------------------------------------------------ access


@pytest.mark.django_db
def test_metrics_are_not_public_by_default(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOW_NETWORKS = "", []
    assert client.get("/metrics").status_code == 404


@pytest.mark.django_db
def test_metrics_need_the_right_token(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOW_NETWORKS = "t0k3n-de-prueba", []
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer otro"}).status_code == 404
    response = client.get("/metrics", headers={"Authorization": "Bearer t0k3n-de-prueba"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    assert "facturador_documents" in response.content.decode()


@pytest.mark.django_db
def test_metrics_from_an_allowed_network_only(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOW_NETWORKS = "", ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.168.1.9").status_code == 404
    assert client.get("/metrics").status_code == 404  # the test client's 127.0.0.1 is outside too


@pytest.mark.django_db
def test_a_logged_in_administrator_is_no_key_to_metrics(client_as, users, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOW_NETWORKS = "t0k3n", []
    assert client_as(users["Administrador"]).get("/metrics").status_code == 404


# ------------------------------------------------------------------------------------ figures


@pytest.mark.django_db
def test_a_sealed_document_moves_its_counter(establishments, users):
    point = establishments["pos"]["M001P001"]
    before = samples()
    _sealed(point, users["Supervisor"])
    _sealed(point, users["Supervisor"], tipo="03")
    cache.delete(SNAPSHOT_KEY)
    after = samples()
    assert value(after, "facturador_documents", tipo_dte="01", status="sealed") == \
        value(before, "facturador_documents", tipo_dte="01", status="sealed") + 1
    assert value(after, "facturador_documents", tipo_dte="03", status="sealed") == \
        value(before, "facturador_documents", tipo_dte="03", status="sealed") + 1


@pytest.mark.django_db
def test_database_figures_are_shared_through_the_cache(establishments, users, settings):
    """Several web processes and scrapers: the GROUP BY runs once per METRICS_DB_CACHE_SECONDS."""
    cache.delete(SNAPSHOT_KEY)
    first = samples(exposition().decode())
    _sealed(establishments["pos"]["M001P001"], users["Supervisor"])
    cached = samples(exposition().decode())
    assert value(cached, "facturador_documents", tipo_dte="01", status="sealed") == \
        value(first, "facturador_documents", tipo_dte="01", status="sealed")
    cache.delete(SNAPSHOT_KEY)
    assert value(samples(exposition().decode()), "facturador_documents", tipo_dte="01", status="sealed") == \
        value(first, "facturador_documents", tipo_dte="01", status="sealed") + 1


@pytest.mark.django_db
def test_failed_emails_and_open_contingency_are_counted(establishments, users, company):
    from dte.models import Delivery, OfflineScope  # noqa: PLC0415 - apps load after settings

    before = samples()
    doc = _sealed(establishments["pos"]["M001P001"], users["Supervisor"])
    Delivery.objects.create(document=doc, recipient="a@example.net", state="failed", error="buzón lleno")
    OfflineScope.objects.create(company=company, tipo=1, started_at=timezone.now(), automatic=True)
    after = samples()
    assert value(after, "facturador_email_deliveries", state="failed") == \
        value(before, "facturador_email_deliveries", state="failed") + 1
    assert value(after, "facturador_contingency_open_periods") == value(before, "facturador_contingency_open_periods") + 1


@pytest.mark.django_db
def test_requests_are_counted_by_view_and_status_with_their_queries(client):
    before = samples()
    assert client.get("/salud/").status_code == 200
    assert client.get("/no-existe/").status_code == 404
    after = samples()
    assert value(after, "facturador_http_requests_total", view="health", method="GET", status="200") == \
        value(before, "facturador_http_requests_total", view="health", method="GET", status="200") + 1
    assert value(after, "facturador_http_requests_total", view="sin_ruta", method="GET", status="404") == \
        value(before, "facturador_http_requests_total", view="sin_ruta", method="GET", status="404") + 1
    assert value(after, "facturador_http_request_duration_seconds_count", view="health") == \
        value(before, "facturador_http_request_duration_seconds_count", view="health") + 1
    assert value(after, "facturador_db_queries_total", view="health") >= \
        value(before, "facturador_db_queries_total", view="health") + 1  # its SELECT 1


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.django_db
def test_a_gateway_that_does_not_answer_is_counted(settings):
    from payments.gateways.base import GatewayUnavailable  # noqa: PLC0415 - apps load after settings
    from payments.gateways.http import call  # noqa: PLC0415 - see above

    before = samples()
    with pytest.raises(GatewayUnavailable):
        call("POST", f"http://127.0.0.1:{_closed_port()}/cobro", timeout=1)
    after = samples()
    assert value(after, "facturador_gateway_call_duration_seconds_count", host="127.0.0.1", outcome="unavailable") == \
        value(before, "facturador_gateway_call_duration_seconds_count", host="127.0.0.1", outcome="unavailable") + 1


@pytest.mark.django_db
def test_a_call_to_mh_without_answer_is_counted_by_endpoint(company):
    from dte.mh.client import MHClient  # noqa: PLC0415 - apps load after settings
    from dte.mh.errors import MHTransientError  # noqa: PLC0415 - see above

    before = samples()
    client = MHClient(base_url=f"http://127.0.0.1:{_closed_port()}", user="06140101001010", password="x", timeout=1)
    with pytest.raises(MHTransientError):
        client.authenticate()
    after = samples()
    labels = {"endpoint": "/seguridad/auth", "outcome": "transient"}
    assert value(after, "facturador_mh_call_duration_seconds_count", **labels) == \
        value(before, "facturador_mh_call_duration_seconds_count", **labels) + 1


# ------------------------------------------------------------------------------------ dashboard

_PROMQL_WORDS = {"sum", "by", "rate", "delta", "histogram_quantile", "le", "avg", "max", "min", "increase",
                 "without", "on", "ignoring", "and", "or", "unless"}


def metric_names(expr):
    """The metric names a PromQL expression reads (label matchers and ranges removed)."""
    bare = re.sub(r"\{[^}]*\}", "", expr)
    bare = re.sub(r"\[[^\]]*\]", "", bare)
    bare = re.sub(r"by\s*\([^)]*\)", "", bare)
    words = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", bare))
    return {w for w in words if w not in _PROMQL_WORDS}


@pytest.mark.django_db
def test_the_grafana_dashboard_reads_only_metrics_we_expose(establishments, users, client):
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert dashboard["title"] and dashboard["uid"] and isinstance(dashboard["panels"], list)
    # Make every figure appear at least once: a request, a sealed document, an MH call, a gateway call,
    # a task, beat and worker heartbeats.
    from billing import tasks  # noqa: PLC0415 - the Celery hooks
    from core import metrics  # noqa: PLC0415 - see above

    client.get("/salud/")
    _sealed(establishments["pos"]["M001P001"], users["Supervisor"])
    metrics.observe_mh_call("/fesv/recepciondte", "ok", 0.2)
    from dte.models import MHCall  # noqa: PLC0415 - apps load after settings

    MHCall.objects.create(endpoint="/fesv/recepciondte", base_url="http://mh.example", outcome="ok")
    metrics.observe_gateway_call("pasarela.example", "answer", 0.3)
    metrics.TASKS.labels(queue="facturador", task="ops.heartbeat", outcome="success").inc()
    metrics.TASK_LATENCY.labels(queue="facturador").observe(0.01)
    tasks.heartbeat("facturador")
    from billing.beat import BEAT_TICK_KEY  # noqa: PLC0415 - see above

    cache.set(BEAT_TICK_KEY, timezone.now().timestamp())
    exposed = {s[0] for s in samples()}
    ids, titles = set(), set()
    for panel in dashboard["panels"]:
        assert panel["id"] not in ids and panel["title"] not in titles, panel["title"]
        ids.add(panel["id"])
        titles.add(panel["title"])
        assert {"h", "w", "x", "y"} <= set(panel["gridPos"]) and panel["targets"], panel["title"]
        for target in panel["targets"]:
            names = metric_names(target["expr"])
            assert names, target["expr"]
            missing = names - exposed
            assert not missing, f"{panel['title']}: {sorted(missing)} no está en /metrics"
    assert len(ids) >= 15  # requests, latency, queries, queues, tasks, documents, MH, contingency, email, gateways
