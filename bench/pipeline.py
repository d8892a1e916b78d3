"""Sealed documents per second through the real pipeline: documents issued (not timed) wait in
the outbox, then are queued to Redis and transmitted by 2 Celery worker processes to govsim over
HTTP, until every one is sealed. Measured with govsim answering at once and with 150 ms of
latency, beside a one-request-at-a-time synchronous loop (the same transmit function called in a
plain loop) over documents of the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/facturador_bench_pipe .venv/bin/python bench/pipeline.py [--docs 10000] [--small]
"""

import argparse
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from _setup import ROOT, SMALL_HELP, is_small  # noqa: E402
from _stack import Govsim, Redis, Workers, issue_without_sending, wire_company  # noqa: E402


def wait_sealed(outbox_ids, timeout):
    from dte.models import Outbox, OutboxState

    deadline = time.monotonic() + timeout
    low, high = min(outbox_ids), max(outbox_ids)  # ids of a batch are consecutive: a cheap range count
    while time.monotonic() < deadline:
        left = Outbox.objects.filter(pk__gte=low, pk__lte=high).exclude(state=OutboxState.DONE).count()
        if left == 0:
            return True
        time.sleep(0.25)
    return False


def park(outbox_ids, parked=True):
    """Hold a batch back (due in a day) so that workers draining the outbox leave it alone until
    its own phase; release it at the start of the phase."""
    import datetime

    from django.utils import timezone

    from dte.models import Outbox

    when = timezone.now() + datetime.timedelta(days=1 if parked else 0)
    Outbox.objects.filter(pk__gte=min(outbox_ids), pk__lte=max(outbox_ids)).update(available_at=when)


def run_pipeline(outbox_ids, timeout):
    from dte.tasks import transmit_task

    park(outbox_ids, parked=False)
    started = time.perf_counter()
    for pk in outbox_ids:
        transmit_task.delay(pk)
    if not wait_sealed(outbox_ids, timeout):
        raise SystemExit("no todos los documentos se sellaron a tiempo")
    return len(outbox_ids) / (time.perf_counter() - started)


def run_sync(outbox_ids):
    from dte.transmission.pipeline import transmit

    park(outbox_ids, parked=False)
    started = time.perf_counter()
    for pk in outbox_ids:
        transmit(pk)
    return len(outbox_ids) / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=16, help="threads (or pool processes) per worker process")
    parser.add_argument("--pool", default="threads", choices=["threads", "prefork"])
    parser.add_argument("--processes", type=int, default=2, help="worker processes (the issue: 2)")
    parser.add_argument("--timeout", type=int, default=1800, help="segundos que puede tardar cada fase")
    parser.add_argument("--small", action="store_true", help=SMALL_HELP)
    args = parser.parse_args()
    if is_small(args.small):
        args.docs, args.threads, args.timeout = 40, 4, 120
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Este bench mide PostgreSQL: defina DATABASE_URL=postgres://…")
    redis = Redis()
    redis.start()
    queue = f"bench-{os.getpid()}"
    os.environ.update(REDIS_URL=redis.url, CELERY_TASK_DEFAULT_QUEUE=queue, DB_CONN_MAX_AGE="60", DTE_PDF_AUTO="false",
                      DTE_LARGE_AMOUNT_THRESHOLD="100000000", DTE_EXTRA_SCHEMA_DIRS="")
    # govsim on PostgreSQL (GOVSIM_BENCH_DATABASE_URL): with its default SQLite, every reception
    # waits for one file lock and fsync, and MH itself would be what is measured.
    govsim = Govsim(workers=4, database_url=os.environ.get("GOVSIM_BENCH_DATABASE_URL", ""))
    workers = None
    try:
        sys.path.insert(0, str(ROOT / "bench"))
        from _setup import django_setup

        django_setup()
        import issue as issue_bench

        from dte.models import Document, GovStatus

        rng = random.Random(5)
        world = issue_bench.setup_world()
        wire_company(govsim.url)
        started = time.perf_counter()
        n = args.docs
        sizes = {"a": int(n * 0.80), "b": int(n * 0.15), "c": int(n * 0.03)}
        sizes["d"] = n - sum(sizes.values())
        ids = issue_without_sending(world, n, rng)
        print(f"emitidos {n} documentos (01 y 03, 1–5 líneas) en {time.perf_counter() - started:.0f} s; "
              f"esperan en el outbox")
        a, rest = ids[:sizes["a"]], ids[sizes["a"]:]
        b, rest = rest[:sizes["b"]], rest[sizes["b"]:]
        c, d = rest[:sizes["c"]], rest[sizes["c"]:]
        for batch in (a, b, c, d):
            park(batch)
        # Per-task INFO lines ("received", "succeeded") cost CPU at this rate: warnings only.
        workers = Workers(dict(os.environ), count=args.processes, pool=args.pool, concurrency=args.threads,
                          loglevel=os.environ.get("BENCH_WORKER_LOGLEVEL", "WARNING"), name=f"pipeline{os.getpid()}-")
        time.sleep(1 if is_small(args.small) else 3)
        rate_a = run_pipeline(a, args.timeout)
        print(f"{'tubería, govsim inmediato':<38}{len(a):>7} docs {rate_a:>8.0f} sellados/s")
        govsim.fault(mode="slow", latency_ms=150, seconds=3600)
        rate_b = run_pipeline(b, args.timeout)
        print(f"{'tubería, govsim a 150 ms':<38}{len(b):>7} docs {rate_b:>8.0f} sellados/s")
        govsim.clear()
        workers.stop()
        workers = None
        rate_c = run_sync(c)
        print(f"{'bucle síncrono, govsim inmediato':<38}{len(c):>7} docs {rate_c:>8.1f} sellados/s")
        govsim.fault(mode="slow", latency_ms=150, seconds=3600)
        rate_d = run_sync(d)
        print(f"{'bucle síncrono, govsim a 150 ms':<38}{len(d):>7} docs {rate_d:>8.1f} sellados/s")
        govsim.clear()
        docs = list(Document.objects.exclude(status=GovStatus.DRAFT).values_list("codigo_generacion", "status"))
        not_sealed = sum(1 for _c, s in docs if s != GovStatus.SEALED)
        duplicates = sum(1 for code, _s in docs if govsim.ledger(code)["accepted"] != 1)
        print(f"no sellados={not_sealed} aceptados≠1 en el registro de govsim={duplicates}")
        print(f"pipeline_sealed_per_s={rate_a:.0f} pipeline_150ms_sealed_per_s={rate_b:.0f} "
              f"sync_sealed_per_s={rate_c:.1f} sync_150ms_sealed_per_s={rate_d:.1f} docs={n} "
              f"not_sealed={not_sealed} not_once={duplicates}")
    finally:
        if workers:
            workers.stop()
        govsim.stop()
        redis.stop()


if __name__ == "__main__":
    main()
