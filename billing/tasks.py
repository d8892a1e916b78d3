"""Operations' tasks and Celery hooks: the worker heartbeat, task outcomes per queue (metrics), the
worker's own metrics port, and the request id carried into tasks (billing.logs)."""

import logging
import os
import time

from celery import shared_task, signals
from django.core.cache import cache

from billing import logs
from billing.metrics import HEARTBEAT_KEY
from core import metrics

HEARTBEAT_TTL = 24 * 60 * 60
log = logging.getLogger(__name__)


@shared_task(name="ops.heartbeat", ignore_result=True)
def heartbeat(queue):
    """Sent by beat to every watched queue: a worker of that queue says it is alive (readiness)."""
    cache.set(HEARTBEAT_KEY.format(queue=queue), time.time(), HEARTBEAT_TTL)


def _queue(task):
    info = getattr(task.request, "delivery_info", None) or {}
    return info.get("routing_key") or info.get("queue") or "?"


@signals.task_prerun.connect
def _task_started(task_id=None, task=None, **kwargs):
    task.request._ops_started = time.perf_counter()
    logs.bind_task(task)
    log.info("tarea %s empieza", task.name)


@signals.task_postrun.connect
def _task_finished(task_id=None, task=None, state=None, **kwargs):
    queue = _queue(task)
    started = getattr(task.request, "_ops_started", None)
    outcome = {"SUCCESS": "success", "FAILURE": "failure", "RETRY": "retry"}.get(state or "", (state or "?").lower())
    metrics.TASKS.labels(queue=queue, task=task.name, outcome=outcome).inc()
    if started is not None:
        metrics.TASK_LATENCY.labels(queue=queue).observe(time.perf_counter() - started)
    logs.unbind_task()


@signals.worker_init.connect
def _serve_worker_metrics(**kwargs):
    """WORKER_METRICS_PORT: the worker's main process serves its children's figures (multiprocess
    mode, PROMETHEUS_MULTIPROC_DIR) for Prometheus to scrape, as the web serves /metrics."""
    port = os.environ.get("WORKER_METRICS_PORT")
    if not port:
        return
    from prometheus_client import start_http_server  # noqa: PLC0415 - only workers that serve metrics

    from billing.metrics import process_registry  # noqa: PLC0415 - see above

    start_http_server(int(port), addr=os.environ.get("WORKER_METRICS_ADDR", "0.0.0.0"),  # noqa: S104 - inside a pod
                      registry=process_registry())


@signals.worker_process_shutdown.connect
def _forget_child(pid=None, **kwargs):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess  # noqa: PLC0415 - multiprocess mode only

        multiprocess.mark_process_dead(pid or os.getpid())
