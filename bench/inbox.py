"""20,000 received DTEs (JSON, CCF v3 from MH's own example, each with its signature's form and
sello) in one ZIP, through the worker-queued path a large upload takes (purchases.batches): the ZIP
stored, split into chunks of 500, each chunk a Celery task on real worker processes (Redis,
PostgreSQL), every document parsed, checked against MH's schema, its signature form, sello,
arithmetic and receptor, deduplicated, matched to the provider catalogue and kept; then the
verified ones registered into the month's tax period. Prints documents/s end to end, the workers'
peak resident memory, and beside them the alternative: the same intake run in the web process on
one upload's worth of files (reading.MAX_FILES, the synchronous path).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/facturador_bench .venv/bin/python bench/inbox.py [--docs 20000] [--small]
"""

import argparse
import datetime
import os
import sys
import tempfile
import time
import zipfile

sys.path.insert(0, os.path.dirname(__file__))
from _setup import ROOT, SMALL_HELP, django_setup, is_small  # noqa: E402
from _stack import Redis, Workers  # noqa: E402


def peak_mb():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def build_zip(path, n, *, start=0):
    from purchases.tests.factory import as_file, ccf

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(start, start + n):
            gravada = f"{100 + i % 900}.{i % 100:02d}"
            doc = ccf([(gravada, "0")], number=i + 1, day=f"2026-11-{1 + i % 28:02d}")
            zf.writestr(f"dte/{doc['identificacion']['codigoGeneracion']}.json", as_file(doc))


def setup_world():
    from accounts.models import Company, User
    from inventory.models import Provider
    from purchases.tests.factory import COMPANY_NIT, COMPANY_NRC, PROVIDER_NIT, PROVIDER_NRC

    Company.objects.get_or_create(nit=COMPANY_NIT, defaults=dict(
        nrc=COMPANY_NRC, legal_name="Empresa de Prueba, S.A. de C.V.", trade_name="Prueba", activity_code="46900",
        activity_description="Venta al por mayor", departamento="06", municipio="14", address="Calle 1",
        phone="22223333", email="empresa@example.com"))
    Provider.objects.get_or_create(id_type="36", id_number=PROVIDER_NIT,
                                   defaults={"nrc": PROVIDER_NRC, "name": "Repuestos del Norte, S.A."})
    user, _ = User.objects.get_or_create(username="bench-contador", defaults={"is_superuser": True})
    return user


def wait_done(batch_id, timeout):
    from purchases.models import IntakeBatch

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch = IntakeBatch.objects.get(pk=batch_id)
        if batch.state in ("done", "failed"):
            return batch
        time.sleep(0.5)
    raise SystemExit(f"el lote no terminó en {timeout} s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--processes", type=int, default=2, help="procesos del pool del worker (prefork)")
    parser.add_argument("--timeout", type=int, default=1800, help="segundos que puede tardar el lote")
    parser.add_argument("--small", action="store_true", help=SMALL_HELP)
    args = parser.parse_args()
    if is_small(args.small):
        args.docs, args.timeout = 300, 150
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Este bench mide PostgreSQL: defina DATABASE_URL=postgres://…")
    redis = Redis()
    redis.start()
    os.environ.update(REDIS_URL=redis.url, CELERY_TASK_DEFAULT_QUEUE=f"bench-{os.getpid()}", DB_CONN_MAX_AGE="60",
                      DTE_EXTRA_SCHEMA_DIRS="", MEDIA_ROOT=tempfile.mkdtemp(prefix="bench-inbox-media-"))
    workers = None
    try:
        django_setup()
        from django.db import connection

        from purchases import batches, reading, services
        from purchases.models import ReceivedDocument

        user = setup_world()
        before = ReceivedDocument.objects.count()
        period = datetime.date(2026, 11, 1)
        path = os.path.join(tempfile.mkdtemp(prefix="bench-inbox-"), "recibidos.zip")
        started = time.perf_counter()
        build_zip(path, args.docs)
        print(f"ZIP de {args.docs} DTE JSON: {os.path.getsize(path) / 1e6:.1f} MB, hecho en {time.perf_counter() - started:.0f} s")

        workers = Workers(dict(os.environ), count=1, pool="prefork", concurrency=args.processes, name="ibx",
                          loglevel=os.environ.get("BENCH_WORKER_LOGLEVEL", "WARNING"))
        started = time.perf_counter()
        with open(path, "rb") as fh:
            batch = batches.batch_create(file=fh, name="recibidos.zip", acting_user=user, period=period)
        batch = wait_done(batch.pk, args.timeout)
        elapsed = time.perf_counter() - started
        if batch.state != "done" or batch.received != args.docs or batch.registered != args.docs:
            raise SystemExit(f"lote {batch.state}: {batch.received} recibidos, {batch.questioned} observados, "
                             f"{batch.refused} rechazados, {batch.registered} registrados; {batch.refusals[:3]} "
                             f"{batch.error} {workers.errors()[:1]}")
        rate = args.docs / elapsed
        worker_mb = batch.peak_kb / 1024
        print(f"{'lote en workers (ZIP → registrados)':<44}{args.docs:>7} docs {rate:>8.0f} docs/s "
              f"{elapsed:>7.1f} s  pico del worker {worker_mb:.0f} MB")
        workers.stop()
        workers = None

        # The alternative: one upload's worth, checked and kept in the web process (synchronous).
        n_sync = min(reading.MAX_FILES, args.docs)
        sync_path = path + ".sync.zip"
        build_zip(sync_path, n_sync, start=args.docs)
        with open(sync_path, "rb") as fh:
            data = fh.read()
        connection.close()
        started = time.perf_counter()
        results, _skipped = services.receive_upload(files=[("carga.zip", data)], acting_user=user)
        sync_elapsed = time.perf_counter() - started
        assert sum(1 for r in results if r.document) == n_sync
        sync_rate = n_sync / sync_elapsed
        print(f"{'carga síncrona en el proceso web':<44}{n_sync:>7} docs {sync_rate:>8.0f} docs/s "
              f"{sync_elapsed:>7.1f} s  pico del proceso {peak_mb():.0f} MB")
        assert ReceivedDocument.objects.count() - before == args.docs + n_sync
        print(f"documents={args.docs} docs_per_s={rate:.0f} peak_worker_mb={worker_mb:.0f} "
              f"sync_docs_per_s={sync_rate:.0f} peak_bench_mb={peak_mb():.0f}")
    finally:
        if workers is not None:
            workers.stop()
        redis.stop()


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
