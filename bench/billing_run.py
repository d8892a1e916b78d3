"""A work-time billing run at size (issue 22): 5,000 contractors not registered for IVA with 10
approved workdays each in a half-month, on projects of 100 people, each billed to a taxpayer client. Measures:

- the dry run (timesheets.services.run_plan: every document with its amounts, no number used),
  next to the real run (timesheets.services.run_execute: 5,000 FSEs + 50 CCFs numbered, built,
  validated, signed and stored through dte's issue service, the 50,000 days marked billed);
- the PDFs, each rendered with its timesheet annex by `dte.render` in Celery worker processes
  and stored through Django's storage: PDFs/s and the workers' peak memory per process over the
  first and the second half (it must not grow with the count).

Transmission to MH is left out (the documents are marked sealed as MH would): it is measured by
bench/pipeline.py. Email is off: printing is what is measured.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/facturador_bench_billing .venv/bin/python bench/billing_run.py [--contractors 5000] [--small]
"""

import argparse
import datetime
import os
import sys
import threading
import time
from decimal import Decimal

sys.path.insert(0, os.path.dirname(__file__))
from _setup import ROOT, SMALL_HELP, is_small  # noqa: E402
from _stack import Redis, Workers  # noqa: E402
from pdf import _children, _rss_kib  # noqa: E402

START, END = datetime.date(2026, 11, 16), datetime.date(2026, 11, 27)


def _world(contractors):
    sys.path.insert(0, str(ROOT / "bench"))
    import issue as issue_bench

    from accounts.models import Company, Role, User
    from timesheets.models import Department, Employee, FiscalStatus, Project, Workday, WorkdayState

    world = issue_bench.setup_world()
    Company.objects.update(email_documents=False)
    from django.db import connection

    with connection.cursor() as cursor:  # a run left by an earlier bench would make this one a rerun (nothing new)
        cursor.execute("TRUNCATE timesheets_linkdownload, timesheets_sharedlink, timesheets_workday, "
                       "timesheets_runitem, timesheets_billingrun RESTART IDENTITY CASCADE")
    Employee.objects.filter(code__startswith="B").delete()
    boss, _ = User.objects.get_or_create(username="bench-jefe", defaults={
        "role": Role.objects.get(name="Supervisor"), "is_superuser": True})
    dept, _ = Department.objects.get_or_create(code="BENCH", defaults={"name": "Operaciones", "establishment": world["est"]})
    # projects of 100 people each, every one billed to a client of its own (a CCF per client)
    from clients.models import Client

    projects = []
    for p in range(max(1, contractors // 100)):
        client, _ = Client.objects.get_or_create(id_type="36", id_number=f"0614{p:06d}1011", defaults=dict(
            kind="contribuyente", nrc=f"{p + 100000}", name=f"Cliente {p}", activity_code="46900",
            activity_description="Venta al por mayor de otros productos", email=f"cliente{p}@example.com",
            departamento="06", municipio="14", address="Calle Arce 10", phone="22224444"))
        project, _ = Project.objects.get_or_create(code=f"BENCH{p}", defaults={
            "name": f"Soporte {p}", "establishment": world["est"], "client": client, "rate": Decimal("20.00")})
        projects.append(project)
    Employee.objects.bulk_create([
        Employee(department=dept, project=projects[i % len(projects)], code=f"B{i:06d}", name=f"Contratista {i}",
                 email=f"c{i}@example.com", fiscal_status=FiscalStatus.CONTRACTOR, id_type="13",
                 id_number=f"{i:08d}-{i % 10}", hourly_rate=Decimal("12.50")) for i in range(contractors)],
    )
    days = [START + datetime.timedelta(days=d) for d in range(12) if (START + datetime.timedelta(days=d)).weekday() < 5]
    employees = list(Employee.objects.filter(code__startswith="B").select_related("project").order_by("pk")[:contractors])
    Workday.objects.bulk_create([Workday(employee=e, project=e.project, date=d, hours=Decimal("8"),
                                         state=WorkdayState.APPROVED, description="Turno")
                                 for e in employees for d in days], batch_size=5000)
    return world, boss


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--contractors", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=2, help="worker pool processes (one per core)")
    parser.add_argument("--timeout", type=int, default=7200, help="segundos que pueden tardar los workers")
    parser.add_argument("--small", action="store_true", help=SMALL_HELP)
    args = parser.parse_args()
    if is_small(args.small):
        args.contractors, args.timeout = 6, 180
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Este bench usa PostgreSQL: defina DATABASE_URL=postgres://…")
    redis = Redis()
    redis.start()
    import tempfile

    media = tempfile.mkdtemp(prefix="bench-billing-media-")
    os.environ.update(REDIS_URL=redis.url, CELERY_TASK_DEFAULT_QUEUE=f"billing-{os.getpid()}", DB_CONN_MAX_AGE="0",
                      DTE_LARGE_AMOUNT_THRESHOLD="100000000000", DTE_EXTRA_SCHEMA_DIRS="", DTE_PDF_AUTO="false", DTE_PDF_LAYOUTS="letter",
                      MEDIA_ROOT=media)
    workers = None
    try:
        from _setup import django_setup

        django_setup()
        import logging

        logging.getLogger("httpx").setLevel(logging.WARNING)
        logging.getLogger("timesheets").setLevel(logging.ERROR)
        from django.db import connection
        from django.utils import timezone

        from dte.models import Document, GovStatus, PrintedCopy
        from dte.tasks import render_task
        from dte.transmission import outbox
        from timesheets import services
        from timesheets.models import BillingRun, RunItem, RunState

        t0 = time.perf_counter()
        world, boss = _world(args.contractors)
        print(f"{args.contractors} contratistas con 10 jornadas cada uno en {time.perf_counter() - t0:.0f} s", flush=True)

        t0 = time.perf_counter()
        plan = services.run_plan(establishment_id=world["est"].pk, period_start=START, period_end=END)
        dry = time.perf_counter() - t0
        print(f"simulación: {len(plan)} documentos en {dry:.2f} s (ningún número usado: "
              f"{Document.objects.filter(tipo_dte='14').count()} FSE)", flush=True)

        outbox.queue_after_commit = lambda outbox_id: None  # transmission is bench/pipeline.py's
        run, _created = services.run_request(point_of_sale=world["pos"], period_start=START, period_end=END,
                                             acting_user=boss)
        services._queue_run = lambda run_id: None
        t0 = time.perf_counter()
        services.run_execute(run.pk)
        real = time.perf_counter() - t0
        run = BillingRun.objects.get(pk=run.pk)
        if run.state != RunState.DONE:
            raise SystemExit(f"la corrida terminó «{run.state}»: {RunItem.objects.exclude(error='').values_list('error', flat=True)[:3]}")
        docs = run.done_items
        print(f"corrida real: {docs} documentos emitidos en {real:.1f} s = {docs / real:.1f} documentos/s "
              f"(simulación {dry:.2f} s)", flush=True)
        ids = list(RunItem.objects.filter(run=run, document__isnull=False).values_list("document_id", flat=True))
        Document.objects.filter(pk__in=ids).update(status=GovStatus.SEALED, processed_at=timezone.now())
        for pk in ids:  # a seal per document, as MH's answer would set it
            Document.objects.filter(pk=pk).update(sello_recibido=f"2026{pk:036d}")

        env = dict(os.environ)
        # Named for this process: another bench's kill by name (bench/chaos.py) does not reach them.
        workers = Workers(env, count=1, pool="prefork", concurrency=args.concurrency, loglevel="WARNING",
                          name=f"billingrun{os.getpid()}-")
        connection.close()
        peaks = {"first": 0, "second": 0}
        stop = threading.Event()
        done_count = [0]
        total = len(ids)

        def sample():
            while not stop.wait(0.2):
                half = "first" if done_count[0] < total / 2 else "second"
                for pid in _children(workers.procs[0].pid):
                    peaks[half] = max(peaks[half], _rss_kib(pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        t0 = time.perf_counter()
        for pk in ids:
            render_task.apply_async((pk,), kwargs={}, queue=env["CELERY_TASK_DEFAULT_QUEUE"])
        deadline = time.monotonic() + args.timeout
        try:
            while True:
                done_count[0] = PrintedCopy.objects.filter(document_id__in=ids, layout="letter").count()
                if done_count[0] >= total:
                    break
                failed = workers.errors()
                if failed:
                    raise SystemExit(f"{len(failed)} impresiones fallaron en el worker:\n{failed[0]}")
                if workers.procs[0].poll() is not None:
                    raise SystemExit("el worker terminó antes de imprimir todo")
                if time.monotonic() > deadline:
                    raise SystemExit(f"solo {done_count[0]} de {total} PDF en {args.timeout} s")
                time.sleep(0.5)
        finally:
            stop.set()
        elapsed = time.perf_counter() - t0
        sampler.join()
        rate = total / elapsed
        print(f"worker ({args.concurrency} procesos): {total} PDF con anexo en {elapsed:.1f} s = {rate:.1f} PDF/s; "
              f"memoria pico por proceso: primera mitad {peaks['first'] / 1024:.0f} MiB, segunda mitad "
              f"{peaks['second'] / 1024:.0f} MiB", flush=True)
        print(f"contractors={args.contractors} workdays={args.contractors * 10} documents={docs} "
              f"dry_run_seconds={dry:.2f} real_run_seconds={real:.1f} documents_per_second={docs / real:.1f} "
              f"pdfs_per_second={rate:.1f} peak_mib_first_half={peaks['first'] / 1024:.0f} "
              f"peak_mib_second_half={peaks['second'] / 1024:.0f} "
              f"growth_mib={(peaks['second'] - peaks['first']) / 1024:.0f}")
    finally:
        if workers:
            workers.stop()
        redis.stop()
        import shutil

        shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()
