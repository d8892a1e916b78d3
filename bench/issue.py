"""Issuing throughput on PostgreSQL: 10,000 documents of mixed types (Factura, CCF, NC, ND, NR,
CR, FEX, FSE) with 1–20 lines each, issued through dte.services.issuing.document_issue — the service the
form calls: number, JSON, our schema, signature, outbox, history, stock. Drafts are saved first
(through draft_save, timed apart). Prints documents/s and the p95 time to issue one, with one
process and with one process per core (how the web workers run), side by side.

Then sales on credit to one client who buys on credit (a limit and a 30-day term: the credit
checks run on every issue), 500 per phase, the client paying them before the next phase: first
with no history, then after 50,000 earlier credit sales of that client (all paid, one payment
each, but the last 50), on one process and one per core. The rate must not fall as that client's
history grows.

``--generation 2026`` issues every document in MH's 2026 generation (Normativa v2.0: FE v2,
CCF v4 …; a dte.SchemaGeneration row from yesterday), to compare its rate with 2023's.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/facturador_bench_issue .venv/bin/python bench/issue.py [--docs 10000] [--small] [--generation 2026]
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from decimal import Decimal

sys.path.insert(0, os.path.dirname(__file__))
from _setup import SMALL_HELP, django_setup, is_small  # noqa: E402

MIX = [("01", 40), ("03", 25), ("05", 5), ("06", 5), ("04", 5), ("07", 5), ("11", 8), ("14", 7)]


def setup_world(generation="2023"):
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import Company, Establishment, PointOfSale, User
    from accounts.services import roles_ensure_defaults
    from clients.models import Client
    from dte.signing.certificates import build_mh_crt
    from inventory.models import Product, Provider

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE dte_document, dte_numbercounter, dte_outbox, dte_statuschange, dte_specialcase, "
                       "dte_documentline, dte_relateddocument, inventory_stockmovement, inventory_stock, "
                       "contingency_lot, contingency_event, contingency_period RESTART IDENTITY CASCADE")
    roles_ensure_defaults()
    set_generation(generation)
    company, _ = Company.objects.get_or_create(nit="06140507071048", defaults=dict(
        nrc="1234567", legal_name="Empresa de Prueba, S.A. de C.V.", trade_name="Prueba Comercial",
        activity_code="46900", activity_description="Venta al por mayor de otros productos", departamento="06",
        municipio="14", address="Calle 1", phone="22223333", email="empresa@example.com",
        mh_responsible_name="Responsable de Prueba", mh_responsible_id_type="13", mh_responsible_id_number="00016297-5"))
    company.certificate = build_mh_crt(nit=company.nit, password="bench")
    company.certificate_password = "bench"
    company.save()
    est, _ = Establishment.objects.get_or_create(company=company, cod_estable_mh="M001", defaults=dict(
        name="Matriz", departamento="06", municipio="14", address="Calle 1"))
    pos, _ = PointOfSale.objects.get_or_create(establishment=est, cod_punto_venta_mh="P001", defaults={"name": "Caja"})
    from accounts.models import Role
    from accounts.services import user_assign_locations

    # A sales rep assigned to the point of sale: the per-object access check runs, as in the form.
    admin, _ = User.objects.get_or_create(username="bench-rep", defaults={"role": Role.objects.get(name="Vendedor")})
    user_assign_locations(user=admin, establishments=[est], points_of_sale=[pos], acting_user=None)
    common = {"departamento": "06", "municipio": "14", "address": "Calle Arce 10", "phone": "22224444"}
    taxpayer, _ = Client.objects.get_or_create(id_type="36", id_number="06142803901121", defaults=dict(
        kind="contribuyente", nrc="2345678", name="Distribuidora Central, S.A. de C.V.", activity_code="46900",
        activity_description="Venta al por mayor de otros productos", email="c@central.example", **common))
    consumer, _ = Client.objects.get_or_create(id_type="13", id_number="00016297-5", defaults=dict(
        kind="consumidor", name="Ana López", email="ana@example.com", **common))
    foreign, _ = Client.objects.get_or_create(id_type="37", id_number="GT-998877", defaults=dict(
        kind="extranjero", name="Importadora Maya", country_code="9483", person_type="2",
        activity_description="Comercio de café", address="Zona 12, Guatemala", email="m@maya.example"))
    provider, _ = Provider.objects.get_or_create(id_type="36", id_number="06141506851019", defaults=dict(
        nrc="3456789", name="Repuestos del Norte, S.A.", email="v@norte.example", activity_code="46900",
        **{k: common[k] for k in ("departamento", "municipio", "address", "phone")}))
    credit, _ = Client.objects.get_or_create(id_type="36", id_number="06140101001012", defaults=dict(
        kind="contribuyente", nrc="1111111", name="Gran Almacén, S.A.", activity_code="47190", taxpayer_size="mediano",
        activity_description="Venta al por menor en comercios no especializados", email="pagos@gran.example",
        credit_limit=Decimal("100000000"), payment_term_days=30, **common))
    from payments.models import Application, Payment

    Application.objects.filter(payment__client=credit).delete()
    Payment.objects.filter(client=credit).delete()
    history_pos, _ = PointOfSale.objects.get_or_create(establishment=est, cod_punto_venta_mh="P999",
                                                       defaults={"name": "Historia"})
    products = []
    for i in range(50):
        product, _ = Product.objects.update_or_create(code=f"BENCH-{i:03d}", defaults=dict(
            description=f"Producto de prueba {i}", price=Decimal("11.30"), cost=Decimal("0")))
        products.append(product)
    return {"est": est, "pos": pos, "user": admin, "taxpayer": taxpayer, "consumer": consumer, "foreign": foreign,
            "provider": provider, "products": products, "credit": credit, "history_pos": history_pos}


def set_generation(generation):
    """Every type and event in ``generation`` from yesterday on (no row: the default, 2023)."""
    import datetime

    from django.utils import timezone

    from dte.models import SchemaGeneration
    from dte.schemas.registry import DEFAULT_GENERATION, GENERATIONS

    if generation not in GENERATIONS:
        raise SystemExit(f"generación desconocida: {generation} (conocidas: {', '.join(GENERATIONS)})")
    SchemaGeneration.objects.all().delete()
    if generation != DEFAULT_GENERATION:
        SchemaGeneration.objects.create(kind="*", generation=generation,
                                        effective_from=timezone.now() - datetime.timedelta(days=1), note="bench")


def credit_drafts(world, n, rng):
    """Sales on credit (CCF and Factura, 1–5 lines, 30 days) to the client who buys on credit."""
    from django.utils import timezone

    from dte.services.drafts import draft_save

    base = {"establishment_id": world["est"].pk, "point_of_sale_id": world["pos"].pk, "issue_date": timezone.localdate(),
            "client_id": world["credit"].pk, "condition": 2, "payment_term_days": 30}
    ids = []
    for i in range(n):
        lines = []
        for _ in range(rng.randint(1, 5)):
            p = rng.choice(world["products"])
            lines.append({"product_id": p.pk, "code": p.code, "description": p.description,
                          "quantity": Decimal(rng.randint(1, 9)), "unit_price": Decimal(rng.randint(100, 9999)) / 100})
        ids.append(draft_save(acting_user=world["user"], data=dict(base, tipo_dte="03" if i % 2 else "01"), lines=lines).pk)
    return ids


def credit_history(world, n, rng):
    """``n`` earlier credit sales of the credit client over the last two years, written directly
    (issuing them one by one would take longer than the bench): sealed, 30 days to pay, all paid in
    full (one payment each) but the last 50, still open and not yet due (none overdue, so the new
    sales need no confirmation)."""
    import datetime
    import uuid

    from django.utils import timezone

    from dte.models import Document, GovStatus

    today = timezone.localdate()
    common = {"company_id": world["est"].company_id, "establishment_id": world["est"].pk,
              "point_of_sale_id": world["history_pos"].pk, "client_id": world["credit"].pk, "condition": 2,
              "payment_term_days": 30, "status": GovStatus.SEALED, "created_by_id": world["user"].pk,
              "issued_by_id": world["user"].pk, "generation": "2023"}
    docs = []
    for i in range(n):
        tipo = "03" if i % 2 else "01"
        day = today - datetime.timedelta(days=(n - i) * 730 // n)
        worth = Decimal(rng.randint(1000, 50000)) / 100
        docs.append(Document(tipo_dte=tipo, issue_date=day, number_year=day.year,
                             numero_control=f"DTE-{tipo}-M001P999-{i + 1:015d}", codigo_generacion=str(uuid.uuid4()).upper(),
                             correlative=i + 1, total_operation=worth, total_to_pay=worth, **common))
    for d in docs[-50:]:
        d.issue_date = today - datetime.timedelta(days=5)  # open, not yet due
    docs = Document.objects.bulk_create(docs, batch_size=5000)
    paid = docs[:-50]
    pay_off(world, paid)
    return len(docs), len(paid)


def pay_off(world, docs):
    """The client pays these sales in full, one payment each (written directly, as
    payments.services would leave them: applied whole, the sale marked paid off)."""
    import datetime

    from django.db import connection
    from django.utils import timezone

    from dte.models import Document
    from payments.models import Application, Payment

    today = timezone.localdate()
    docs = list(Document.objects.filter(pk__in=[d.pk for d in docs]).only("pk", "issue_date", "total_to_pay"))
    payments = Payment.objects.bulk_create([Payment(client_id=world["credit"].pk, amount=d.total_to_pay, method="01",
                                                    date=min(today, d.issue_date + datetime.timedelta(days=20)),
                                                    reference=f"Depósito {d.pk}", created_by_id=world["user"].pk)
                                            for d in docs], batch_size=5000)
    Application.objects.bulk_create([Application(payment=p, document=d, amount=d.total_to_pay)
                                     for p, d in zip(payments, docs, strict=True)], batch_size=5000)
    Document.objects.filter(pk__in=[d.pk for d in docs]).update(paid_off=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE dte_document; ANALYZE payments_payment; ANALYZE payments_application")


def make_drafts(world, n, rng):
    from django.utils import timezone

    from dte.models import Document, GovStatus
    from dte.services.drafts import draft_save
    from dte.services.issuing import document_issue

    types = [t for t, w in MIX for _ in range(w)]
    base = {"establishment_id": world["est"].pk, "point_of_sale_id": world["pos"].pk, "issue_date": timezone.localdate()}
    sealed_ccf = None
    ids = []
    started = time.perf_counter()
    for i in range(n):
        tipo = rng.choice(types)
        lines = []
        for k in range(rng.randint(1, 20)):
            p = rng.choice(world["products"])
            lines.append({"product_id": p.pk, "code": p.code, "description": p.description,
                          "quantity": Decimal(rng.randint(1, 9)), "unit_price": Decimal(rng.randint(100, 99999)) / 100,
                          "discount": Decimal(0), "treatment": rng.choice(["gravado"] * 8 + ["exento", "no_sujeto"])})
            if tipo == "07":
                lines[-1] = {"description": f"Retención {k}", "extra": {
                    "tipoDte": "03", "tipoDoc": 1, "numDocumento": f"CCF{i}-{k}", "fechaEmision": "2026-11-01",
                    "montoSujetoGrav": str(rng.randint(100, 5000)), "codigoRetencionMH": "22"}}
            elif tipo == "14":
                lines[-1]["treatment"] = "gravado"
        data = dict(base, tipo_dte=tipo)
        related = ()
        if tipo in ("03", "05", "06", "04"):
            data["client_id"] = world["taxpayer"].pk
        elif tipo == "01":
            data["client_id"] = world["consumer"].pk
        elif tipo == "11":
            data["client_id"] = world["foreign"].pk
            data["extra"] = {"tipoItemExpor": "1", "recintoFiscal": "02", "regimen": "EX-1.1000.000"}  # goods
        elif tipo == "07":
            data["provider_id"] = world["provider"].pk
        elif tipo == "14":
            data["counterparty"] = {"id_type": "13", "id_number": "04567891-2", "name": "Juan Pérez",
                                    "departamento": "05", "municipio": "11", "address": "Cantón El Progreso"}
        if tipo in ("05", "06"):
            if sealed_ccf is None:
                ccf = draft_save(acting_user=world["user"], data=dict(base, tipo_dte="03", client_id=world["taxpayer"].pk),
                                 lines=[{"description": "Base", "quantity": Decimal(1), "unit_price": Decimal(5000)}])
                sealed_ccf = document_issue(document=ccf, acting_user=world["user"])
                Document.objects.filter(pk=sealed_ccf.pk).update(status=GovStatus.SEALED)
            related = [{"tipo_documento": "03", "tipo_generacion": 2, "numero_documento": sealed_ccf.codigo_generacion,
                        "fecha_emision": sealed_ccf.issue_date, "target_id": sealed_ccf.pk}]
        ids.append(draft_save(acting_user=world["user"], data=data, lines=lines, related=related).pk)
    return ids, time.perf_counter() - started


def issue_worker(ids):
    """Issue the given drafts one by one; return per-document seconds."""
    from accounts.models import User
    from dte.models import Document
    from dte.services.issuing import IssueError, document_issue

    user = User.objects.get(username="bench-rep")
    times, failed = [], []
    for pk in ids:
        started = time.perf_counter()
        try:
            document_issue(document=Document(pk=pk), acting_user=user)
        except IssueError as exc:
            failed.append(str(exc)[:300])
            continue
        times.append(time.perf_counter() - started)
    return times, failed


def child(path):
    django_setup()
    with open(path) as fh:
        ids = json.load(fh)
    issue_worker(ids[:3])  # warm up: caches, key loading (not counted: they are issued too, below)
    started = time.time()
    times, failed = issue_worker(ids[3:])
    print("RESULT " + json.dumps({"times": times, "failed": failed[:5], "n_failed": len(failed), "start": started,
                                  "end": time.time()}))


def run_parallel(ids, workers, tmpdir, timeout=3600):
    procs, files = [], []
    for w in range(workers):
        path = os.path.join(tmpdir, f"ids-{w}.json")
        with open(path, "w") as fh:
            json.dump(ids[w::workers], fh)
        files.append(path)
    started = time.perf_counter()
    for path in files:
        procs.append(subprocess.Popen([sys.executable, __file__, "--child", path], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True, env=os.environ))
    results = []
    deadline = time.monotonic() + timeout
    for p in procs:
        try:
            out, err = p.communicate(timeout=max(1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            raise SystemExit(f"la emisión no terminó en {timeout} s")
        line = next((x for x in out.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            raise SystemExit(err[-3000:])
        results.append(json.loads(line[7:]))
    del started  # process start-up and warm-up are not issuing: time the issuing loops only
    wall = max(r["end"] for r in results) - min(r["start"] for r in results)
    times = [t for r in results for t in r["times"]]
    failed = sum(r["n_failed"] for r in results)
    if failed:
        raise SystemExit(f"{failed} documentos no se emitieron: {results[0]['failed']}")
    return wall, times


def p95(values):
    return statistics.quantiles(values, n=100)[94] if len(values) >= 100 else max(values)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--credit-docs", type=int, default=500, help="ventas al crédito por fase al cliente con crédito")
    parser.add_argument("--history", type=int, default=50_000, help="ventas anteriores de ese cliente")
    parser.add_argument("--timeout", type=int, default=3600, help="segundos que puede tardar cada fase")
    parser.add_argument("--generation", default="2023", help="generación de esquemas de MH: 2023 o 2026")
    parser.add_argument("--child")
    parser.add_argument("--small", action="store_true", help=SMALL_HELP)
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    if is_small(args.small):
        args.docs, args.credit_docs, args.history, args.timeout = 30, 10, 500, 300
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Este bench mide PostgreSQL: defina DATABASE_URL=postgres://…")
    import tempfile

    # Special cases are confirmed in the form before issuing; here every document is ordinary.
    os.environ["DTE_LARGE_AMOUNT_THRESHOLD"] = "100000000"
    django_setup()
    rng = random.Random(11)
    world = setup_world(args.generation)
    print(f"generación de esquemas: {args.generation}")
    single_n = max(100, args.docs // 10) if args.docs >= 100 else args.docs // 2
    ids, draft_s = make_drafts(world, args.docs + single_n, rng)
    credit_ids = credit_drafts(world, 3 * args.credit_docs, rng)
    from dte.models import DocumentLine

    lines = DocumentLine.objects.count()
    print(f"borradores: {len(ids)} documentos, {lines} líneas, guardados en {draft_s:.1f} s "
          f"({len(ids) / draft_s:.0f} borradores/s)")
    tmpdir = tempfile.mkdtemp(prefix="bench-issue-")
    wall1, times1 = run_parallel(ids[:single_n], 1, tmpdir, args.timeout)
    print(f"{'un proceso':<28}{len(times1):>7} docs {len(times1) / wall1:>8.0f} docs/s  p95 {p95(times1) * 1000:.1f} ms")
    wall, times = run_parallel(ids[single_n:], args.workers, tmpdir, args.timeout)
    rate = len(times) / wall
    print(f"{f'{args.workers} procesos (uno por núcleo)':<28}{args.docs:>7} docs {rate:>8.0f} docs/s  "
          f"p95 {p95(times) * 1000:.1f} ms  p50 {statistics.median(times) * 1000:.1f} ms")
    from dte.models import Document

    issued = sorted(Document.objects.exclude(status="draft").exclude(point_of_sale=world["history_pos"])
                    .exclude(client=world["credit"]).values_list("tipo_dte", "correlative"))
    per_type = {}
    for tipo, corr in issued:
        per_type.setdefault(tipo, []).append(corr)
    gaps = sum(1 for v in per_type.values() if sorted(v) != list(range(1, len(v) + 1)))
    print(f"tipos: {', '.join(f'{t}={len(v)}' for t, v in sorted(per_type.items()))}; series con huecos: {gaps}")

    # The client who buys on credit: the credit checks run on every one of its sales.
    k = args.credit_docs
    wall0, times0 = run_parallel(credit_ids[:k], args.workers, tmpdir, args.timeout)
    rate0 = len(times0) / wall0
    pay_off(world, Document.objects.filter(pk__in=credit_ids[:k]))  # the client pays before buying again
    print(f"{'crédito, cliente sin historia':<40}{len(times0):>7} docs {rate0:>8.0f} docs/s  p95 {p95(times0) * 1000:.1f} ms "
          f"({args.workers} procesos)")
    started = time.perf_counter()
    history, paid = credit_history(world, args.history, rng)
    print(f"historia del cliente: {history} ventas al crédito ({paid} pagadas) escritas en {time.perf_counter() - started:.0f} s")
    wall_h1, times_h1 = run_parallel(credit_ids[k:2 * k], 1, tmpdir, args.timeout)
    rate_h1 = len(times_h1) / wall_h1
    pay_off(world, Document.objects.filter(pk__in=credit_ids[k:2 * k]))
    print(f"{f'crédito, cliente con {history} ventas':<40}{len(times_h1):>7} docs {rate_h1:>8.0f} docs/s  "
          f"p95 {p95(times_h1) * 1000:.1f} ms (un proceso)")
    wall_h, times_h = run_parallel(credit_ids[2 * k:], args.workers, tmpdir, args.timeout)
    rate_h = len(times_h) / wall_h
    print(f"{f'crédito, cliente con {history} ventas':<40}{len(times_h):>7} docs {rate_h:>8.0f} docs/s  "
          f"p95 {p95(times_h) * 1000:.1f} ms ({args.workers} procesos)")
    from dte.models import Document as Issued

    versions = sorted(set(Issued.objects.exclude(status="draft").exclude(point_of_sale=world["history_pos"])
                          .values_list("generation", flat=True)))
    print(f"generation={args.generation} issued_generations={','.join(versions)} issue_docs={args.docs} issue_docs_per_s={rate:.0f} issue_p95_ms={p95(times) * 1000:.1f} "
          f"single_process_docs_per_s={len(times1) / wall1:.0f} workers={args.workers} series_with_gaps={gaps} "
          f"credit_client_history={history} credit_docs_per_s_no_history={rate0:.0f} "
          f"credit_docs_per_s_with_history={rate_h:.0f} credit_single_process_docs_per_s_with_history={rate_h1:.0f} "
          f"credit_with_history_p95_ms={p95(times_h) * 1000:.1f}")

if __name__ == "__main__":
    main()
