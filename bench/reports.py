"""Reports and lists at a million documents (bench/seed_million.py must have filled the database):

- dashboard p95 (accountant, supervisor, sales rep), through Django's test client: view, queries
  and template, as a browser would get it;
- document list and its filters p95 (keyset pages, including a page 2,000 rows deep), next to
  the same deep page with OFFSET pagination and a COUNT (Django's Paginator);
- the credit page (aging of receivables) p95, next to aging every document in Python;
- the busiest month's sales books exported to xlsx through the export job (the worker's code
  path), in a child process whose peak memory (max RSS) is measured; next to the same rows
  written with openpyxl's write-only mode.

    .venv/bin/python bench/reports.py [--database-url postgres://…/facturador_bench_reports] [--runs 40] [--small]

At its small size (--small, after seed_million.py --small into the same database) it runs every
step over a few thousand documents.

Last line: name=value pairs.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/facturador_bench_reports"
DEEP = 500_000  # rows before the deep page
TARGETS = {"dashboard_p95_ms": 300, "list_p95_ms": 150, "book_xlsx_seconds": 20, "book_peak_mb": 250}


def setup(url):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_DEBUG", "false")
    from _setup import django_setup

    django_setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False


def users():
    from accounts.models import Role, User

    def ensure(name, role):
        user, _ = User.objects.get_or_create(username=name, defaults={"role": Role.objects.get(name=role)})
        return user

    rep = User.objects.filter(username__startswith="vendedor").order_by("username").first()
    return {"accountant": ensure("contador_bench", "Contador"), "supervisor": ensure("supervisor", "Supervisor"),
            "rep": rep}


def timed(client, url, runs, warm=3):
    for _ in range(warm):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return times


def p95(values):
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


def busiest_month():
    from django.db.models import Count
    from django.db.models.functions import TruncMonth
    from django.utils import timezone

    from dte.models import Document

    this_month = timezone.localdate().replace(day=1)
    row = (Document.objects.filter(issue_date__lt=this_month).annotate(m=TruncMonth("issue_date")).values("m")
           .annotate(n=Count("id")).order_by("-n").first())
    return row["m"], row["n"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--export-child", default="")  # internal: "<slug>|<month>|<fmt>|<engine>"
    parser.add_argument("--timeout", type=int, default=1800, help="segundos que puede tardar cada exportación")
    parser.add_argument("--small", action="store_true")
    args = parser.parse_args()
    setup(args.database_url)
    if args.export_child:
        return export_child(args.export_child)
    from _setup import is_small

    least, deep = 100_000, DEEP
    if is_small(args.small):
        args.runs, args.timeout, least, deep = 3, 300, 1000, 500

    from django.test import Client

    from accounts.models import Establishment
    from dte.models import Document

    total = Document.objects.count()
    if total < least:
        sys.exit(f"Only {total} documents: run bench/seed_million.py first.")
    who = users()
    browsers = {}
    for key, user in who.items():
        browsers[key] = Client()
        browsers[key].force_login(user)
    print(f"documents={total:,}")
    from billing.gctune import freeze_startup

    # as gunicorn's workers do once the app is loaded (gunicorn.conf.py): start-up frozen for the collector
    browsers[key].get("/documentos/")
    freeze_startup()

    # 1. dashboards
    dash = {}
    for key in ("accountant", "supervisor", "rep"):
        dash[key] = timed(browsers[key], "/reportes/tablero/", args.runs)
        print(f"dashboard {key:<11} p50={statistics.median(dash[key]):7.1f} ms  p95={p95(dash[key]):7.1f} ms")
    dashboard_p95 = max(p95(v) for v in dash.values())

    # 2. document list and filters
    month, month_docs = busiest_month()
    from reports.base import month_bounds

    end = month_bounds(month)[1]
    est = Establishment.objects.order_by("pk").first()
    rep = who["rep"]
    deepest = Document.objects.exclude(status="draft").order_by("-issue_date", "-id").values_list("issue_date", "id")[deep]
    cursor = f"{deepest[0].isoformat()}~{deepest[1]}"
    lists = {
        "sin filtros": "/documentos/",
        "tipo CCF": "/documentos/?tipo=03",
        "estado rechazado": "/documentos/?estado=rejected",
        "establecimiento": f"/documentos/?establecimiento={est.pk}",
        "vendedor": f"/documentos/?vendedor={rep.pk}",
        "mes": f"/documentos/?desde={month}&hasta={end}",
        "mes+tipo+establecimiento": f"/documentos/?desde={month}&hasta={end}&tipo=01&establecimiento={est.pk}",
        f"página {deep + 1:,}+ (keyset)": f"/documentos/?antes={cursor}",
        "buscar cliente": "/documentos/?q=Taller",
        "buscar número": f"/documentos/?q=DTE-03-{est.cod_estable_mh}P001-0000000000001",
    }
    list_times = []
    for name, url in lists.items():
        times = timed(browsers["accountant"], url, args.runs)
        list_times += times
        print(f"list {name:<26} p50={statistics.median(times):7.1f} ms  p95={p95(times):7.1f} ms")
    rep_times = timed(browsers["rep"], "/documentos/", args.runs)
    list_times += rep_times
    print(f"list {'vendedor (sus documentos)':<26} p50={statistics.median(rep_times):7.1f} ms  p95={p95(rep_times):7.1f} ms")
    list_p95 = p95(list_times)
    offset_ms = offset_page(deep)
    print(f"alternative: the same deep page with COUNT + OFFSET (Paginator): {offset_ms:.1f} ms per page")

    # 3. the credit page (aging of receivables), grouped by the database, next to the per-document
    #    Python aging it replaced (now the tests' reference, payments/tests/reference.py)
    credit = timed(browsers["accountant"], "/cobros/", max(5, args.runs // 4), warm=1)
    start = time.perf_counter()
    from payments.tests.reference import aging

    aging(documents=Document.objects.all())
    python_aging_ms = (time.perf_counter() - start) * 1000
    print(f"credit page /cobros/ p50={statistics.median(credit):7.1f} ms  p95={p95(credit):7.1f} ms; "
          f"alternative: aging every document in Python {python_aging_ms:7.1f} ms (before the page renders)")

    # 4. the month's sales books to xlsx, each in a child process (its own peak memory)
    books = {}
    for slug in ("libro-consumidor-final", "libro-contribuyentes"):
        books[slug] = child(args.database_url, f"{slug}|{month:%Y-%m}|xlsx|job", args.timeout)
        print(f"book {slug:<24} rows={books[slug]['rows']:>7,} seconds={books[slug]['seconds']:6.1f} "
              f"peak_mb={books[slug]['peak_mb']:6.1f} (before the export {books[slug]['base_mb']:.1f})")
    detail = child(args.database_url, f"libro-consumidor-final-detalle|{month:%Y-%m}|xlsx|job", args.timeout)
    print(f"book libro-consumidor-final (detalle) rows={detail['rows']:>7,} seconds={detail['seconds']:6.1f} "
          f"peak_mb={detail['peak_mb']:6.1f} (before the export {detail['base_mb']:.1f})")
    alt = child(args.database_url, f"libro-consumidor-final-detalle|{month:%Y-%m}|xlsx|openpyxl", args.timeout)
    print(f"alternative: the same detail rows with openpyxl write-only: seconds={alt['seconds']:6.1f} "
          f"peak_mb={alt['peak_mb']:6.1f}")
    held = child(args.database_url, f"libro-consumidor-final-detalle|{month:%Y-%m}|xlsx|list", args.timeout)
    print(f"alternative: the same rows read into a list first (no server-side cursor), then written: "
          f"seconds={held['seconds']:6.1f} peak_mb={held['peak_mb']:6.1f}")
    book_rows = detail["rows"] + books["libro-contribuyentes"]["rows"]
    book_seconds = detail["seconds"] + books["libro-contribuyentes"]["seconds"]
    book_peak = max(detail["peak_mb"], books["libro-contribuyentes"]["peak_mb"])
    print(f"documents={total} month={month:%Y-%m} month_documents={month_docs} "
          f"dashboard_p95_ms={dashboard_p95:.0f} list_p95_ms={list_p95:.0f} offset_deep_page_ms={offset_ms:.0f} "
          f"credit_page_p95_ms={p95(credit):.0f} python_aging_ms={python_aging_ms:.0f} "
          f"book_rows={book_rows} book_xlsx_seconds={book_seconds:.1f} book_peak_mb={book_peak:.0f} "
          f"openpyxl_seconds={alt['seconds']:.1f} openpyxl_peak_mb={alt['peak_mb']:.0f} in_memory_peak_mb={held['peak_mb']:.0f} "
          + " ".join(f"target_{k}={v}" for k, v in TARGETS.items()))


def offset_page(rows_deep):
    from django.core.paginator import Paginator

    from dte.models import Document

    times = []
    for _ in range(5):
        start = time.perf_counter()
        page = Paginator(Document.objects.exclude(status="draft").select_related("outbox").order_by("-issue_date", "-id"),
                         50).get_page(rows_deep // 50 + 1)
        list(page.object_list)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def child(url, spec, timeout):
    out = subprocess.run([sys.executable, __file__, "--database-url", url, "--export-child", spec],
                         capture_output=True, text=True, timeout=timeout)
    if out.returncode:
        raise SystemExit(f"la exportación {spec} falló:\n{out.stderr[-3000:]}")
    values = dict(part.split("=", 1) for part in out.stdout.strip().splitlines()[-1].split())
    return {"rows": int(values["rows"]), "seconds": float(values["seconds"]), "peak_mb": float(values["peak_mb"]),
            "base_mb": float(values["base_mb"])}


def high_water_mb():
    """This process's peak resident memory (VmHWM). Not ru_maxrss: Linux carries that over from
    the parent across fork and exec, so a child would report the parent's peak."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def export_child(spec):
    import tempfile

    from reports.base import parse_params
    from reports.definitions import BY_SLUG
    from reports.exports import iter_rows
    from reports.jobs import build_file

    slug, month, fmt, engine = spec.split("|")
    data = {"mes": month}
    user = users()["accountant"]
    report = BY_SLUG[slug]()
    params = parse_params(user, data, monthly=True)
    rows = report.count(params)
    base_mb = high_water_mb()  # Django loaded, before the export
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        if engine == "list":
            import xlsxwriter

            book = xlsxwriter.Workbook(out)
            sheet = book.add_worksheet("libro")
            rows_in_memory = [report.display(row) for row in report.rows(params)]
            for r, values in enumerate(rows_in_memory):
                for c, value in enumerate(values):
                    sheet.write(r, c, float(value) if value.__class__.__name__ == "Decimal" else value)
            book.close()
        elif engine == "openpyxl":
            from openpyxl import Workbook

            book = Workbook(write_only=True)
            sheet = book.create_sheet("libro")
            sheet.append([str(c.header) for c in report.columns])
            for values in iter_rows(report, params):
                sheet.append([float(v) if v.__class__.__name__ == "Decimal" else v for v in values])
            book.save(out)
        else:
            build_file(report, params, fmt, out)
        seconds = time.perf_counter() - start
    peak_mb = high_water_mb()
    print(f"rows={rows} seconds={seconds:.2f} peak_mb={peak_mb:.1f} base_mb={base_mb:.1f}")


if __name__ == "__main__":
    main()
