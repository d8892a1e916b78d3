"""Documents issued per second through the public API, beside the same through the service layer.

The API: gunicorn with 2 worker processes (sync, as the Procfile and the image run it) serving the
project; a till's key (Vendedor, bound to one point of sale) posts Facturas of 1–5 lines with
``"issue": true`` and an Idempotency-Key from 4 client threads, so a worker always has the next
call waiting. Each call is the whole path: key, grant, rate limit, idempotency row, the editor's
reader, draft_save, the special cases, document_issue, the call's record, the answer.

The services: the same documents by draft_save then document_issue, in 2 processes, the rep
acting (what the form's two requests run, without HTTP).

Prints documents/s of each, the API's share of the direct rate and the p95 of an API call (and of
one direct document). Target: ≥ 100 documents/s through the API and ≥ 70 % of the direct rate.
Also the CPU time the Python processes spent per document (the gunicorn workers and the client
threads; the direct processes), which a machine busy with other work disturbs less than the rates:
PostgreSQL's and Redis's share is not in it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/facturador_bench_api .venv/bin/python bench/api.py [--docs 2000] [--small]
"""

import argparse
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from _setup import ROOT, SMALL_HELP, django_setup, is_small  # noqa: E402
from _stack import children_of, cpu_of, free_port  # noqa: E402

WORKERS = 2
CLIENT_THREADS = 4


def p95(values):
    return statistics.quantiles(values, n=100)[94] if len(values) >= 100 else max(values)


def sale(world, rng):
    return {"tipo_dte": "01", "point_of_sale": world["pos"], "client": world["consumer"], "issue": True,
            "lines": [{"product": rng.choice(world["products"]), "quantity": str(rng.randint(1, 9))}
                      for _ in range(rng.randint(1, 5))]}


def setup():
    """The issue bench's company, rep and catalogue, and a key for the rep's till."""
    from issue import setup_world

    from api.models import ApiCall, ApiKey, IdempotentRequest
    from api.services import api_key_create
    from webhooks.models import Integration

    world = setup_world()
    IdempotentRequest.objects.all().delete()
    ApiCall.objects.all().delete()
    integration, _ = Integration.objects.get_or_create(name="Bench", defaults={"contact_email": "bench@example.com"})
    for key in ApiKey.objects.filter(integration=integration, revoked_at__isnull=True):
        key.revoked_at = key.created_at
        key.save(update_fields=["revoked_at"])
    _key, raw = api_key_create(integration=integration, name=f"bench-{uuid.uuid4().hex[:6]}", role=world["user"].role,
                               points_of_sale=[world["pos"]], rate_per_minute=1_000_000, acting_user=None)
    return {"pos": world["pos"].pk, "consumer": world["consumer"].pk, "products": [p.pk for p in world["products"]],
            "user": world["user"].pk, "est": world["est"].pk}, raw


# ---------------------------------------------------------------------------------- the API


def start_server(port):
    # Persistent database connections, as production keeps them (DB_CONN_MAX_AGE 60): without them
    # every call would open a connection and prepare issuing's statements again.
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="billing.settings", DTE_PDF_AUTO="false", DB_CONN_MAX_AGE="60")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "billing.wsgi", "--bind", f"127.0.0.1:{port}",
                             "--workers", str(WORKERS), "--timeout", "120", "--log-level", "warning"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("gunicorn no arrancó: " + proc.stderr.read()[-3000:])
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/salud/")
            if conn.getresponse().status in (200, 503):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn no respondió en 60 s")


def call(conn, raw, body):
    payload = json.dumps(body).encode()
    started = time.perf_counter()
    conn.request("POST", "/api/v1/documentos/", body=payload, headers={
        "Authorization": f"Bearer {raw}", "Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())})
    response = conn.getresponse()
    data = response.read()
    return response.status, data, time.perf_counter() - started


def through_api(port, raw, bodies, timeout):
    """Post every body from CLIENT_THREADS threads; returns (wall seconds, per-call seconds)."""
    times, failures, lock = [], [], threading.Lock()
    work = iter(bodies)
    deadline = time.monotonic() + timeout

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while time.monotonic() < deadline:
            with lock:
                body = next(work, None)
            if body is None:
                break
            status, data, seconds = call(conn, raw, body)
            with lock:
                if status == 201:
                    times.append(seconds)
                else:
                    failures.append(f"{status} {data[:300]!r}")
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENT_THREADS)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(1, deadline - time.monotonic()) + 5)
    wall = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} llamadas fallaron: {failures[:3]}")
    if len(times) < len(bodies):
        raise SystemExit(f"solo {len(times)} de {len(bodies)} documentos en {timeout} s")
    return wall, times


# ------------------------------------------------------------------------------ the services


def direct_child(path):
    django_setup()
    from decimal import Decimal

    from django.utils import timezone

    from accounts.models import User
    from dte.services.drafts import draft_save
    from dte.services.issuing import document_issue
    from inventory.models import Product

    with open(path) as fh:
        spec = json.load(fh)
    user = User.objects.select_related("role").get(pk=spec["user"])
    products = Product.objects.in_bulk(spec["products"])

    def one(body):
        lines = []
        for line in body["lines"]:
            p = products[line["product"]]
            lines.append({"product_id": p.pk, "code": p.code, "description": p.description,
                          "quantity": Decimal(line["quantity"]), "unit_price": p.price, "treatment": p.tax_treatment,
                          "unit": p.unit, "item_type": p.item_type, "special_taxes": p.special_taxes})
        draft = draft_save(acting_user=user, data={"tipo_dte": "01", "establishment_id": spec["est"],
                                                   "point_of_sale_id": body["point_of_sale"],
                                                   "client_id": body["client"], "issue_date": timezone.localdate()},
                           lines=lines)
        document_issue(document=draft, acting_user=user)

    bodies = spec["bodies"]
    for body in bodies[:3]:
        one(body)  # warm up (key loading, caches): issued too, not timed
    times = []
    started, cpu = time.time(), time.process_time()
    for body in bodies[3:]:
        t = time.perf_counter()
        one(body)
        times.append(time.perf_counter() - t)
    print("RESULT " + json.dumps({"times": times, "start": started, "end": time.time(),
                                  "cpu": time.process_time() - cpu}))


def direct(world, bodies, timeout):
    tmp = tempfile.mkdtemp(prefix="bench-api-")
    procs = []
    for w in range(WORKERS):
        path = os.path.join(tmp, f"spec-{w}.json")
        with open(path, "w") as fh:
            json.dump({**world, "bodies": bodies[w::WORKERS]}, fh)
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
            raise SystemExit(f"la emisión directa no terminó en {timeout} s") from None
        line = next((x for x in out.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            raise SystemExit(err[-3000:])
        results.append(json.loads(line[7:]))
    wall = max(r["end"] for r in results) - min(r["start"] for r in results)
    return wall, [t for r in results for t in r["times"]], sum(r["cpu"] for r in results)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--timeout", type=int, default=1800, help="segundos que puede tardar cada mitad")
    parser.add_argument("--child")
    parser.add_argument("--small", action="store_true", help=SMALL_HELP)
    args = parser.parse_args()
    if args.child:
        return direct_child(args.child)
    if is_small(args.small):
        args.docs, args.timeout = 40, 120
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Este bench mide PostgreSQL: defina DATABASE_URL=postgres://…")
    # Every sale is ordinary (no special case to confirm) and nothing is printed: issuing alone.
    os.environ["DTE_LARGE_AMOUNT_THRESHOLD"] = "100000000"
    os.environ["DTE_PDF_AUTO"] = "false"
    os.environ["DEBUG"] = "false"  # as in production: no query log kept per request, on either side
    django_setup()
    world, raw = setup()
    rng = random.Random(19)
    port = free_port()
    server = start_server(port)
    # The two halves alternate, in rounds, so that a machine whose load changes (other work on its
    # two cores) weighs on both alike.
    rounds = 1 if args.docs < 200 else 4
    per_round = args.docs // rounds
    wall_api = wall_direct = cpu_api = cpu_direct = cpu_server = 0.0
    times_api, times_direct = [], []
    try:
        through_api(port, raw, [sale(world, rng) for _ in range(2 * CLIENT_THREADS)], args.timeout)  # warm up
        workers = children_of(server.pid)
        for _round in range(rounds):
            server_before, client_before = cpu_of(workers), time.process_time()  # this process: the client threads
            wall, times = through_api(port, raw, [sale(world, rng) for _ in range(per_round)], args.timeout)
            spent = cpu_of(workers) - server_before
            cpu_server += spent
            cpu_api += spent + time.process_time() - client_before
            wall_api += wall
            times_api += times
            wall, times, cpu = direct(world, [sale(world, rng) for _ in range(per_round + 3 * WORKERS)], args.timeout)
            wall_direct += wall
            times_direct += times
            cpu_direct += cpu
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    rate_api = len(times_api) / wall_api
    rate_direct = len(times_direct) / wall_direct
    print(f"{'API (2 procesos gunicorn)':<30}{len(times_api):>7} docs {rate_api:>8.0f} docs/s  "
          f"p95 {p95(times_api) * 1000:.1f} ms  p50 {statistics.median(times_api) * 1000:.1f} ms")
    print(f"{'servicios (2 procesos)':<30}{len(times_direct):>7} docs {rate_direct:>8.0f} docs/s  "
          f"p95 {p95(times_direct) * 1000:.1f} ms")
    cpu_doc_api, cpu_doc_direct = cpu_api * 1000 / len(times_api), cpu_direct * 1000 / len(times_direct)
    cpu_doc_server = cpu_server * 1000 / len(times_api)
    print(f"CPU de Python por documento: API {cpu_doc_api:.1f} ms (de ella, gunicorn {cpu_doc_server:.1f} ms; el "
          f"resto, los hilos cliente), servicios {cpu_doc_direct:.1f} ms "
          f"(sin PostgreSQL ni Redis; carga de la máquina al terminar {os.getloadavg()[0]:.1f})")
    from api.models import ApiCall
    from dte.models import Document

    issued = Document.objects.exclude(status="draft").count()
    calls = ApiCall.objects.filter(route="api/v1/documentos/", status=201).count()
    print(f"api_docs={len(times_api)} api_docs_per_s={rate_api:.0f} api_p95_ms={p95(times_api) * 1000:.1f} "
          f"direct_docs_per_s={rate_direct:.0f} direct_p95_ms={p95(times_direct) * 1000:.1f} "
          f"api_share_of_direct={rate_api / rate_direct:.2f} api_cpu_ms_per_doc={cpu_doc_api:.1f} "
          f"direct_cpu_ms_per_doc={cpu_doc_direct:.1f} api_server_cpu_ms_per_doc={cpu_doc_server:.1f} "
          f"workers={WORKERS} issued={issued} calls_recorded={calls}")


if __name__ == "__main__":
    main()
