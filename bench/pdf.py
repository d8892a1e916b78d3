"""Printed documents through the real worker path (Printing issue): 1,000 sealed Facturas and CCFs
of 1–30 lines, each rendered by `dte.render` in Celery worker processes (letter and ticket
layouts, WeasyPrint) and stored through Django's storage. Prints PDFs/s and the workers' peak
memory (per process, over the first and the second half of the run: it must not grow with the
count), next to the same PDFs rendered in a plain loop in one process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/facturador_bench_pdf .venv/bin/python bench/pdf.py [--docs 1000] [--small]

A render that fails stops the bench with the worker's traceback; so does a run that passes its
deadline (--timeout).
"""

import argparse
import os
import random
import sys
import threading
import time
from decimal import Decimal

sys.path.insert(0, os.path.dirname(__file__))
from _setup import ROOT, SMALL_HELP, is_small  # noqa: E402
from _stack import Redis, Workers  # noqa: E402


def _rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return 0
    return 0


def _children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--loop-docs", type=int, default=100, help="documents rendered in the plain loop")
    parser.add_argument("--concurrency", type=int, default=2, help="worker pool processes (one per core)")
    parser.add_argument("--timeout", type=int, default=1800, help="segundos que pueden tardar los workers")
    parser.add_argument("--small", action="store_true", help=SMALL_HELP)
    args = parser.parse_args()
    if is_small(args.small):
        args.docs, args.loop_docs, args.timeout = 6, 2, 180
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Este bench usa PostgreSQL: defina DATABASE_URL=postgres://…")
    redis = Redis()
    redis.start()
    import tempfile

    media = tempfile.mkdtemp(prefix="bench-pdf-media-")
    os.environ.update(REDIS_URL=redis.url, CELERY_TASK_DEFAULT_QUEUE=f"pdf-{os.getpid()}", DB_CONN_MAX_AGE="0",
                      DTE_LARGE_AMOUNT_THRESHOLD="100000000", DTE_EXTRA_SCHEMA_DIRS="", DTE_PDF_AUTO="false",
                      MEDIA_ROOT=media)
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

        from dte.models import Document, GovStatus, PrintedCopy
        from dte.printing import render_pdf
        from dte.services.drafts import draft_save
        from dte.services.issuing import document_issue
        from dte.tasks import render_task
        from dte.transmission import outbox

        rng = random.Random(11)
        world = issue_bench.setup_world()
        from accounts.models import Company

        Company.objects.update(email_documents=False)  # printing is measured, not email
        PrintedCopy.objects.all().delete()
        base = {"establishment_id": world["est"].pk, "point_of_sale_id": world["pos"].pk,
                "issue_date": timezone.localdate()}
        outbox.queue_after_commit = lambda outbox_id: None  # nothing is transmitted here
        ids = []
        started = time.perf_counter()
        for i in range(args.docs):
            tipo = "03" if i % 3 == 0 else "01"
            client = world["taxpayer"] if tipo == "03" else world["consumer"]
            lines = []
            for _ in range(rng.randint(1, 30)):
                p = rng.choice(world["products"])
                lines.append({"product_id": p.pk, "code": p.code, "description": p.description,
                              "quantity": Decimal(rng.randint(1, 9)), "unit_price": Decimal(rng.randint(100, 9999)) / 100})
            draft = draft_save(acting_user=world["user"], data=dict(base, tipo_dte=tipo, client_id=client.pk), lines=lines)
            ids.append(document_issue(document=draft, acting_user=world["user"]).pk)
        # Sealed as MH would (the seal is what the printed copy shows).
        for pk in ids:
            Document.objects.filter(pk=pk).update(status=GovStatus.SEALED, sello_recibido=f"2026{pk:036d}",
                                                  processed_at=timezone.now())
        print(f"{len(ids)} documentos de 1 a 30 líneas emitidos y sellados en {time.perf_counter() - started:.0f} s",
              flush=True)

        # The alternative: the same rendering in a plain loop, one process, nothing stored.
        loop_ids = ids[:args.loop_docs]
        t0 = time.perf_counter()
        for pk in loop_ids:
            doc = Document.objects.select_related("company").get(pk=pk)
            render_pdf(doc, "letter")
            render_pdf(doc, "ticket")
        loop_rate = 2 * len(loop_ids) / (time.perf_counter() - t0)
        print(f"bucle simple en un proceso: {loop_rate:.1f} PDF/s ({2 * len(loop_ids)} PDF)", flush=True)

        env = dict(os.environ)
        workers = Workers(env, count=1, pool="prefork", concurrency=args.concurrency, loglevel="WARNING",
                          name=f"pdf{os.getpid()}-")
        connection.close()
        peaks = {"first": 0, "second": 0}
        total_pdfs = 2 * len(ids)
        stop = threading.Event()
        done_count = [0]

        def sample():
            while not stop.wait(0.2):
                half = "first" if done_count[0] < total_pdfs / 2 else "second"
                for pid in _children(workers.procs[0].pid):
                    peaks[half] = max(peaks[half], _rss_kib(pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        t0 = time.perf_counter()
        for pk in ids:
            render_task.delay(pk)
        deadline = time.monotonic() + args.timeout
        try:
            while True:
                done_count[0] = PrintedCopy.objects.count()
                if done_count[0] >= total_pdfs:
                    break
                failed = workers.errors()
                if failed:  # a render that failed is never stored: waiting longer would wait forever
                    raise SystemExit(f"{len(failed)} impresiones fallaron en el worker:\n{failed[0]}")
                if workers.procs[0].poll() is not None:
                    raise SystemExit("el worker terminó antes de imprimir todo")
                if time.monotonic() > deadline:
                    raise SystemExit(f"solo {done_count[0]} de {total_pdfs} PDF en {args.timeout} s")
                time.sleep(0.5)
        finally:
            stop.set()
        elapsed = time.perf_counter() - t0
        stop.set()
        sampler.join()
        rate = total_pdfs / elapsed
        growth = peaks["second"] - peaks["first"]
        print(f"worker ({args.concurrency} procesos): {total_pdfs} PDF en {elapsed:.1f} s = {rate:.1f} PDF/s; "
              f"memoria pico por proceso: primera mitad {peaks['first'] / 1024:.0f} MiB, segunda mitad "
              f"{peaks['second'] / 1024:.0f} MiB")
        print(f"documents={len(ids)} pdfs={total_pdfs} pdfs_per_second={rate:.1f} loop_pdfs_per_second={loop_rate:.1f} "
              f"peak_mib_first_half={peaks['first'] / 1024:.0f} peak_mib_second_half={peaks['second'] / 1024:.0f} "
              f"growth_mib={growth / 1024:.0f} target_pdfs_per_second=8")
    finally:
        if workers:
            workers.stop()
        redis.stop()
        import shutil

        shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()
