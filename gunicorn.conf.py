"""gunicorn reads this file from the working directory (the Dockerfile's, the Procfile's and the
manifests' command lines add only --bind and --workers).

Metrics from several worker processes: prometheus_client's multiprocess mode. Each worker writes
its counters to files in PROMETHEUS_MULTIPROC_DIR and /metrics adds them up (billing.metrics).
The folder is emptied when the server starts (old processes' files would count twice) and a dead
worker's live gauges are dropped."""

import os
import shutil
import tempfile


def _metrics_dir():
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        path = os.path.join(tempfile.gettempdir(), f"facturador-metrics-{os.getpid()}")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    return path


def on_starting(server):
    path = _metrics_dir()
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess  # noqa: PLC0415 - after the folder is chosen

    multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    from billing.gctune import freeze_startup  # noqa: PLC0415 - the worker has just loaded the app

    freeze_startup()
