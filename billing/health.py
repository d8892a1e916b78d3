"""Liveness and readiness (/salud/vivo/, /salud/listo/); /salud/ stays the database check it was.

Liveness: the process answers (no dependency is asked: a database outage must not make the
orchestrator restart every web container). Readiness: this instance can serve — each check in
HEALTH_READY_CHECKS must pass or the answer is 503 with every check's result:

- database: SELECT 1;            - migrations: none pending (fails while a deploy's migrations run);
- broker: a connection opens;    - media: the media folder is writable with HEALTH_MEDIA_MIN_FREE_MB free
                                    (skipped for object storage);
- worker: a worker of each watched queue ran ops.heartbeat within HEALTH_HEARTBEAT_MAX_AGE seconds;
- beat: beat ticked within HEALTH_BEAT_MAX_AGE seconds;
- mh: the last call to each MH address in the last hour got an answer (reported, and failing
  readiness only when listed: MH down is contingency, which the product handles by itself).
"""

import os
import shutil
import tempfile
import time

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from billing.beat import BEAT_TICK_KEY
from billing.metrics import HEARTBEAT_KEY, database_snapshot, queue_depths, watched_queues
from core.access import public_view

_migrated = False  # once no migration is pending, this process's code and the database agree


def check_database():
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def check_migrations():
    global _migrated  # noqa: PLW0603 - a per-process memo
    if _migrated:
        return "ok"
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        raise HealthError(f"{len(pending)} migraciones pendientes")
    _migrated = True
    return "ok"


def check_broker():
    queue_depths([], timeout=2.0)
    return "ok"


def check_media():
    if not isinstance(default_storage, FileSystemStorage):
        return "almacenamiento de objetos"
    root = settings.MEDIA_ROOT
    os.makedirs(root, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=root, prefix=".salud-"):
        pass
    free_mb = shutil.disk_usage(root).free // (1024 * 1024)
    if free_mb < settings.HEALTH_MEDIA_MIN_FREE_MB:
        raise HealthError(f"{free_mb} MB libres")
    return f"{free_mb} MB libres"


def _age(key):
    value = cache.get(key)
    return None if value is None else time.time() - value


def check_worker():
    stale = []
    for queue in watched_queues():
        age = _age(HEARTBEAT_KEY.format(queue=queue))
        if age is None or age > settings.HEALTH_HEARTBEAT_MAX_AGE:
            stale.append(f"{queue}: {'sin latido' if age is None else f'{age:.0f} s'}")
    if stale:
        raise HealthError("; ".join(stale))
    return "ok"


def check_beat():
    age = _age(BEAT_TICK_KEY)
    if age is None or age > settings.HEALTH_BEAT_MAX_AGE:
        raise HealthError("sin ciclo" if age is None else f"último ciclo hace {age:.0f} s")
    return "ok"


def check_mh():
    last = database_snapshot()["mh_last_call"]
    down = [url for url, outcome in last.items() if outcome in ("transient", "in_doubt")]
    if down:
        raise HealthError("sin respuesta: " + ", ".join(down))
    return "ok" if last else "sin llamadas en la última hora"


class HealthError(Exception):
    pass


CHECKS = {"database": check_database, "migrations": check_migrations, "broker": check_broker,
          "media": check_media, "worker": check_worker, "beat": check_beat, "mh": check_mh}


def run_checks():
    """{name: (passed, detail)} for every check; the database first, and the checks that need it
    skipped when it is down."""
    results = {}
    for name, check in CHECKS.items():
        if name in ("migrations", "mh") and not results["database"][0]:
            results[name] = (False, "sin base de datos")
            continue
        try:
            results[name] = (True, check())
        except HealthError as exc:
            results[name] = (False, str(exc))
        except Exception as exc:  # noqa: BLE001 - any failure of a dependency is "not ready"
            results[name] = (False, f"{type(exc).__name__}: {str(exc)[:200]}")
    return results


@public_view
@never_cache
def liveness(request):
    return JsonResponse({"status": "ok"})


@public_view
@never_cache
def readiness(request):
    results = run_checks()
    required = set(settings.HEALTH_READY_CHECKS)
    ready = all(passed for name, (passed, _detail) in results.items() if name in required)
    body = {"status": "ok" if ready else "error",
            "checks": {name: {"ok": passed, "detail": detail, "required": name in required}
                       for name, (passed, detail) in results.items()}}
    return JsonResponse(body, status=200 if ready else 503)
