"""Outage drill (Contingency issue): MH (govsim) is down while 5,000 documents are issued; the
system must enter contingency by itself (circuit breaker), issue offline, and, once govsim is
back, notice it (periodic health check), send the contingency events, then the lots, and apply
the results, with nobody acting. Measured: seconds from govsim's return until the last document
is sealed (target ≤ 120 s). Checked in govsim's ledger: every document accepted exactly once.

For comparison it prints what a tool without contingency does in the same outage (most stop
issuing until the tax authority is back): no document issued while MH is down.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/facturador_bench_drill .venv/bin/python bench/outage_drill.py [--docs 5000] [--small]
"""

import argparse
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from _setup import ROOT, SMALL_HELP, is_small  # noqa: E402
from _stack import Govsim, Redis, Workers, sale_draft, wire_company  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--timeout", type=int, default=900, help="seconds to wait for catching up")
    parser.add_argument("--small", action="store_true", help=SMALL_HELP)
    args = parser.parse_args()
    if is_small(args.small):
        args.docs, args.timeout = 20, 180
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Este bench usa PostgreSQL: defina DATABASE_URL=postgres://…")
    redis = Redis()
    redis.start()
    os.environ.update(REDIS_URL=redis.url, CELERY_TASK_DEFAULT_QUEUE=f"drill-{os.getpid()}", DB_CONN_MAX_AGE="0", DTE_PDF_AUTO="false",
                      DTE_LARGE_AMOUNT_THRESHOLD="100000000", DTE_EXTRA_SCHEMA_DIRS="", DTE_MH_TIMEOUT_SECONDS="3",
                      DTE_RETRY_BASE_SECONDS="1", DTE_RETRY_MAX_SECONDS="5", DTE_SWEEP_EVERY_SECONDS="5",
                      DTE_CONTINGENCY_TICK_SECONDS="2", DTE_CONTINGENCY_LOT_POLL_SECONDS="1")
    govsim = Govsim(workers=4)
    workers = None
    try:
        from _setup import django_setup

        django_setup()
        import logging

        logging.getLogger("httpx").setLevel(logging.WARNING)
        sys.path.insert(0, str(ROOT / "bench"))
        import issue as issue_bench
        from django.db import connection
        from django.utils import timezone

        from contingency.models import Event, Lot
        from dte.models import Document, GovStatus, OfflineScope
        from dte.services.issuing import document_issue

        rng = random.Random(7)
        world = issue_bench.setup_world()
        wire_company(govsim.url)
        workers = Workers(dict(os.environ), count=2, pool="threads", concurrency=8, beat=True, loglevel="WARNING",
                          name=f"outage{os.getpid()}-")
        govsim.fault(mode="down")  # every /fesv/ call answers 503 until cleared
        base = {"establishment_id": world["est"].pk, "point_of_sale_id": world["pos"].pk,
                "issue_date": timezone.localdate()}
        started = time.perf_counter()
        failed = 0
        for i in range(args.docs):
            draft = sale_draft(world, rng, i, base)
            try:
                document_issue(document=draft, acting_user=world["user"])
            except Exception as exc:  # noqa: BLE001 - counted and reported
                failed += 1
                print(f"emisión fallida: {exc}", flush=True)
            if i and i % 1000 == 0:
                print(f"{i} emitidos; en contingencia: {Document.objects.filter(status=GovStatus.CONTINGENCY).count()}",
                      flush=True)
        issued_in = time.perf_counter() - started
        periods = list(OfflineScope.objects.all())
        offline = Document.objects.filter(status=GovStatus.CONTINGENCY).count()
        print(f"{args.docs} emitidos en {issued_in:.0f} s con MH caído; periodos={len(periods)} "
              f"automáticos={sum(p.automatic for p in periods)} emitidos sin conexión={offline}", flush=True)

        govsim.clear()  # MH is back
        back = time.perf_counter()
        total = Document.objects.exclude(status=GovStatus.DRAFT).count()
        deadline = time.monotonic() + args.timeout
        sealed = 0
        last_report = 0.0
        while time.monotonic() < deadline:
            sealed = Document.objects.filter(status=GovStatus.SEALED).count()
            if sealed >= total:
                break
            if time.perf_counter() - last_report > 10:
                last_report = time.perf_counter()
                print(f"  {time.perf_counter() - back:5.0f} s: sellados {sealed}/{total}, eventos sellados "
                      f"{Event.objects.filter(state='sealed').count()}, lotes procesados "
                      f"{Lot.objects.filter(state='processed').count()}", flush=True)
            time.sleep(0.25)
        caught_up = time.perf_counter() - back
        connection.close()
        codes = list(Document.objects.exclude(status=GovStatus.DRAFT).values_list("codigo_generacion", flat=True))
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(8) as pool:
            counts = list(pool.map(lambda code: govsim.ledger(code)["accepted"], codes))
        accepted = sum(n >= 1 for n in counts)
        duplicates = sum(max(0, n - 1) for n in counts)
        lost = args.docs - accepted
        events = Event.objects.count()
        lot_sizes = list(Lot.objects.values_list("document_count", flat=True))
        order_ok = all(lot.sent_at and lot.event.sealed_at and lot.event.sealed_at <= lot.sent_at
                       for lot in Lot.objects.select_related("event"))
        print(f"eventos={events} lotes={len(lot_sizes)} lote más grande={max(lot_sizes or [0])} "
              f"evento sellado antes de cada lote={order_ok} emisiones fallidas={failed}")
        print(f"sin contingencia (una herramienta que se detiene cuando MH cae): 0 de {args.docs} documentos emitidos "
              f"durante los {issued_in:.0f} s de la caída; con contingencia: {args.docs - failed} emitidos y "
              f"todos sellados {caught_up:.1f} s después de que MH volvió")
        print(f"docs={args.docs} accepted={accepted} duplicates={duplicates} lost={lost} sealed={sealed} "
              f"events={events} lots={len(lot_sizes)} caught_up_seconds={caught_up:.1f} target_seconds=120")
    finally:
        if workers:
            workers.stop()
        govsim.stop()
        redis.stop()


if __name__ == "__main__":
    main()
