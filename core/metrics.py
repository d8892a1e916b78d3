"""Process metrics (Prometheus): what one process sees happen — requests, tasks, calls to MH and to
payment gateways. Business figures that live in the database (documents per type and status,
contingency, email failures, queue depth) are not counted here: billing.metrics reads them at
scrape time, so they are right however many processes there are.

Several processes: prometheus_client's multiprocess mode. When PROMETHEUS_MULTIPROC_DIR is set
(gunicorn.conf.py sets it for the web; the worker's own settings for Celery) every process writes
its values to files there and the /metrics view (or the worker's metrics port) adds them up;
without it, each process counts for itself (development, tests).
"""

import os

from prometheus_client import Counter, Histogram

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # a process that writes its values must find the folder
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0, 30.0)

HTTP_REQUESTS = Counter("facturador_http_requests", "Peticiones HTTP por vista, método y estado",
                        ["view", "method", "status"])
HTTP_LATENCY = Histogram("facturador_http_request_duration_seconds", "Duración de las peticiones por vista",
                         ["view"], buckets=LATENCY_BUCKETS)
DB_QUERIES = Counter("facturador_db_queries", "Consultas SQL hechas por las peticiones, por vista", ["view"])

TASKS = Counter("facturador_celery_tasks", "Tareas de Celery terminadas por cola, tarea y resultado",
                ["queue", "task", "outcome"])
TASK_LATENCY = Histogram("facturador_celery_task_duration_seconds", "Duración de las tareas por cola",
                         ["queue"], buckets=LATENCY_BUCKETS)

MH_CALLS = Histogram("facturador_mh_call_duration_seconds", "Llamadas a MH por servicio y resultado, con su duración",
                     ["endpoint", "outcome"], buckets=LATENCY_BUCKETS)
GATEWAY_CALLS = Histogram("facturador_gateway_call_duration_seconds",
                          "Llamadas a pasarelas de pago por servidor y resultado, con su duración",
                          ["host", "outcome"], buckets=LATENCY_BUCKETS)


def observe_mh_call(endpoint, outcome, seconds):
    MH_CALLS.labels(endpoint=endpoint, outcome=str(outcome)).observe(seconds)


def observe_gateway_call(host, outcome, seconds):
    GATEWAY_CALLS.labels(host=host, outcome=outcome).observe(seconds)
