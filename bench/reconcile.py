"""Bank reconciliation at size, on PostgreSQL: a 50,000-line statement against 50,000 payments,
matched by the project's engine through its service (``match_propose``: read what is free, run
the rules, store the proposals), beside a naive pairwise match (every line against every payment)
on a tenth of it. Each runs in a process of its own, so its peak memory (VmHWM) is its own.
Goal (issue 21): ≤ 30 s and ≤ 300 MB.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/facturador_bench .venv/bin/python bench/reconcile.py [--lines 50000] [--small]
"""

import argparse
import datetime
import json
import os
import random
import subprocess
import sys
import time
from decimal import Decimal

sys.path.insert(0, os.path.dirname(__file__))
from _setup import SMALL_HELP, django_setup, is_small  # noqa: E402

DEADLINE = 600  # seconds for one phase's subprocess


def peak_mb():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def build(n):
    """n payments of 2,000 clients in November and n bank lines: 60 % carry the payment's
    reference, 20 % only its amount a day or two later (some naming the client's NIT), 10 % the
    amount less the 1 % retention, 5 % two lines for one payment, 5 % a line nobody recorded."""
    from django.db import connection

    from accounts.models import Company, User
    from clients.models import Client
    from payments.models import Payment
    from reconciliation.models import BankAccount, BankLine

    rng = random.Random(21)
    company = Company.objects.first() or Company.objects.create(
        nit="06140507071048", nrc="1234567", legal_name="Banco de pruebas", activity_code="46900",
        activity_description="x", departamento="06", municipio="14", address="x", phone="22223333", email="b@example.com")
    user = User.objects.filter(username="bench-conciliacion").first() or User.objects.create(
        username="bench-conciliacion", is_superuser=True)
    account = BankAccount.objects.filter(name="bench").first()
    if account is not None:  # a database the bench filled before: matched again as it is
        return account.pk, user.pk
    account = BankAccount.objects.create(company=company, bank="otro", name="bench", number="bench-1", methods=[],
                                         date_window_days=3)
    clients = Client.objects.bulk_create([Client(kind="contribuyente", id_type="36", id_number=f"0614{i:010d}",
                                                 name=f"Cliente Bench {i:05d} SA", nrc="1234567") for i in range(2000)])
    start = datetime.date(2026, 11, 1)
    payments, lines = [], []
    for i in range(n):
        who = clients[i % len(clients)]
        amount = Decimal(rng.randint(10_000, 2_000_000)) / 100
        date = start + datetime.timedelta(days=rng.randint(0, 27))
        kind = i % 20
        reference = f"DEP-{i:07d}" if kind < 12 else ""
        payments.append(Payment(client=who, date=date, amount=amount, method="05", reference=reference,
                                created_by=user))
        later = date + datetime.timedelta(days=rng.randint(0, 2))
        if kind < 12:
            lines.append((later, amount, reference, "DEPOSITO"))
        elif kind < 16:
            text = f"TRANSF {who.id_number} PAGO" if kind % 2 else "TRANSFERENCIA RECIBIDA"
            lines.append((later, amount, "", text))
        elif kind < 18:
            base = amount / Decimal("1.13")
            withheld = (base / 100).quantize(Decimal("0.01")) if base >= 100 else Decimal(0)
            lines.append((later, amount - withheld, "", f"PAGO {who.name.upper()}"))
        elif kind < 19:
            half = (amount / 2).quantize(Decimal("0.01"))
            lines.append((later, half, "", f"ABONO 1 {who.id_number}"))
            lines.append((later, amount - half, "", f"ABONO 2 {who.id_number}"))
        else:
            lines.append((later, Decimal(rng.randint(1000, 90000)) / 100, "", "DEPOSITO SIN IDENTIFICAR"))
    Payment.objects.bulk_create(payments, batch_size=5000)
    lines = lines[:n]
    BankLine.objects.bulk_create([BankLine(account=account, fingerprint=f"b{i}", date=d, amount=a, reference=r,
                                           description=t) for i, (d, a, r, t) in enumerate(lines)], batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return account.pk, user.pk


def phase_engine(account_id, user_id):
    from accounts.models import User
    from reconciliation import services
    from reconciliation.models import BankAccount, Match

    account, user = BankAccount.objects.get(pk=account_id), User.objects.get(pk=user_id)
    started = time.perf_counter()
    count = services.match_propose(account=account, acting_user=user)
    seconds = time.perf_counter() - started
    lines = account.lines.count()
    matched = account.lines.filter(links__live=True).distinct().count()
    rules = {}
    for rule in Match.objects.filter(account=account, state="proposed").values_list("rule", flat=True):
        rules[rule] = rules.get(rule, 0) + 1
    return {"seconds": seconds, "proposals": count, "lines": lines, "matched_lines": matched, "rules": rules,
            "peak_mb": peak_mb()}


def phase_naive(account_id, user_id):
    """Every line against every payment (a tenth of each): the first payment with the line's
    reference or, failing that, its amount within three days."""
    from payments.models import Payment
    from reconciliation import matching, selectors
    from reconciliation.models import BankAccount

    account = BankAccount.objects.get(pk=account_id)
    lines = selectors.engine_lines(account.lines.order_by("pk"))
    pays = selectors.engine_payments(Payment.objects.filter(reference__startswith="DEP-").union(
        Payment.objects.exclude(reference__startswith="DEP-")).order_by("pk"))
    lines, pays = lines[: len(lines) // 10], pays[: len(pays) // 10]
    started = time.perf_counter()
    taken, matched = set(), 0
    for line in lines:
        ref = matching.norm_ref(line.reference)
        best = None
        for p in pays:
            if p.id in taken:
                continue
            if ref and matching.norm_ref(p.reference) == ref:
                best = p
                break
            if best is None and p.amount == line.amount and abs((line.date - p.date).days) <= 3:
                best = p
        if best is not None:
            taken.add(best.id)
            matched += 1
    return {"seconds": time.perf_counter() - started, "lines": len(lines), "payments": len(pays), "matched": matched,
            "peak_mb": peak_mb()}


def run_phase(name, account_id, user_id):
    out = subprocess.run([sys.executable, __file__, "--phase", name, "--account", str(account_id), "--user", str(user_id)],
                         capture_output=True, text=True, timeout=DEADLINE)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise SystemExit(f"la fase {name} falló:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--small", action="store_true", help=SMALL_HELP)
    parser.add_argument("--phase", choices=["engine", "naive"])
    parser.add_argument("--account", type=int)
    parser.add_argument("--user", type=int)
    args = parser.parse_args()
    django_setup()
    if args.phase:
        fn = phase_engine if args.phase == "engine" else phase_naive
        print("RESULT " + json.dumps(fn(args.account, args.user)))
        return
    from django.conf import settings
    from django.core.management import call_command

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("este bench necesita PostgreSQL: DATABASE_URL=postgres://…")
    n = 2_000 if is_small(args.small) else args.lines
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    account_id, user_id = build(n)
    print(f"{n:,} pagos y {n:,} líneas de extracto generados en {time.perf_counter() - started:.0f} s")
    engine = run_phase("engine", account_id, user_id)
    naive = run_phase("naive", account_id, user_id)
    per_pair = naive["seconds"] / max(1, naive["lines"] * naive["payments"])
    naive_full = per_pair * engine["lines"] * n
    print(f"{'motor del proyecto (match_propose)':<40}{engine['seconds']:>8.2f} s  {engine['peak_mb']:>6.0f} MB  "
          f"{engine['proposals']:,} propuestas, {engine['matched_lines']:,} de {engine['lines']:,} líneas "
          f"({100 * engine['matched_lines'] / max(1, engine['lines']):.1f} %)  {engine['rules']}")
    print(f"{'ingenuo par a par (una décima parte)':<40}{naive['seconds']:>8.3f} s  {naive['peak_mb']:>6.0f} MB  "
          f"{naive['matched']:,} de {naive['lines']:,} líneas; a tamaño completo ≈ {naive_full:,.0f} s")
    print(f"reconcile_lines={engine['lines']} reconcile_s={engine['seconds']:.2f} reconcile_peak_mb={engine['peak_mb']:.0f} "
          f"reconcile_matched_pct={100 * engine['matched_lines'] / max(1, engine['lines']):.1f} "
          f"naive_tenth_s={naive['seconds']:.3f} naive_full_estimate_s={naive_full:.0f}")


if __name__ == "__main__":
    main()
