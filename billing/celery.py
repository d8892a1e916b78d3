"""The Celery app. Configuration lives in settings (CELERY_*); the beat schedule is here, in code."""

import os
from pathlib import Path

from celery import Celery, signals
from celery.schedules import crontab
from django.conf import settings
from kombu import Exchange, Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billing.settings")

app = Celery("billing")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# What goes to the print queue (settings.DTE_PRINT_QUEUE): the slow, CPU-bound work that must never
# wait in front of a transmission.
PRINT_TASKS = frozenset({"dte.render", "dte.deliver", "dte.archive", "reports.export", "notifications.send_immediate",
                         "notifications.digest"})


def print_queue(default_queue=None):
    """The print queue's name, or None when printing shares the default queue (DTE_PRINT_QUEUE=-)."""
    configured = (getattr(settings, "DTE_PRINT_QUEUE", "") or "").strip()
    if configured == "-":
        return None
    return configured or f"{default_queue or app.conf.task_default_queue}.print"


def route_task(name, args, kwargs, options, task=None, **kw):
    """CELERY_TASK_ROUTES: the print tasks to the print queue, everything else to the default."""
    if name in PRINT_TASKS:
        queue = print_queue()
        if queue:
            return {"queue": queue}
    return None


def _queues():
    """The queues a worker started without -Q consumes: the default and the print queue (so that
    nothing is stranded where one worker does everything, as in development, the tests and the
    benches); production runs a worker per queue with -Q (Procfile, docker-compose)."""
    default = app.conf.task_default_queue
    names = [default] + [q for q in [print_queue(default)] if q and q != default]
    return [Queue(n, Exchange(n), routing_key=n) for n in names]

app.conf.beat_schedule = {
    # Worker heartbeats (readiness, metrics): one per watched queue, added below once settings load.
    "dte-sweep": {
        "task": "dte.sweep",
        "schedule": float(os.environ.get("DTE_SWEEP_EVERY_SECONDS", "30")),
    },
    "dte-sweep-invalidations": {
        "task": "dte.sweep_invalidations",
        "schedule": float(os.environ.get("INVALIDATION_SWEEP_EVERY_SECONDS", "60")),
    },
    "contingency-tick": {
        "task": "contingency.tick",
        "schedule": float(os.environ.get("DTE_CONTINGENCY_TICK_SECONDS", "15")),
    },
    "reports-sweep": {
        "task": "reports.sweep",
        "schedule": float(os.environ.get("REPORTS_SWEEP_EVERY_SECONDS", "60")),
    },
    "bulk-sweep": {
        "task": "bulk.sweep",
        "schedule": float(os.environ.get("BULK_SWEEP_EVERY_SECONDS", "60")),
    },
    "api-sweep": {
        "task": "api.sweep",
        "schedule": crontab(minute=20),
    },
    "webhooks-sweep": {
        "task": "webhooks.sweep",
        "schedule": float(os.environ.get("WEBHOOK_SWEEP_EVERY_SECONDS", "30")),
    },
    "orders-sweep": {  # operations in doubt and lost webhooks resolved by asking the gateway; holds expired
        "task": "orders.sweep",
        "schedule": float(os.environ.get("ORDERS_SWEEP_EVERY_SECONDS", "60")),
    },
    "onboarding-sweep": {
        "task": "onboarding.sweep",
        "schedule": float(os.environ.get("ONBOARDING_SWEEP_EVERY_SECONDS", "60")),
    },
    "purchases-mailboxes": {
        "task": "purchases.read_mailboxes",
        "schedule": float(os.environ.get("PURCHASES_MAILBOX_EVERY_SECONDS", "300")),
    },
    "purchases-recheck": {
        "task": "purchases.recheck",
        "schedule": float(os.environ.get("PURCHASES_RECHECK_EVERY_SECONDS", "3600")),
    },
    "purchases-sweep-batches": {
        "task": "purchases.sweep_batches",
        "schedule": 300.0,
    },
    # the work-time runs: on the 1st and 16th, the half-month just ended (runs once per period)
    "timesheets-schedule": {
        "task": "timesheets.schedule",
        "schedule": crontab(day_of_month="1,16", hour=2, minute=0),
    },
    # notifications: emails whose message was lost, holds about to expire; the daily digest
    "notifications-sweep": {
        "task": "notifications.sweep",
        "schedule": float(os.environ.get("NOTIFY_SWEEP_EVERY_SECONDS", "300")),
    },
    "notifications-digest": {
        "task": "notifications.digest",
        "schedule": crontab(hour=int(os.environ.get("NOTIFY_DIGEST_HOUR", "7")), minute=0),
    },
    "clear-expired-sessions": {
        "task": "accounts.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=15),
    },
}


@signals.setup_logging.connect
def _keep_django_logging(**kwargs):
    """The worker and beat log through Django's LOGGING (JSON lines with request and task ids in
    production) instead of Celery's own handler: connecting this signal stops Celery from
    replacing the root logger's configuration."""
    from django.conf import settings  # noqa: PLC0415 - configured by now
    from django.utils.log import configure_logging  # noqa: PLC0415 - see above

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


@app.on_after_configure.connect
def _heartbeats(sender, **kwargs):
    from django.conf import settings  # noqa: PLC0415 - configured by now

    every = float(settings.OPS_HEARTBEAT_SECONDS)
    queues = [settings.CELERY_TASK_DEFAULT_QUEUE, settings.DTE_PRINT_QUEUE, *settings.OPS_EXTRA_QUEUES]
    for queue in dict.fromkeys(q for q in queues if q):
        sender.conf.beat_schedule[f"ops-heartbeat-{queue}"] = {
            "task": "ops.heartbeat", "schedule": every, "args": [queue], "options": {"queue": queue, "expires": every}}


@app.on_after_configure.connect
def _make_broker_folders(sender, **kwargs):
    sender.conf.task_queues = _queues()  # here: the settings are read once configured, not at import
    # The filesystem broker (no REDIS_URL) needs its folders before the first message.
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
    if sender.conf.beat_schedule_filename:
        Path(sender.conf.beat_schedule_filename).parent.mkdir(parents=True, exist_ok=True)
    backend = str(sender.conf.result_backend or "")
    if backend.startswith("file://"):
        Path(backend.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
