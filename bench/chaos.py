"""Chaos: 2,000 documents issued while a loop SIGKILLs a random worker process every few seconds,
Redis is restarted once (losing everything queued in it), and govsim drops 5 % of answers after
accepting the document and fails 5 % with a 5xx. When the pipeline has settled, govsim's ledger
must show every document accepted exactly once, none lost, and the numbering without gaps.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/facturador_bench_chaos .venv/bin/python bench/chaos.py [--docs 2000] [--small]
"""

import argparse
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from _setup import ROOT, SMALL_HELP, is_small  # noqa: E402
from _stack import Govsim, Redis, Workers, sale_draft, wire_company  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--kill-every", type=float, default=4.0, help="seconds between worker kills")
    parser.add_argument("--timeout", type=int, default=1200, help="seconds to wait for everything to settle")
    parser.add_argument("--restart-after", type=float, default=20, help="seconds before Redis is restarted")
    parser.add_argument("--small", action="store_true", help=SMALL_HELP)
    args = parser.parse_args()
    small = is_small(args.small)
    if small:
        args.docs, args.kill_every, args.timeout, args.restart_after = 20, 2.0, 180, 3
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Este bench usa PostgreSQL: defina DATABASE_URL=postgres://…")
    redis = Redis()
    redis.start()
    os.environ.update(REDIS_URL=redis.url, CELERY_TASK_DEFAULT_QUEUE=f"chaos-{os.getpid()}", DB_CONN_MAX_AGE="0", DTE_PDF_AUTO="false",
                      DTE_LARGE_AMOUNT_THRESHOLD="100000000", DTE_EXTRA_SCHEMA_DIRS="", DTE_MH_TIMEOUT_SECONDS="3",
                      DTE_RETRY_BASE_SECONDS="1", DTE_RETRY_MAX_SECONDS="5", DTE_CLAIM_TIMEOUT_SECONDS="15",
                      DTE_SWEEP_GRACE_SECONDS="5", DTE_SWEEP_EVERY_SECONDS="3")
    if small:  # a killed worker's claim is taken over sooner: the small run is about reaching the end
        os.environ.update(DTE_CLAIM_TIMEOUT_SECONDS="6", DTE_SWEEP_GRACE_SECONDS="2", DTE_SWEEP_EVERY_SECONDS="1")
    govsim = Govsim(workers=4)
    workers = None
    stop = threading.Event()
    kills = []
    try:
        sys.path.insert(0, str(ROOT / "bench"))
        from _setup import django_setup

        django_setup()
        import issue as issue_bench
        from django.db import connection
        from django.utils import timezone

        from dte.models import Document, GovStatus, Outbox, OutboxState
        from dte.services.issuing import document_issue

        rng = random.Random(13)
        world = issue_bench.setup_world()
        wire_company(govsim.url)
        govsim.fault(mode="drop", share=0.05, seconds=36000)
        govsim.fault(mode="error", status_code=500, share=0.05, seconds=36000)
        workers = Workers(dict(os.environ), count=2, pool="prefork", concurrency=4, beat=True, loglevel="WARNING",
                          name=f"chaos{os.getpid()}-")

        def chaos():
            restarted = False
            started = time.monotonic()
            while not stop.wait(args.kill_every):
                kills.append(workers.kill_random(rng))
                if not restarted and time.monotonic() - started > args.restart_after:
                    redis.restart()  # everything queued is lost: the sweeper must find it again
                    restarted = True
                    print("redis reiniciado", flush=True)

        killer = threading.Thread(target=chaos, daemon=True)
        killer.start()
        base = {"establishment_id": world["est"].pk, "point_of_sale_id": world["pos"].pk,
                "issue_date": timezone.localdate()}
        started = time.perf_counter()
        failed_issues = 0
        for i in range(args.docs):
            draft = sale_draft(world, rng, i, base)
            try:
                document_issue(document=draft, acting_user=world["user"])
            except Exception as exc:  # noqa: BLE001 - counted and reported
                failed_issues += 1
                print(f"emisión fallida: {exc}", flush=True)
            if i % 250 == 0:
                print(f"{i} emitidos, {Outbox.objects.filter(state=OutboxState.DONE).count()} terminados", flush=True)
        print(f"{args.docs} documentos emitidos en {time.perf_counter() - started:.0f} s mientras se mataban "
              f"trabajadores ({len(kills)} hasta ahora)", flush=True)
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            left = Outbox.objects.exclude(state=OutboxState.DONE).count()
            if left == 0:
                break
            time.sleep(2)
        stop.set()
        killer.join(timeout=30)
        connection.close()
        docs = list(Document.objects.exclude(status=GovStatus.DRAFT).values_list(
            "tipo_dte", "correlative", "codigo_generacion", "status"))
        sealed = [d for d in docs if d[3] == GovStatus.SEALED]
        accepted = duplicates = 0
        for _t, _c, code, _s in docs:
            n = govsim.ledger(code)["accepted"]
            accepted += n >= 1
            duplicates += max(0, n - 1)
        lost = len(docs) - accepted + (args.docs - len(docs))
        gaps = 0
        for tipo in {d[0] for d in docs}:
            numbers = sorted(d[1] for d in docs if d[0] == tipo)
            gaps += len(range(1, numbers[-1] + 1)) - len(numbers) if numbers else 0
        print(f"trabajadores muertos={len(kills)} emisiones fallidas={failed_issues} sellados={len(sealed)} "
              f"sin sellar={len(docs) - len(sealed)}")
        print(f"accepted={accepted} duplicates={duplicates} lost={lost} gaps={gaps}")
    finally:
        stop.set()
        if workers:
            workers.stop()
        govsim.stop()
        redis.stop()


if __name__ == "__main__":
    main()
