"""Payments chaos: orders paid through paysim (n1co card charges over HTTP, the real adapter) while
paysim drops 5 % of the charges' answers after taking the money (the caller cannot know), loses 5 %
of its webhooks and duplicates another 5 %, and a loop SIGKILLs a Celery worker every few seconds.
Each paid order's fiscal receipt is issued by the workers and transmitted to govsim. When all has
settled, every charge paysim took must have exactly one paid order with exactly one receipt:

    captured=N documents=N double_charges=0 orphans=0

(captured: charges paysim's ledger shows taken; documents: receipts issued for orders; double
charges: references charged above their amount; orphans: money taken with no receipt, or a
receipt with no money). Also: orders → sealed DTE per second, next to the same orders paid
without faults (the obvious run: nothing lost, nothing in doubt).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/facturador_bench_pay .venv/bin/python bench/payments_chaos.py [--orders 1000] [--small]
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from _setup import ROOT, SMALL_HELP, is_small  # noqa: E402
from _stack import Govsim, Redis, Workers, free_port, wire_company  # noqa: E402


class Paysim:
    """paysim as its own process (as the tests' fixture starts it)."""

    def __init__(self):
        self.port = free_port()
        self.var = tempfile.mkdtemp(prefix="bench-paysim-")
        env = dict(os.environ, PAYSIM_VAR_DIR=self.var, PAYSIM_DATABASE_URL="", PAYSIM_WEBHOOK_RETRY_SECONDS="1")
        self.proc = subprocess.Popen([sys.executable, "-m", "paysim", "serve", "--bind", f"127.0.0.1:{self.port}",
                                      "--workers", "4", "--merchants", ""], cwd=ROOT, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/_paysim/health", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("paysim no arrancó")
            time.sleep(0.3)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Web:
    """The product's web process (gunicorn), where paysim posts its webhooks."""

    def __init__(self, env):
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "billing.wsgi", "-b", f"127.0.0.1:{self.port}",
                                      "-w", "2", "--timeout", "60"], cwd=ROOT, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/ingresar/", timeout=2)  # noqa: S310
                return
            except OSError:
                time.sleep(0.3)
        raise SystemExit("el servidor web no arrancó")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def run_orders(n, *, world, account, card, label):
    """Pay ``n`` one-line orders; (seconds to pay them all, order ids)."""
    from orders.services import OrderRefused, order_create, order_pay_start

    ids = []
    started = time.perf_counter()
    for i in range(n):
        order = order_create(acting_user=world["user"], client=world["consumer"], point_of_sale=world["pos"],
                             lines=[{"product": world["service"], "quantity": 1 + i % 3}], confirm=True)
        ids.append(order.pk)
        try:
            order_pay_start(order=order, gateway=account.gateway, payment_token=card)
        except OrderRefused as exc:
            print(f"{label}: pedido {order.pk}: {exc}", flush=True)
        if i and i % 100 == 0:
            print(f"{label}: {i} pedidos pagados", flush=True)
    return time.perf_counter() - started, ids


def wait_settled(ids, deadline, *, account=None, card=None):
    """Wait until every order is paid with a sealed receipt (or the deadline); seconds waited. A
    charge found never made (its answer was lost before the gateway took it: the sweep asked and
    the gateway did not know it) leaves its order pending: the payer presses "Pagar" again."""
    from dte.models import GovStatus
    from orders.models import Order, OrderState
    from orders.services import OrderRefused, order_pay_start

    started = time.perf_counter()
    retries = 0
    while time.monotonic() < deadline:
        left = (Order.objects.filter(pk__in=ids).exclude(state=OrderState.PAID, document__status=GovStatus.SEALED)
                .count())
        if left == 0:
            break
        if account is not None:
            for order in Order.objects.filter(pk__in=ids, state=OrderState.PENDING).exclude(
                    operations__state__in=["started", "in_doubt"]):
                try:
                    order_pay_start(order=order, gateway=account.gateway, payment_token=card)
                    retries += 1
                except OrderRefused as exc:
                    print(f"reintento del pedido {order.pk}: {exc}", flush=True)
        time.sleep(1)
    if retries:
        print(f"pagos intentados de nuevo por el cliente: {retries}", flush=True)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--kill-every", type=float, default=4.0, help="seconds between worker kills")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds to wait for everything to settle")
    parser.add_argument("--small", action="store_true", help=SMALL_HELP)
    args = parser.parse_args()
    if is_small(args.small):
        # a killed worker needs a few seconds to come back on a busy machine: killed more often, none works
        args.orders, args.kill_every, args.timeout = 20, 8.0, 240
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Este bench usa PostgreSQL: defina DATABASE_URL=postgres://…")
    redis = Redis()
    redis.start()
    os.environ.update(REDIS_URL=redis.url, CELERY_TASK_DEFAULT_QUEUE=f"paychaos-{os.getpid()}", DB_CONN_MAX_AGE="0",
                      DTE_PDF_AUTO="false", DTE_LARGE_AMOUNT_THRESHOLD="100000000", DTE_EXTRA_SCHEMA_DIRS="",
                      DTE_MH_TIMEOUT_SECONDS="3", DTE_RETRY_BASE_SECONDS="1", DTE_RETRY_MAX_SECONDS="5",
                      DTE_CLAIM_TIMEOUT_SECONDS="6", DTE_SWEEP_GRACE_SECONDS="2", DTE_SWEEP_EVERY_SECONDS="2",
                      ORDERS_SWEEP_EVERY_SECONDS="2", ORDERS_SWEEP_GRACE_SECONDS="3",
                      # paysim here answers within seconds: a charge it does not know after 40 s was never made
                      ORDERS_NOT_FOUND_AFTER_SECONDS="40")
    govsim = Govsim(workers=4)
    paysim = Paysim()
    workers = web = None
    stop = threading.Event()
    kills = []
    try:
        from _setup import django_setup

        django_setup()
        import httpx
        import issue as issue_bench
        from django.db import connection

        from core.models import StateChange
        from dte.models import Document, GovStatus
        from inventory.models import Product
        from orders.models import GatewayOperation
        from payments.models import GatewayAccount

        rng = random.Random(20)
        world = issue_bench.setup_world()
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE orders_refund, orders_gatewayoperation, orders_receivedwebhook, orders_orderline, "
                           "orders_order, payments_application, payments_payment, payments_gatewayaccount "
                           "RESTART IDENTITY CASCADE")
        world["service"], _ = Product.objects.get_or_create(code="BENCH-SERV", defaults=dict(
            description="Servicio de prueba", item_type=2, unit=99, price="11.30"))
        wire_company(govsim.url)
        web = Web(dict(os.environ))
        creds = {"client_id": "bench-n1co", "client_secret": "bench-secreto", "webhook_secret": "bench-whsec"}
        account = GatewayAccount(company=world["pos"].establishment.company, gateway="n1co",
                                 base_url=f"{paysim.url}/n1co")
        account.set_credentials({**creds, "webhook_id": ""})
        account.save()
        hook = f"{web.url}/pagar/webhooks/{account.webhook_token}/"
        httpx.post(f"{paysim.url}/_paysim/merchants", json={"gateway": "n1co", "webhook_url": hook, **creds}).raise_for_status()
        card = httpx.post(f"{paysim.url}/_paysim/cards", json={"gateway": "n1co", "client_id": creds["client_id"],
                                                               "number": "4000056655665556"}).json()["id"]
        workers = Workers(dict(os.environ), count=2, pool="prefork", concurrency=4, beat=True, loglevel="WARNING",
                          name=f"paychaos{os.getpid()}-")

        # The obvious run first: a tenth of the orders, no faults, no kills.
        calm = max(5, args.orders // 10)
        paid_calm, calm_ids = run_orders(calm, world=world, account=account, card=card, label="sin fallas")
        settle_calm = wait_settled(calm_ids, time.monotonic() + args.timeout)
        calm_rate = calm / (paid_calm + settle_calm)

        for spec in ({"mode": "drop", "gateway": "n1co", "share": 0.05, "path_prefix": "/n1co/api/v3/Charges"},
                     {"mode": "webhook_lost", "gateway": "n1co", "share": 0.05},
                     {"mode": "webhook_duplicate", "gateway": "n1co", "share": 0.05, "copies": 2}):
            httpx.post(f"{paysim.url}/_paysim/faults", json={**spec, "seconds": 36000}).raise_for_status()

        def chaos():
            while not stop.wait(args.kill_every):
                kills.append(workers.kill_random(rng))

        killer = threading.Thread(target=chaos, daemon=True)
        killer.start()
        paid_s, ids = run_orders(args.orders, world=world, account=account, card=card, label="con fallas")
        settle_s = wait_settled(ids, time.monotonic() + args.timeout, account=account, card=card)
        stop.set()
        killer.join(timeout=30)
        httpx.delete(f"{paysim.url}/_paysim/faults")
        connection.close()

        book = httpx.get(f"{paysim.url}/_paysim/ledger", params={"gateway": "n1co"}, timeout=120).json()
        # paysim knows a charge by our reference or by n1co's order id (our idempotency key)
        taken = set()
        for p in book["payments"]:
            if float(p["captured"]) > 0:
                taken |= {p["reference"], p["order_id"]} - {"", None}
        all_ids = ids + calm_ids
        charges = list(GatewayOperation.objects.filter(order__pk__in=all_ids, kind__in=["sale", "capture"])
                       .values_list("order_id", "reference", "idempotency_key", "order__document_id", "state"))
        taken_orders = {o for o, ref, key, _d, _s in charges if ref in taken or key in taken}
        with_receipt = {o for o, _r, _k, doc, _s in charges if doc is not None}
        documents = Document.objects.filter(order__pk__in=all_ids).exclude(status=GovStatus.DRAFT).count()
        captured = sum(1 for p in book["payments"] if float(p["captured"]) > 0)
        orphans = len(taken_orders - with_receipt) + len(with_receipt - taken_orders)
        in_doubt = StateChange.objects.filter(model="orders.gatewayoperation", to_state="in_doubt").count()
        sealed = Document.objects.filter(order__pk__in=ids, status=GovStatus.SEALED).count()
        paid_refs = taken_orders
        print(f"pedidos={args.orders} en_duda_resueltos={in_doubt} trabajadores_muertos={len(kills)} "
              f"pagados_en={paid_s:.0f}s asentado_en={settle_s:.0f}s sellados={sealed} "
              f"pedidos_con_cobro={len(paid_refs)}")
        rate = args.orders / (paid_s + settle_s)
        print(f"pedidos→DTE sellado por segundo: con fallas {rate:.1f}/s · sin fallas (la alternativa obvia) "
              f"{calm_rate:.1f}/s")
        print(f"captured={captured} documents={documents} double_charges={book['double_charges']} orphans={orphans}")
    finally:
        stop.set()
        for part in (workers, web, paysim, govsim, redis):
            if part is not None:
                try:
                    part.stop()
                except Exception as exc:  # noqa: BLE001 - stop what can be stopped
                    print(f"no se pudo detener {type(part).__name__}: {exc}", flush=True)


if __name__ == "__main__":
    main()
