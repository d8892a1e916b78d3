"""Scale on one box: the whole pipeline (documents issued over HTTP through the public API with
``"issue": true``, queued, transmitted to govsim by Celery workers, sealed) with 1, 2 and 4 worker
processes and 1 and 2 web processes (gunicorn, sync, as the Procfile runs it). Prints sealed/s for
each: documents divided by the time from the first call to the last seal, with 4 client threads
posting so that a web process always has the next call waiting.

Where the curve flattens and why (issue 24): on 2 cores every process — gunicorn, the Celery
workers, PostgreSQL, Redis and govsim — shares the same two CPUs, so past 2 worker processes more
processes only add context switches; the sealed/s stop growing when the web tier (issuing: signing,
JSON, the call's record) or the CPU is saturated, whichever comes first. On 8 cores the web tier and
the workers would stop competing with each other and with PostgreSQL: expect the curve to keep rising
to about 4 worker processes and 2–4 web processes, until the database's commits (fsync) bound it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/facturador_bench_scale .venv/bin/python bench/scale.py [--docs 400] [--small]
"""

import argparse
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from _setup import SMALL_HELP, django_setup, is_small  # noqa: E402
from _stack import Govsim, Redis, Workers, free_port, wire_company  # noqa: E402


def wait_sealed(pks_after, count, timeout):
    """Until ``count`` documents with id > ``pks_after`` are sealed; returns the time they were."""
    from dte.models import Document, GovStatus

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Document.objects.filter(pk__gt=pks_after, status=GovStatus.SEALED).count() >= count:
            return time.perf_counter()
        time.sleep(0.2)
    raise SystemExit(f"no se sellaron {count} documentos en {timeout} s")


def _api_bench():
    """bench/api.py (``import api`` would be the project's api app, first on the path)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("api_bench", os.path.join(os.path.dirname(__file__), "api.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def one_run(web, processes, world, raw, n, rng, timeout):
    from web_load import start_server, stop_server

    api_bench = _api_bench()

    from dte.models import Document

    workers = Workers(dict(os.environ), count=processes, pool="threads", concurrency=4, loglevel="WARNING",
                      name=f"scale{os.getpid()}p{processes}w{web}-")
    port = free_port()
    server = start_server(port, web, dict(os.environ))
    try:
        api_bench.through_api(port, raw, [api_bench.sale(world, rng) for _ in range(4)], timeout)  # warm up
        wait_sealed(0, Document.objects.exclude(status="draft").count(), timeout)
        last = Document.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        started = time.perf_counter()
        api_bench.through_api(port, raw, [api_bench.sale(world, rng) for _ in range(n)], timeout)
        issued_at = time.perf_counter()
        sealed_at = wait_sealed(last, n, timeout)
        return n / (sealed_at - started), n / (issued_at - started), len(workers.errors())
    finally:
        stop_server(server)
        workers.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=400, help="documentos por combinación")
    parser.add_argument("--workers", default="1,2,4", help="procesos worker")
    parser.add_argument("--web", default="1,2", help="procesos web")
    parser.add_argument("--timeout", type=int, default=600, help="segundos que puede tardar cada combinación")
    parser.add_argument("--small", action="store_true", help=SMALL_HELP)
    args = parser.parse_args()
    if is_small(args.small):
        args.docs, args.workers, args.web, args.timeout = 8, "1,2", "1", 90
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Este bench mide PostgreSQL: defina DATABASE_URL=postgres://…")
    redis = Redis()
    redis.start()
    os.environ.update(REDIS_URL=redis.url, CELERY_TASK_DEFAULT_QUEUE=f"bench-scale-{os.getpid()}", DB_CONN_MAX_AGE="60",
                      DTE_PDF_AUTO="false", DTE_LARGE_AMOUNT_THRESHOLD="100000000", DTE_EXTRA_SCHEMA_DIRS="",
                      DEBUG="false", DJANGO_SETTINGS_MODULE="billing.settings")
    govsim = Govsim(workers=2, database_url=os.environ.get("GOVSIM_BENCH_DATABASE_URL", ""))
    try:
        django_setup()
        import logging

        logging.getLogger("httpx").setLevel(logging.WARNING)
        world, raw = _api_bench().setup()
        wire_company(govsim.url)
        rng = random.Random(24)
        rows, pairs = [], []
        for web in [int(x) for x in args.web.split(",")]:
            for processes in [int(x) for x in args.workers.split(",")]:
                load = os.getloadavg()[0]
                sealed, issued, failed = one_run(web, processes, world, raw, args.docs, rng, args.timeout)
                rows.append((web, processes, sealed, issued, failed, load))
                print(f"web {web}  workers {processes}:  {sealed:6.1f} sellados/s  (emitidos {issued:6.1f}/s, "
                      f"tareas fallidas {failed}, carga {load:.1f})")
                pairs.append(f"sealed_per_s_web{web}_workers{processes}={sealed:.1f}")
        best = max(rows, key=lambda r: r[2])
        print(f"docs={args.docs} " + " ".join(pairs) + f" best_web={best[0]} best_workers={best[1]} "
              f"failed_tasks={sum(r[4] for r in rows)}")
    finally:
        govsim.stop()
        redis.stop()


if __name__ == "__main__":
    main()
