"""Type-ahead search over 100,000 clients and 100,000 products on PostgreSQL (trigram index):
p50/p95 per query through the project's selectors, next to the same queries with the trigram
index dropped (a plain sequential ILIKE scan).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/facturador_search .venv/bin/python bench/search.py [--rows 100000] [--small]
"""

import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from _setup import SMALL_HELP, django_setup, is_small  # noqa: E402

WORDS = ["comercial", "distribuidora", "industrias", "servicios", "agroindustria", "ferreteria", "farmacia",
         "transportes", "inversiones", "tecnologia", "alimentos", "textiles", "constructora", "panaderia"]
PLACES = ["san salvador", "santa ana", "san miguel", "la libertad", "sonsonate", "usulutan", "cuscatlan"]
PRODUCTS = ["silla", "mesa", "tornillo", "cable", "cemento", "pintura", "martillo", "bujia", "aceite", "papel",
            "cuaderno", "lapicero", "camisa", "zapato", "arroz", "frijol", "azucar", "cafe", "leche", "queso"]


def populate(n):
    from django.db import connection

    from clients.models import Client
    from inventory.models import Product

    if Client.objects.count() >= n and Product.objects.count() >= n:
        return
    Client.objects.all().delete()
    Product.objects.all().delete()
    rng = random.Random(3)
    clients, products = [], []
    for i in range(n):
        name = f"{rng.choice(WORDS).title()} {rng.choice(PLACES).title()} {i:06d}"
        nit = f"0614{rng.randint(100000, 999999)}{i:03d}{rng.randint(0, 9)}"[:14]
        clients.append(Client(kind="contribuyente", id_type="36", id_number=f"{nit}{i}"[:25], nrc=str(100000 + i),
                              name=name, search_text=f"{name.lower()} {nit} {100000 + i}"))
        desc = f"{rng.choice(PRODUCTS)} {rng.choice(WORDS)} modelo {i:06d}"
        products.append(Product(code=f"P-{i:06d}", description=desc, price=1, search_text=f"p-{i:06d} {desc}"))
    Client.objects.bulk_create(clients, batch_size=5000)
    Product.objects.bulk_create(products, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clients_client; ANALYZE inventory_product")


def measure(queries, fn):
    times = []
    for q in queries:
        started = time.perf_counter()
        list(fn(q))
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main():
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000, help="clientes y productos")
    parser.add_argument("--small", action="store_true", help=SMALL_HELP)
    args = parser.parse_args()
    if is_small(args.small):
        args.rows = 2000
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Este bench mide PostgreSQL: defina DATABASE_URL=postgres://…")
    django_setup()
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User
    from clients.selectors import client_search
    from inventory.selectors import product_search

    call_command("migrate", verbosity=0)
    populate(args.rows)
    user = User(username="bench", is_superuser=True, is_active=True)
    rng = random.Random(11)
    client_queries = [rng.choice([rng.choice(WORDS)[:rng.randint(3, 8)], f"{rng.randint(0, 99999):05d}",
                                  rng.choice(PLACES)[:6], "0614" + str(rng.randint(10, 99))]) for _ in range(300)]
    product_queries = [rng.choice([rng.choice(PRODUCTS)[:rng.randint(3, 6)], f"p-0{rng.randint(1000, 9999)}",
                                   f"modelo {rng.randint(0, 9999):04d}"]) for _ in range(300)]
    measure(client_queries[:20], lambda q: client_search(user=user, query=q))  # warm up
    c50, c95 = measure(client_queries, lambda q: client_search(user=user, query=q))
    p50, p95 = measure(product_queries, lambda q: product_search(query=q))
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX clients_client_search_trgm; DROP INDEX inventory_product_search_trgm")
    try:
        s50, s95 = measure(client_queries[:100], lambda q: client_search(user=user, query=q))
    finally:
        call_command("migrate", "clients", "0001", verbosity=0)
        call_command("migrate", "inventory", "0001", verbosity=0)
        call_command("migrate", verbosity=0)
    print(f"{args.rows:,} clientes y {args.rows:,} productos en PostgreSQL, 300 búsquedas de cada uno (selectores del proyecto)")
    print(f"{'clientes (trigramas)':<30} p50 {c50:6.1f} ms   p95 {c95:6.1f} ms")
    print(f"{'productos (trigramas)':<30} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")
    print(f"{'clientes sin índice (ILIKE)':<30} p50 {s50:6.1f} ms   p95 {s95:6.1f} ms")
    print(f"search_clients_p95_ms={c95:.1f} search_products_p95_ms={p95:.1f} search_clients_p50_ms={c50:.1f} "
          f"search_products_p50_ms={p50:.1f} no_index_p95_ms={s95:.1f}")


if __name__ == "__main__":
    main()
