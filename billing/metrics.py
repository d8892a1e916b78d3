"""The /metrics endpoint (Prometheus text format) and what feeds it.

Two kinds of figures, chosen for several gunicorn and Celery processes:

- What a process sees happen (requests, SQL queries, tasks, calls to MH and gateways) is counted in
  that process by prometheus_client (core.metrics). With PROMETHEUS_MULTIPROC_DIR set every process
  writes to files there and a scrape adds them up (gunicorn.conf.py sets it for the web; a worker
  serves its own on WORKER_METRICS_PORT, billing.tasks).
- Business figures (documents per type and status, open contingency periods, emails by state,
  queue depth, the worker heartbeats and beat's last tick) are read at scrape time from PostgreSQL,
  the broker and the cache, so they are the same whichever process answers and survive restarts.
  The database part is cached for METRICS_DB_CACHE_SECONDS in the shared cache: several scrapers
  and web processes run its GROUP BY once per period.

Access: never public. METRICS_TOKEN (or METRICS_TOKEN_FILE) as ``Authorization: Bearer <token>``,
or a client address inside METRICS_ALLOW_NETWORKS (CIDRs). With neither set the URL answers 404.
"""

import hmac
import ipaddress
import os
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from billing.beat import BEAT_TICK_KEY
from core import metrics as process_metrics
from core.access import public_view

SNAPSHOT_KEY = "ops:metrics-snapshot"
HEARTBEAT_KEY = "ops:worker-heartbeat:{queue}"


def process_registry():
    """Every process's values when PROMETHEUS_MULTIPROC_DIR is set; this process's otherwise."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return registry
    return REGISTRY


def watched_queues():
    """The Celery queues the deployment runs workers for: the default one and the printing one."""
    from billing.celery import print_queue  # noqa: PLC0415 - the Celery app imports settings; loaded on use

    # The print queue as billing.celery routes to it (DTE_PRINT_QUEUE empty: "<default>.print";
    # "-": none of its own).
    queues = [settings.CELERY_TASK_DEFAULT_QUEUE, print_queue(settings.CELERY_TASK_DEFAULT_QUEUE),
              *settings.OPS_EXTRA_QUEUES]
    return list(dict.fromkeys(q for q in queues if q))


def queue_depths(queues, *, timeout=2.0):
    """{queue: messages waiting} read from the broker (Redis or RabbitMQ alike, through kombu); a
    queue the broker does not know yet counts 0. Raises when the broker cannot be reached."""
    from billing.celery import app  # noqa: PLC0415 - the Celery app imports settings; loaded on use

    depths = {}
    with app.connection_for_read(connect_timeout=timeout) as conn:
        conn.ensure_connection(max_retries=1, timeout=timeout)
        for queue in queues:
            channel = conn.channel()
            try:
                _name, count, _consumers = channel.queue_declare(queue=queue, passive=True)
                depths[queue] = count
            except conn.channel_errors:  # AMQP: 404 NOT_FOUND for a queue never declared
                depths[queue] = 0
            finally:
                try:
                    channel.close()
                except Exception:  # noqa: BLE001, S110 - a channel the broker already closed
                    pass
    return depths


def _database_snapshot():
    from dte.models import Delivery, DeliveryState, Document, MHCall, OfflineScope  # noqa: PLC0415 - apps load after settings

    since = time.time() - 3600
    last_calls = {}
    recent = MHCall.objects.filter(at__gte=_aware(since)).order_by("base_url", "-id").distinct("base_url")
    if connection.vendor != "postgresql":  # DISTINCT ON is PostgreSQL's; elsewhere the slower way
        recent = {c.base_url: c for c in MHCall.objects.filter(at__gte=_aware(since)).order_by("id")}.values()
    for call in recent:
        last_calls[call.base_url] = call.outcome
    return {
        "documents": [(r["tipo_dte"], r["status"], r["n"])
                      for r in Document.objects.values("tipo_dte", "status").annotate(n=Count("id")).order_by()],
        "delivery_states": list(DeliveryState.values),
        "deliveries": [(r["state"], r["n"]) for r in Delivery.objects.values("state").annotate(n=Count("id")).order_by()],
        "contingency_open": OfflineScope.objects.filter(ended_at__isnull=True).count(),
        "contingency_catching_up": OfflineScope.objects.filter(ended_at__isnull=False, completed_at__isnull=True).count(),
        "mh_last_call": last_calls,
    }


def _aware(epoch):
    import datetime  # noqa: PLC0415 - only here

    return datetime.datetime.fromtimestamp(epoch, tz=datetime.UTC)


def database_snapshot(*, fresh=False):
    snapshot = None if fresh else cache.get(SNAPSHOT_KEY)
    if snapshot is None:
        snapshot = _database_snapshot()
        cache.set(SNAPSHOT_KEY, snapshot, settings.METRICS_DB_CACHE_SECONDS)
    return snapshot


class BusinessCollector:
    """Figures read at scrape time (see the module's docstring)."""

    def __init__(self, *, fresh=False):
        self.fresh = fresh

    def collect(self):
        snap = database_snapshot(fresh=self.fresh)
        docs = GaugeMetricFamily("facturador_documents", "Documentos por tipo y estado ante MH",
                                 labels=["tipo_dte", "status"])
        for tipo, status, n in snap["documents"]:
            docs.add_metric([tipo, status], n)
        yield docs
        mails = GaugeMetricFamily("facturador_email_deliveries", "Envíos de documentos por correo, por estado",
                                  labels=["state"])
        by_state = dict.fromkeys(snap["delivery_states"], 0) | dict(snap["deliveries"])
        for state, n in by_state.items():  # every state, 0 included: "failed" is never missing from a graph
            mails.add_metric([state], n)
        yield mails
        yield GaugeMetricFamily("facturador_contingency_open_periods", "Periodos de contingencia abiertos",
                                value=snap["contingency_open"])
        yield GaugeMetricFamily("facturador_contingency_catching_up_periods",
                                "Periodos de contingencia cerrados con documentos aún por transmitir",
                                value=snap["contingency_catching_up"])
        mh = GaugeMetricFamily("facturador_mh_last_call_ok",
                               "1 si la última llamada a MH (última hora) obtuvo respuesta, por dirección",
                               labels=["base_url"])
        for base_url, outcome in snap["mh_last_call"].items():
            mh.add_metric([base_url], 0 if outcome in ("transient", "in_doubt") else 1)
        yield mh
        yield from self._celery()

    @staticmethod
    def _celery():
        queues = watched_queues()
        up = GaugeMetricFamily("facturador_broker_up", "1 si el broker responde")
        depth = GaugeMetricFamily("facturador_celery_queue_depth", "Mensajes esperando en cada cola de Celery",
                                  labels=["queue"])
        try:
            for queue, n in queue_depths(queues).items():
                depth.add_metric([queue], n)
            up.add_metric([], 1)
        except Exception:  # noqa: BLE001 - a broker down is a figure, not an error of the scrape
            up.add_metric([], 0)
        yield up
        yield depth
        now = time.time()
        beats = GaugeMetricFamily("facturador_worker_heartbeat_age_seconds",
                                  "Segundos desde el último latido de un worker de cada cola", labels=["queue"])
        for queue in queues:
            last = cache.get(HEARTBEAT_KEY.format(queue=queue))
            if last is not None:
                beats.add_metric([queue], now - last)
        yield beats
        last_tick = cache.get(BEAT_TICK_KEY)
        if last_tick is not None:
            yield GaugeMetricFamily("facturador_beat_tick_age_seconds", "Segundos desde el último ciclo de beat",
                                    value=now - last_tick)


def exposition(*, fresh=False):
    business = CollectorRegistry()
    business.register(BusinessCollector(fresh=fresh))
    return generate_latest(process_registry()) + generate_latest(business)


def allowed(request):
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if given and hmac.compare_digest(given.encode(), token.encode()):
            return True
    networks = settings.METRICS_ALLOW_NETWORKS
    if networks:
        try:
            address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(net, strict=False) for net in networks)
    return False


@public_view  # its own check: a token or an allowed network (never a session)
@never_cache
def metrics_view(request):
    if not allowed(request):
        raise Http404
    return HttpResponse(exposition(), content_type="text/plain; version=0.0.4; charset=utf-8")


class MetricsMiddleware:
    """Requests by view and status, their duration, and how many SQL queries each made."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        queries = [0]

        def count(execute, sql, params, many, context):
            queries[0] += 1
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with connection.execute_wrapper(count):
            response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else "") or "sin_ruta"
        process_metrics.HTTP_REQUESTS.labels(view=view, method=request.method, status=str(response.status_code)).inc()
        process_metrics.HTTP_LATENCY.labels(view=view).observe(time.perf_counter() - started)
        if queries[0]:
            process_metrics.DB_QUERIES.labels(view=view).inc(queries[0])
        return response
