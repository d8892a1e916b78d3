"""Fills a PostgreSQL database with a year of issued documents for the report benches: 1,000,000
documents (about 5,000,000 lines) over the last 12 months ending today, 3 establishments with 2
points of sale each, 20 sales reps ("Vendedor", each assigned to one establishment), 50,000
clients, 200 products, the NC/ND links to the CCFs they correct, the accepted invalidations, the
payments applied to most older credit sales, and the number counters where issuing would go on.

Rows are generated in one Python pass (random.Random with a fixed seed: the same data for the same
``--today``) and streamed with COPY: documents and their lines at the same time, through two
connections. Foreign keys are not checked during the load (session_replication_role=replica): the
ids are set here, from 1. Unique constraints and NOT NULLs are checked as usual.

    .venv/bin/python bench/seed_million.py [--reset] [--documents 1000000] [--clients 50000] [--reps 20]

The database is facturador_bench_reports (created and migrated if missing; --database-url to name
another one, whose name must contain "bench"). Without --reset a database that already has
documents is left as it is (its count is printed), so the report benches can reuse it.
"""

import argparse
import datetime
import io
import json
import math
import os
import random
import sys
import time
from urllib.parse import urlparse, urlunparse

sys.path.insert(0, os.path.dirname(__file__))
from _setup import SHARED, SMALL_HELP, django_setup, is_small  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/facturador_bench_reports"
COMPANY_NIT = "06140507071048"  # the bench company (bench/issue.py, bench/_stack.py)
N = "\\N"  # NULL in COPY text format
UTC_OFFSET = "-06"  # America/El_Salvador, no daylight saving time
FLUSH_EVERY = 2000  # documents per write to the COPY streams

# (code, weight per 1000, schema version of the 2023 generation)
TYPES = [("01", 600, 1), ("03", 300, 3), ("05", 40, 3), ("06", 20, 3), ("11", 20, 1), ("07", 10, 1), ("14", 10, 1)]
ESTABLISHMENTS = [  # code, name, type, departamento, municipio, address, share of the documents
    ("M001", "Casa matriz San Salvador", "02", "06", "14", "Alameda Roosevelt 2510, San Salvador", 50),
    ("S001", "Sucursal Santa Ana", "01", "02", "10", "Avenida Independencia Sur 15, Santa Ana", 30),
    ("S002", "Sucursal San Miguel", "01", "12", "17", "Avenida Roosevelt Norte 7, San Miguel", 20),
]
LINE_COUNTS = [(1, 6), (2, 9), (3, 12), (4, 15), (5, 16), (6, 14), (7, 12), (8, 9), (9, 7)]  # mean ≈ 5
QUANTITIES = [(1, 30), (2, 20), (3, 13), (4, 9), (5, 7), (6, 5), (7, 4), (8, 3), (10, 3), (12, 2), (15, 2), (20, 2)]

FIRST = ["José", "María", "Juan", "Ana", "Carlos", "Rosa", "Luis", "Carmen", "Jorge", "Marta", "Francisco", "Gloria",
         "Mario", "Sandra", "Roberto", "Patricia", "Miguel", "Claudia", "Ricardo", "Silvia", "Óscar", "Verónica",
         "Manuel", "Karla", "Rafael", "Evelyn", "Fernando", "Jennifer", "Salvador", "Beatriz", "Antonio", "Lorena",
         "Pedro", "Xiomara", "Raúl", "Alejandra", "Ernesto", "Daniela", "Walter", "Gabriela"]
LAST = ["Hernández", "López", "Martínez", "Rodríguez", "García", "Pérez", "Ramírez", "Flores", "Rivera", "Gómez",
        "Cruz", "Reyes", "Morales", "Alvarado", "Romero", "Mejía", "Guevara", "Ayala", "Castillo", "Portillo",
        "Orellana", "Vásquez", "Sánchez", "Aguilar", "Menjívar", "Escobar", "Chávez", "Argueta", "Henríquez",
        "Quintanilla", "Molina", "Campos", "Bonilla", "Mendoza", "Navarrete", "Zelaya", "Cañas", "Fuentes"]
BUSINESS = ["Comercial", "Distribuidora", "Industrias", "Servicios", "Agroindustrias", "Ferretería", "Farmacia",
            "Transportes", "Inversiones", "Tecnología", "Alimentos", "Textiles", "Constructora", "Panadería",
            "Importadora", "Librería", "Supermercado", "Clínica", "Taller", "Consultores"]
PLACES = ["Cuscatlán", "Escalón", "Santa Elena", "del Pacífico", "Central", "Los Próceres", "El Volcán", "San Benito",
          "La Cima", "Oriental", "Occidental", "Metropolitana", "del Valle", "Las Palmas", "El Rosario", "Maya"]
SUFFIX = ["S.A. de C.V.", "S.A. de C.V.", "S.A. de C.V.", "Ltda. de C.V.", "S. de R.L. de C.V.", ""]
COLONIAS = ["Escalón", "San Benito", "Miramonte", "Flor Blanca", "Centro", "San Francisco", "Médica", "Layco",
            "Santa Lucía", "El Palmar", "Jardines de la Libertad", "Las Magnolias"]
GOODS = ["Silla plástica", "Mesa de madera", "Tornillo galvanizado", "Cable eléctrico", "Cemento gris", "Pintura látex",
         "Martillo de uña", "Bujía", "Aceite de motor", "Resma de papel", "Cuaderno universitario", "Lapicero azul",
         "Camisa de algodón", "Zapato escolar", "Arroz blanco", "Frijol rojo", "Azúcar morena", "Café molido",
         "Leche en polvo", "Queso duro", "Foco LED", "Tubo PVC", "Llanta radial", "Batería 12V", "Jabón de baño",
         "Detergente", "Galón de agua", "Harina de maíz", "Aceite vegetal", "Toalla de mano"]
SERVICES = ["Servicio de instalación", "Mantenimiento preventivo", "Transporte de mercadería", "Asesoría técnica",
            "Reparación de equipo", "Capacitación", "Servicio de limpieza", "Diseño gráfico"]
VARIANTS = ["estándar", "premium", "económico", "industrial", "mediano", "grande", "pequeño", "importado"]
FREE_TEXT = ["Artículo varios", "Cargo por flete", "Empaque especial", "Servicio adicional"]
FSE_LINES = [("Compra de maíz en grano", False), ("Compra de frijol", False), ("Compra de leña", False),
             ("Servicio de fumigación", True), ("Servicio de carga y descarga", True), ("Compra de café en uva", False),
             ("Servicio de jardinería", True), ("Compra de hortalizas", False)]
JWS = "eyJhbGciOiJSUzUxMiJ9.YmVuY2g.c2VlZC1wbGFjZWhvbGRlcg"  # not a real signature: the reports never read it
INVALIDATION_REASONS = ["Error en el nombre del cliente", "Operación rescindida por el cliente",
                        "Monto equivocado", "Documento duplicado"]


def weighted(pairs, size):
    """A list of ``size`` values in proportion to their weights: one random index picks one."""
    total = sum(w for _v, w in pairs)
    out = []
    for value, w in pairs:
        out += [value] * round(size * w / total)
    while len(out) < size:
        out.append(pairs[0][0])
    return out[:size]


def money(cents):
    return f"{cents // 100}.{cents % 100:02d}" if cents else "0"


def copy_escape(text):
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def jdump(value):
    return copy_escape(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def uuid_upper(bits):
    """An uppercase UUID4 text from 128 random bits (version and variant set as uuid4 does)."""
    h = f"{bits:032X}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89AB'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


# ------------------------------------------------------------------------------------------ database


def database_url(arg):
    url = arg or DEFAULT_URL
    name = urlparse(url).path.lstrip("/")
    if not url.startswith("postgres") or "bench" not in name:
        raise SystemExit(f"Este script llena una base de bench de PostgreSQL (su nombre contiene «bench»): {url}")
    return url, name


def prepare_database(url, name, reset):
    import psycopg
    from psycopg import sql

    admin = urlunparse(urlparse(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reset:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    return False


def raw_connect(url):
    import psycopg

    conn = psycopg.connect(url)
    # Foreign keys are not checked while loading (the ids are ours), and commits need not wait for
    # the disk: a crashed load is started again with --reset.
    conn.execute("SET session_replication_role = replica")
    conn.execute("SET synchronous_commit = off")
    return conn


# ------------------------------------------------------------------------------------------- world


def catalogs():
    from django.core.management import call_command

    from catalogs.models import CatalogEntry

    if not CatalogEntry.objects.filter(edition="2023", catalog="CAT-019").exists():
        folder = SHARED / "spec" / "catalogs"
        if folder.is_dir():
            call_command("load_mh_catalogs", "--edition", "2023", "--dir", str(folder), verbosity=0)
        else:
            call_command("load_mh_catalogs", "--edition", "2023", "--seed", verbosity=0)
    entries = CatalogEntry.objects.filter(edition="2023")
    activities = dict(entries.filter(catalog="CAT-019").values_list("code", "name"))
    places = [(p, c) for p, c in entries.filter(catalog="CAT-013").values_list("parent", "code") if p != "00"]
    countries = dict(entries.filter(catalog="CAT-020", code__in=["9411", "9483", "9501", "9600", "9615", "9642"])
                     .values_list("code", "name"))
    return activities or {"46900": "Venta al por mayor de otros productos"}, places or [("06", "14")], \
        countries or {"9483": "GUATEMALA"}


def truncate_seeded():
    """A database without documents may hold a load that failed halfway: start from empty tables."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE dte_documentline, dte_relateddocument, dte_invalidation, dte_numbercounter, "
                       "dte_outbox, dte_statuschange, payments_application, payments_payment, dte_document, "
                       "clients_client, inventory_product, inventory_provider RESTART IDENTITY CASCADE")


def world(args, rng):
    """Company, establishments, points of sale, reps, a supervisor, providers and products: a few
    hundred rows, through the ORM (what the app itself would write)."""
    from django.contrib.auth.hashers import make_password
    from stdnum.sv import nit as stdnum_nit

    from accounts.models import Company, Establishment, PointOfSale, Role, User
    from accounts.selectors import company_get
    from accounts.services import roles_ensure_defaults, user_assign_locations
    from clients.rules import search_text
    from inventory.models import Product, Provider

    roles_ensure_defaults()
    company = company_get()
    if company is None:
        company = Company.objects.create(
            nit=COMPANY_NIT, nrc="1234567", legal_name="Empresa de Prueba, S.A. de C.V.", trade_name="Prueba Comercial",
            activity_code="46900", activity_description="Venta al por mayor de otros productos", departamento="06",
            municipio="14", address="Calle 1", phone="22223333", email="empresa@example.com",
            mh_responsible_name="Responsable de Prueba", mh_responsible_id_type="13",
            mh_responsible_id_number="00016297-5")
    ests, points = [], []
    for code, name, kind, dept, muni, address, share in ESTABLISHMENTS:
        est, _ = Establishment.objects.get_or_create(company=company, cod_estable_mh=code, defaults=dict(
            name=name, establishment_type=kind, departamento=dept, municipio=muni, address=address))
        ests.append((est, share))
        for p in ("P001", "P002"):
            pos, _ = PointOfSale.objects.get_or_create(establishment=est, cod_punto_venta_mh=p,
                                                       defaults={"name": f"Caja {p[-1]}"})
            points.append(pos)
    password = make_password("bench-reportes-123")  # one hash for all (PBKDF2 is slow on purpose)
    vendedor = Role.objects.get(name="Vendedor")
    total_share = sum(s for _e, s in ests)
    reps_by_est = []
    k = 0
    for n, (est, share) in enumerate(ests):
        count = max(1, round(args.reps * share / total_share)) if n < len(ests) - 1 else max(1, args.reps - k)
        mine = []
        for _ in range(count):
            k += 1
            first, last = FIRST[(k * 7) % len(FIRST)], LAST[(k * 11) % len(LAST)]
            user, created = User.objects.get_or_create(username=f"vendedor{k:02d}", defaults=dict(
                first_name=first, last_name=last, email=f"vendedor{k:02d}@empresa.example", role=vendedor,
                password=password))
            user_assign_locations(user=user, establishments=[est], points_of_sale=list(est.points_of_sale.all()),
                                  acting_user=None)
            mine.append(user.pk)
        reps_by_est.append(mine)
    User.objects.get_or_create(username="supervisor", defaults=dict(
        first_name="Sonia", last_name="Supervisora", email="supervisor@empresa.example",
        role=Role.objects.get(name="Supervisor"), password=password))
    providers = []
    for i in range(40):
        base = f"0614{(i % 28) + 1:02d}0{(i % 9) + 1}8{5 + i % 5}{101 + i:03d}"
        number = base + stdnum_nit.calc_check_digit(base)
        name = f"{BUSINESS[i % len(BUSINESS)]} {PLACES[(i * 3) % len(PLACES)]} Proveedora, S.A. de C.V."
        providers.append(Provider(id_type="36", id_number=number, nrc=str(200000 + i), name=name,
                                  activity_code="46900", departamento="06", municipio="14",
                                  address=f"Calle {i + 1}, colonia {COLONIAS[i % len(COLONIAS)]}",
                                  email=f"ventas{i}@proveedor.example", phone=f"2{2500000 + i:07d}",
                                  search_text=search_text(name, number, str(200000 + i))))
    providers = Provider.objects.bulk_create(providers)
    products = []
    for i in range(args.products):
        service = i % 7 == 6
        desc = (f"{SERVICES[i % len(SERVICES)]} {VARIANTS[(i // 7) % len(VARIANTS)]}" if service else
                f"{GOODS[i % len(GOODS)]} {VARIANTS[(i // len(GOODS)) % len(VARIANTS)]}")
        cents = round(math.exp(rng.uniform(math.log(50), math.log(15000))) / 5) * 5  # 0.50 … 150.00
        products.append(Product(code=f"P{i + 1:05d}", description=desc, item_type=2 if service else 1,
                                unit=99 if service else 59, price=f"{money(cents)}", price_includes_iva=True,
                                cost=f"{money(cents * 6 // 10)}", category="Servicios" if service else "Mercadería",
                                search_text=search_text(f"P{i + 1:05d}", desc)))
    products = Product.objects.bulk_create(products)
    return company, ests, points, reps_by_est, providers, products


# ----------------------------------------------------------------------------------------- clients


def client_rows(args, rng, activities, places, countries, rep_ids, created):
    """Yields COPY text rows and fills the per-client facts the documents need."""
    from stdnum.sv import nit as stdnum_nit

    from accounts.validators import dui_check_digit
    from clients.rules import search_text

    act_codes = sorted(activities)
    country_codes = sorted(countries)
    info = {"snapshot": [], "large": [], "consumers": [], "taxpayers": [], "foreign": [],
            "consumers_credit": [], "taxpayers_credit": [], "foreign_credit": [], "credit": []}
    r = rng.random
    for i in range(args.clients):
        cid = i + 1
        x = r()
        kind = "consumidor" if x < 0.69 else "contribuyente" if x < 0.99 else "extranjero"
        dept, muni = places[int(r() * len(places))]
        address = f"Calle {1 + int(r() * 40)} #{1 + int(r() * 300)}, colonia {COLONIAS[int(r() * len(COLONIAS))]}"
        phone = f"{'27'[int(r() * 2)]}{int(r() * 10_000_000):07d}"
        nrc = activity = activity_desc = trade = country = person = ""
        size = "otro"
        if kind == "consumidor":
            id_type = "13"
            first8 = f"{(i * 104_729 + 1_234_567) % 100_000_000:08d}"  # unique: 104729 is prime to 10**8
            id_number = f"{first8}-{dui_check_digit(first8)}"
            name = (f"{FIRST[int(r() * len(FIRST))]} {FIRST[int(r() * len(FIRST))]} "
                    f"{LAST[int(r() * len(LAST))]} {LAST[int(r() * len(LAST))]}")
            email = f"cliente{cid}@correo.example" if r() < 0.5 else ""
            has_credit = r() < 0.05
            limit = (300 + 100 * int(r() * 8)) * 100 if has_credit else 0
        elif kind == "contribuyente":
            id_type = "36"
            k = i // 899  # with the correlative, unique for 30 million clients
            base = (f"{['0614', '0210', '1217', '0511', '0315', '0617'][int(r() * 6)]}{1 + k % 28:02d}"
                    f"{1 + (k // 28) % 12:02d}{(70 + k // 336) % 100:02d}{101 + i % 899:03d}")
            id_number = base + stdnum_nit.calc_check_digit(base)
            nrc = str(100_000 + i)
            activity = act_codes[int(r() * len(act_codes))]
            activity_desc = activities[activity][:150]
            word, place = BUSINESS[int(r() * len(BUSINESS))], PLACES[int(r() * len(PLACES))]
            trade = f"{word} {place}"
            suffix = SUFFIX[int(r() * len(SUFFIX))]
            name = f"{trade} {LAST[int(r() * len(LAST))]}" + (f", {suffix}" if suffix else "")
            email = f"facturas{cid}@empresa{cid}.example"
            y = r()
            size = "grande" if y < 0.08 else "mediano" if y < 0.30 else "otro"
            has_credit = r() < 0.5
            limit = [500, 1000, 2500, 5000, 10000, 25000][int(r() * 6)] * 100 if has_credit else 0
        else:
            id_type = "37"
            country = country_codes[int(r() * len(country_codes))]
            id_number = f"EXT-{country}-{cid:07d}"
            person = "2"
            name = f"{BUSINESS[int(r() * len(BUSINESS))]} {PLACES[int(r() * len(PLACES))]} Internacional"
            activity_desc = "Comercio internacional"
            email = f"compras{cid}@import.example"
            dept = muni = ""
            address = f"Zona {1 + int(r() * 20)}, ciudad capital"
            has_credit = r() < 0.6
            limit = 20000 * 100 if has_credit else 0
        term = 30 if has_credit else 0
        rep = rep_ids[int(r() * len(rep_ids))] if kind == "contribuyente" and r() < 0.6 else None
        # distrito: the pre-reform municipio's code (catalogs.territory)
        snapshot = {"id_type": id_type, "id_number": id_number, "nrc": nrc, "name": name, "trade_name": trade,
                    "activity_code": activity, "activity_description": activity_desc, "departamento": dept,
                    "municipio": muni, "distrito": muni, "address": address, "phone": phone, "email": email,
                    "country_code": country, "country_name": countries.get(country, "") if country else "",
                    "person_type": person, "taxpayer_size": size, "kind": kind}
        info["snapshot"].append(jdump(snapshot))
        info["large"].append(size == "grande")
        info["credit"].append(has_credit)
        pool = {"consumidor": "consumers", "contribuyente": "taxpayers", "extranjero": "foreign"}[kind]
        info[pool].append(cid)
        if has_credit:
            info[pool + "_credit"].append(cid)
        text = search_text(name, trade, id_number, id_number.replace("-", ""), nrc)
        yield (f"{cid}\t{kind}\t{id_type}\t{id_number}\t{nrc}\t{name}\t{trade}\t{activity}\t{copy_escape(activity_desc)}\t"
               f"{size}\tf\t{dept}\t{muni}\t{muni}\t{address}\t{country}\t{person}\t{email}\t\t{phone}\t{money(limit)}\t{term}\t"
               f"{rep if rep else N}\t{N}\tt\t\t{copy_escape(text)}\t{created}\t{created}\n")
    return info


CLIENT_COPY = ("COPY clients_client (id, kind, id_type, id_number, nrc, name, trade_name, activity_code, "
               "activity_description, taxpayer_size, is_exempt, departamento, municipio, distrito, address, country_code, "
               "person_type, email, other_emails, phone, credit_limit, payment_term_days, sales_rep_id, "
               "establishment_id, is_active, notes, search_text, created_at, updated_at) FROM STDIN")
DOC_COPY = ("COPY dte_document (id, company_id, establishment_id, point_of_sale_id, tipo_dte, status, internal_status, "
            "client_id, provider_id, counterparty, issue_date, condition, payment_term_days, payments, observations, "
            "discount_no_suj, discount_exenta, discount_gravada, extra, generation, version, numero_control, "
            "number_year, codigo_generacion, correlative, issue_time, payload, jws, total_operation, total_to_pay, "
            "total_iva, amount_no_suj, amount_exenta, amount_gravada, iva_retenido, iva_percibido, rete_renta, "
            "confirmations, has_cases, paid_off, created_by_id, created_at, updated_at, issued_by_id, issued_at, sello_recibido, "
            "processed_at, mh_code, mh_message, mh_observations, last_error, rejected_at, previous_codes, "
            "contingency_period_id) FROM STDIN")
LINE_COPY = ("COPY dte_documentline (id, document_id, position, product_id, item_type, code, description, unit, "
             "quantity, unit_price, discount, treatment, special_taxes, tax_code, no_gravado, related_code, "
             "withhold_income, extra, returns_goods) FROM STDIN")
RELATED_COPY = ("COPY dte_relateddocument (id, document_id, tipo_documento, tipo_generacion, numero_documento, "
                "fecha_emision, target_id) FROM STDIN")
INVALIDATION_COPY = ("COPY dte_invalidation (id, document_id, tipo, reason, replacement_id, responsible, requester, "
                     "codigo_generacion, payload, jws, state, sello_recibido, answer, created_by_id, created_at, returned_goods, "
                     "attempts, last_attempt_at) "
                     "FROM STDIN")
PAYMENT_COPY = ("COPY payments_payment (id, client_id, date, amount, method, reference, notes, voided_at, "
                "void_reason, created_by_id, created_at, unapplied) FROM STDIN")  # each applied whole: unapplied 0
APPLICATION_COPY = "COPY payments_application (id, payment_id, document_id, amount) FROM STDIN"
COUNTER_COPY = "COPY dte_numbercounter (id, tipo_dte, establishment_id, point_of_sale_id, year, last) FROM STDIN"


# --------------------------------------------------------------------------------------- documents


class Side:
    """The small tables written after the documents (kept as text until then: a few MB)."""

    def __init__(self):
        self.related, self.invalidations, self.payments, self.applications = (io.StringIO() for _ in range(4))
        self.counts = {"related": 0, "invalidations": 0, "payments": 0, "applications": 0}


def generate(args, rng, company, ests, reps_by_est, providers, products, clients, dwrite, lwrite, side):
    """One pass over the year: each document row with its lines, in date order (ids, numbers and
    issue times grow together). Returns the counters and the per-type counts."""
    r = rng.random
    bits = rng.getrandbits
    n_docs = args.documents
    today = args.today
    start = today.replace(year=today.year - 1) + datetime.timedelta(days=1) if not (
        today.month == 2 and today.day == 29) else today.replace(year=today.year - 1, day=28) + datetime.timedelta(days=1)
    ndays = (today - start).days + 1
    days = [start + datetime.timedelta(days=d) for d in range(ndays)]
    day_s = [d.isoformat() for d in days]
    times = [f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}" for s in range(86400)]

    type_pick = weighted([((code, ver), w) for code, w, ver in TYPES], 1000)
    est_pick = weighted([(n, share) for n, (_e, share) in enumerate(ests)], 100)
    series = []  # per establishment: [(pos_id, "M001P001"), …]
    for est, _share in ests:
        series.append([(p.pk, f"{est.cod_estable_mh}{p.cod_punto_venta_mh}") for p in
                       sorted(est.points_of_sale.all(), key=lambda p: p.cod_punto_venta_mh)])
    est_ids = [e.pk for e, _s in ests]
    line_pick = weighted(LINE_COUNTS, 1000)
    qty_pick = weighted(QUANTITIES, 1000)
    qty_s = {q: str(q) for q, _w in QUANTITIES}
    qty_s.update({k: str(k) for k in range(1, 21)})
    # Popular products sell more (weights 1/(k+8)); each with its COPY prefix and both prices.
    pw = [(k, 1 / (k + 8)) for k in range(len(products))]
    prod_pick = weighted(pw, 4096)
    prod_prefix, gross, net = [], [], []
    for p in products:
        prod_prefix.append(f"{p.pk}\t{p.item_type}\t{p.code}\t{copy_escape(p.description)}\t{p.unit}")
        g = round(float(p.price) * 100)
        gross.append(g)
        net.append(max(1, (g * 200 + 113) // 226))  # price without IVA, rounded half up
    free_prefix = [f"{N}\t1\t\t{t}\t59" for t in FREE_TEXT]
    free_gross = [1500, 2500, 800, 4500]
    free_net = [(g * 200 + 113) // 226 for g in free_gross]

    snapshots, large, credit = clients["snapshot"], clients["large"], clients["credit"]
    consumers, taxpayers, foreign = clients["consumers"], clients["taxpayers"], clients["foreign"]
    consumers_c, taxpayers_c, foreign_c = (clients["consumers_credit"] or consumers, clients["taxpayers_credit"] or taxpayers,
                                           clients["foreign_credit"] or foreign)
    prov = [(p.pk, jdump({"id_type": p.id_type, "id_number": p.id_number, "nrc": p.nrc, "name": p.name,
                          "trade_name": "", "activity_code": p.activity_code,
                          "activity_description": "Venta al por mayor de otros productos",
                          "departamento": p.departamento, "municipio": p.municipio, "address": p.address,
                          "phone": p.phone, "email": p.email, "taxpayer_size": "otro"})) for p in providers]
    sellers = []
    from accounts.validators import dui_check_digit

    for k in range(300):
        first8 = f"{(k * 7_919 + 4_000_000) % 100_000_000:08d}"
        sellers.append(jdump({"id_type": "13", "id_number": f"{first8}-{dui_check_digit(first8)}",
                              "name": f"{FIRST[k % len(FIRST)]} {LAST[(k * 7) % len(LAST)]} {LAST[(k * 13) % len(LAST)]}",
                              "departamento": "05", "municipio": "11", "address": f"Cantón El Progreso, casa {k + 1}",
                              "activity_code": "", "email": "", "phone": ""}))
    internal_old = weighted([("posted", 70), ("reviewed", 20), ("observations", 2), ("to_review", 8)], 100)
    internal_mid = weighted([("posted", 20), ("reviewed", 50), ("observations", 2), ("to_review", 28)], 100)
    internal_new = weighted([("reviewed", 13), ("observations", 2), ("to_review", 85)], 100)
    methods = weighted([("05", 55), ("04", 25), ("01", 15), ("02", 5)], 100)

    counters = {}
    ccf_ring, ring_size, ring_next = [], 5000, 0
    per_type = {code: 0 for code, _w, _v in TYPES}
    per_status = {}
    line_id = rel_id = inv_id = pay_id = 0
    dbuf, lbuf = [], []
    company_id = company.pk
    next_first, d = 0, -1
    n_lines_total = 0
    for i in range(n_docs):
        if i >= next_first:  # a new day
            while i >= next_first:
                d += 1
                first = next_first
                next_first = ((d + 1) * n_docs + ndays - 1) // ndays
            date_s, year = day_s[d], days[d].year
            count = max(1, next_first - first)
            age = ndays - 1 - d
            internal = internal_old if age > 60 else internal_mid if age > 15 else internal_new
            recent = age <= 2
            j = 0
        sec = 25200 + j * 43200 // count  # 07:00 to 19:00, in order
        j += 1
        ts = f"{date_s} {times[sec]}{UTC_OFFSET}"
        doc_id = i + 1
        tipo, version = type_pick[int(r() * 1000)]
        target = None
        if tipo in ("05", "06"):
            if not ccf_ring:
                tipo, version = "03", 3
            else:
                target = ccf_ring[int(r() * len(ccf_ring))]
        e = est_pick[int(r() * 100)]
        pos_id, estpos = series[e][int(r() * 2)]
        reps = reps_by_est[e]
        rep = reps[int(r() * len(reps))]
        # Government status: settled long ago, except in the last days (in doubt, in contingency).
        x = r()
        if recent and x < 0.06:
            status = "contingency" if x < 0.045 else "in_doubt"
        elif x < 0.012:
            status = "rejected"
        elif x < 0.024:
            status = "invalidated"
        else:
            status = "sealed"
        per_status[status] = per_status.get(status, 0) + 1
        # Counterparty and condition
        cond, term = 1, 0
        client = None
        provider_s = N
        if tipo == "01":
            if r() < 0.10:
                client, cond, term = consumers_c[int(r() * r() * len(consumers_c))], 2, 30
            elif r() < 0.15:
                client = 0  # consumidor final without a registered client (decided after the total)
            else:
                client = consumers[int(r() * r() * len(consumers))]
        elif tipo == "03":
            if r() < 0.40:
                client, cond, term = taxpayers_c[int(r() * r() * len(taxpayers_c))], 2, 30
            else:
                client = taxpayers[int(r() * r() * len(taxpayers))]
        elif tipo in ("05", "06"):
            client = target[1]
            if tipo == "06" and credit[client - 1] and r() < 0.4:
                cond, term = 2, 30
        elif tipo == "11":
            if r() < 0.5:
                client, cond, term = foreign_c[int(r() * len(foreign_c))], 2, 30
            else:
                client = foreign[int(r() * len(foreign))]
        # Lines
        ns = ex = g = renta = 0
        lines = line_pick[int(r() * 1000)]
        if tipo in ("01", "03", "06", "11"):
            prices = gross if tipo == "01" else net
            fprices = free_gross if tipo == "01" else free_net
            mixed = tipo in ("01", "03") and r() < 0.05
            for pos in range(1, lines + 1):
                if r() < 0.02:
                    k = int(r() * 4)
                    prefix, price = free_prefix[k], fprices[k]
                else:
                    k = prod_pick[int(r() * 4096)]
                    prefix, price = prod_prefix[k], prices[k]
                q = qty_pick[int(r() * 1000)]
                amount = q * price
                treat = "gravado"
                if mixed:  # the first line exempt or not subject, the others mostly taxed
                    y = r()
                    if pos == 1:
                        treat = "exento" if y < 0.6 else "no_sujeto"
                    elif y < 0.25:
                        treat = "exento"
                    elif y < 0.4:
                        treat = "no_sujeto"
                if treat == "gravado":
                    g += amount
                elif treat == "exento":
                    ex += amount
                else:
                    ns += amount
                line_id += 1
                lbuf.append(f"{line_id}\t{doc_id}\t{pos}\t{prefix}\t{qty_s[q]}\t{money(price)}\t0\t{treat}\t[]\t\t0\t\tf\t{{}}\tf\n")
        elif tipo == "05":
            cap = max(1, target[4] * 6 // 10)
            lines = 1 + int(r() * 3)
            for pos in range(1, lines + 1):
                k = prod_pick[int(r() * 4096)]
                price = net[k]
                if g + price > cap:
                    if pos > 1:
                        lines = pos - 1
                        break
                    price = max(1, target[4] // 3)
                g += price
                line_id += 1
                lbuf.append(f"{line_id}\t{doc_id}\t{pos}\t{prod_prefix[k]}\t1\t{money(price)}\t0\tgravado\t[]\t\t0\t\tf\t{{}}\tf\n")
        elif tipo == "14":
            for pos in range(1, lines + 1):
                desc, service = FSE_LINES[int(r() * len(FSE_LINES))]
                q = qty_pick[int(r() * 1000)]
                price = 500 + int(r() * 4000)
                amount = q * price
                g += amount
                if service:
                    renta += amount
                line_id += 1
                lbuf.append(f"{line_id}\t{doc_id}\t{pos}\t{N}\t{2 if service else 1}\t\t{desc}\t{99 if service else 59}\t"
                            f"{qty_s[q]}\t{money(price)}\t0\tgravado\t[]\t\t0\t\t{'t' if service else 'f'}\t{{}}\tf\n")
            renta = (renta * 2 + 10) // 20  # 10 % of the services, half up
        else:  # 07: one line per withheld CCF of the provider
            for pos in range(1, lines + 1):
                base = 10000 + int(r() * 490000)
                withheld = (base * 2 + 100) // 200  # code 22: 1 %
                g += base
                renta += withheld  # (the CR's iva_retenido, kept here until the row is written)
                line_id += 1
                extra = (f'{{"tipoDte":"03","tipoDoc":2,"numDocumento":"{uuid_upper(bits(128))}",'
                         f'"fechaEmision":"{date_s}","montoSujetoGrav":"{money(base)}","codigoRetencionMH":"22"}}')
                lbuf.append(f"{line_id}\t{doc_id}\t{pos}\t{N}\t1\t\tRetención IVA 1 %\t59\t1\t0\t0\tgravado\t[]\t\t0\t\tf\t"
                            f"{extra}\tf\n")
        n_lines_total += lines
        # Totals, as dte.arithmetic computes them (integer cents, half up)
        iva = ret = 0
        if tipo == "01":
            iva = (g * 26 + 113) // 226  # the IVA inside the taxed total: 13/113
            top = ttp = g + ex + ns
            if client == 0 and top >= 109_500:  # from 1,095.00 the buyer must be identified
                client = consumers[int(r() * len(consumers))]
        elif tipo in ("03", "05", "06"):
            iva = (g * 26 + 100) // 200
            top = g + ex + ns + iva
            if large[client - 1] and g >= 10_000:  # a large taxpayer withholds 1 % from the base of 100.00
                ret = (g * 2 + 100) // 200
            ttp = top - ret if tipo == "03" else top
        elif tipo == "11":
            top = ttp = g
        elif tipo == "14":
            top, ttp = 0, g - renta
        else:  # 07
            top, ttp, ret, renta = 0, renta, renta, 0
        # Number
        key = (tipo, pos_id, year)
        corr = counters.get(key, 0) + 1
        counters[key] = corr
        numero = f"DTE-{tipo}-{estpos}-{corr:015d}"
        codigo = uuid_upper(bits(128))
        tm = times[sec]
        # Counterparty snapshot
        if tipo == "07":
            provider_id, cp = prov[int(r() * len(prov))]
            provider_s = str(provider_id)
            client_s = N
        elif tipo == "14":
            cp = sellers[int(r() * len(sellers))]
            client_s = N
        elif client:
            cp = snapshots[client - 1]
            client_s = str(client)
        else:
            cp = "{}"
            client_s = N
        # Payload: the identification and the summary (what the books' migration reads back)
        g_s, top_s, ttp_s = money(g), money(top), money(ttp)
        if tipo in ("01", "03", "05", "06"):
            taxes = (f'"totalIva":{money(iva)}' if tipo == "01" else
                     f'"tributos":[{{"codigo":"20","descripcion":"Impuesto al Valor Agregado 13%","valor":{money(iva)}}}]')
            resumen = (f'"totalNoSuj":{money(ns)},"totalExenta":{money(ex)},"totalGravada":{g_s},"descuNoSuj":0,'
                       f'"descuExenta":0,"descuGravada":0,{taxes},"ivaRete1":{money(ret)},"ivaPerci1":0,"reteRenta":0,'
                       f'"montoTotalOperacion":{top_s},"totalPagar":{ttp_s},"condicionOperacion":{cond}')
        elif tipo == "11":
            resumen = f'"totalGravada":{g_s},"montoTotalOperacion":{top_s},"totalPagar":{ttp_s},"condicionOperacion":{cond}'
        elif tipo == "14":
            resumen = f'"totalCompra":{g_s},"reteRenta":{money(renta)},"totalPagar":{ttp_s},"condicionOperacion":1'
        else:
            resumen = f'"totalSujetoRetencion":{g_s},"totalIVAretenido":{money(ret)}'
        payload = (f'{{"identificacion":{{"version":{version},"ambiente":"00","tipoDte":"{tipo}","numeroControl":"{numero}",'
                   f'"codigoGeneracion":"{codigo}","tipoModelo":1,"tipoOperacion":1,"fecEmi":"{date_s}",'
                   f'"horEmi":"{tm}","tipoMoneda":"USD"}},"resumen":{{{resumen}}}}}')
        # MH's answer
        if status in ("sealed", "invalidated"):
            answer = (f"{year}{bits(144):036X}\t{date_s} {times[sec + 2]}{UTC_OFFSET}\t001\tRECIBIDO\t[]\t\t{N}")
        elif status == "rejected":
            answer = (f"\t{date_s} {times[sec + 2]}{UTC_OFFSET}\t004\tRECHAZADO\t"
                      f'["[receptor.correo] formato de correo no válido"]\t\t{date_s} {times[sec + 2]}{UTC_OFFSET}')
        elif status == "in_doubt":
            answer = f"\t{N}\t\t\t[]\tSin respuesta de MH (tiempo de espera agotado)\t{N}"
        else:
            answer = f"\t{N}\t\t\t[]\t\t{N}"
        dbuf.append(f"{doc_id}\t{company_id}\t{est_ids[e]}\t{pos_id}\t{tipo}\t{status}\t{internal[int(r() * 100)]}\t"
                    f"{client_s}\t{provider_s}\t{cp}\t{date_s}\t{cond}\t{term}\t[]\t\t0\t0\t0\t{{}}\t2023\t{version}\t"
                    f"{numero}\t{year}\t{codigo}\t{corr}\t{tm}\t{payload}\t{JWS}\t{top_s}\t{ttp_s}\t{money(iva)}\t"
                    f"{money(ns)}\t{money(ex)}\t{g_s}\t{money(ret)}\t0\t{money(renta)}\t[]\tf\tf\t{rep}\t{ts}\t{ts}\t{rep}\t"
                    f"{ts}\t{answer}\t[]\t{N}\n")
        per_type[tipo] += 1
        # What hangs from the document
        if target is not None:
            rel_id += 1
            side.related.write(f"{rel_id}\t{doc_id}\t03\t2\t{target[2]}\t{target[3]}\t{target[0]}\n")
        if tipo == "03" and status == "sealed":
            entry = (doc_id, client, codigo, date_s, g)
            if len(ccf_ring) < ring_size:
                ccf_ring.append(entry)
            else:
                ccf_ring[ring_next] = entry
                ring_next = (ring_next + 1) % ring_size
        if status == "invalidated":
            inv_id += 1
            later = day_s[min(ndays - 1, d + int(r() * 5))]
            kind = 1 + int(r() * 3)
            who = jdump({"name": "Responsable de Prueba", "id_type": "13", "id_number": "00016297-5"})
            side.invalidations.write(
                f"{inv_id}\t{doc_id}\t{kind}\t{INVALIDATION_REASONS[int(r() * 4)]}\t{N}\t{who}\t{who}\t"
                f"{uuid_upper(bits(128))}\t\t\taccepted\t{year}{bits(144):036X}\t{{}}\t{rep}\t{later} 16:00:00{UTC_OFFSET}\t[]\t1\t{later} 16:00:00{UTC_OFFSET}\n")
        elif cond == 2 and status != "rejected" and ttp > 0:
            # Older credit sales are mostly paid (some in part); recent ones mostly owed.
            p = 0.96 if age >= 90 else 0.85 if age >= 45 else 0.6 if age >= 30 else 0.25 if age >= 10 else 0.03
            if r() < p:
                pay_day = d + 5 + int(r() * (min(age, 75) - 4)) if age >= 5 else d
                amount = ttp // 2 if r() < 0.08 and ttp > 1 else ttp
                pay_id += 1
                pay_date = day_s[min(pay_day, ndays - 1)]
                method = methods[int(r() * 100)]
                side.payments.write(f"{pay_id}\t{client}\t{pay_date}\t{money(amount)}\t{method}\t"
                                    f"{'REF-' + str(100000 + pay_id) if method != '01' else ''}\t\t{N}\t\t{rep}\t"
                                    f"{pay_date} 10:00:00{UTC_OFFSET}\t0\n")
                side.applications.write(f"{pay_id}\t{pay_id}\t{doc_id}\t{money(amount)}\n")
        if len(dbuf) >= FLUSH_EVERY:
            dwrite("".join(dbuf))
            lwrite("".join(lbuf))
            dbuf.clear()
            lbuf.clear()
            if args.progress and doc_id % 100_000 == 0:
                print(f"  {doc_id:>9,} documentos, {line_id:>10,} líneas", flush=True)
    if dbuf:
        dwrite("".join(dbuf))
        lwrite("".join(lbuf))
    side.counts.update(related=rel_id, invalidations=inv_id, payments=pay_id, applications=pay_id)
    return counters, per_type, per_status, line_id, start


# --------------------------------------------------------------------------------------------- main


def table_rows(cursor, tables):
    out = {}
    for t in tables:
        cursor.execute(f"SELECT count(*) FROM {t}")  # noqa: S608 - our own table names
        out[t] = cursor.fetchone()[0]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=50_000)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20_261_122)
    parser.add_argument("--today", type=datetime.date.fromisoformat, default=None,
                        help="último día del año generado (por omisión, hoy en El Salvador)")
    parser.add_argument("--reset", action="store_true", help="borra y crea de nuevo la base de bench")
    parser.add_argument("--no-vacuum", action="store_true", help="sin VACUUM al final (solo ANALYZE)")
    parser.add_argument("--progress", action="store_true")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--small", action="store_true", help=SMALL_HELP + " (3,000 documentos, 300 clientes)")
    args = parser.parse_args()
    if is_small(args.small):
        args.documents, args.clients, args.reps = 3000, 300, 3
    if args.reps < 3:
        raise SystemExit("--reps: al menos uno por establecimiento (3)")

    url, name = database_url(args.database_url)
    started = time.perf_counter()
    created = prepare_database(url, name, args.reset)
    os.environ["DATABASE_URL"] = url
    django_setup()
    from django.core.management import call_command
    from django.utils import timezone

    from dte.models import Document

    call_command("migrate", verbosity=0)
    existing = Document.objects.count()
    if existing:
        print(f"{name} ya tiene {existing:,} documentos: se deja como está (--reset para generarla de nuevo)")
        print(f"seed_existing_documents={existing}")
        return
    args.today = args.today or timezone.localdate()
    setup_s = time.perf_counter() - started
    print(f"{name}: {'creada' if created else 'sin documentos'}, migrada en {setup_s:.1f} s; "
          f"{args.documents:,} documentos hasta el {args.today:%d/%m/%Y}")

    rng = random.Random(args.seed)
    truncate_seeded()
    activities, places, countries = catalogs()
    company, ests, points, reps_by_est, providers, products = world(args, rng)
    rep_ids = [r for reps in reps_by_est for r in reps]
    world_s = time.perf_counter() - started - setup_s

    timings = {}
    # Clients
    t0 = time.perf_counter()
    client_created = f"{args.today.replace(day=1) - datetime.timedelta(days=400)} 09:00:00{UTC_OFFSET}"
    with raw_connect(url) as conn, conn.cursor() as cur, cur.copy(CLIENT_COPY) as copy:
        gen = client_rows(args, rng, activities, places, countries, rep_ids, client_created)
        buf = []
        while True:
            try:
                buf.append(next(gen))
            except StopIteration as stop:
                clients = stop.value
                break
            if len(buf) >= 5000:
                copy.write("".join(buf))
                buf.clear()
        copy.write("".join(buf))
    timings["clients"] = time.perf_counter() - t0

    # Documents and lines: two connections, two COPY streams fed in the same pass
    t0 = time.perf_counter()
    side = Side()
    dconn, lconn = raw_connect(url), raw_connect(url)
    try:
        with dconn.cursor() as dcur, lconn.cursor() as lcur:
            with dcur.copy(DOC_COPY) as dcopy, lcur.copy(LINE_COPY) as lcopy:
                counters, per_type, per_status, n_lines, start = generate(
                    args, rng, company, ests, reps_by_est, providers, products, clients, dcopy.write, lcopy.write, side)
            timings["documents+lines"] = time.perf_counter() - t0
            t1 = time.perf_counter()
            for statement, buffer in ((RELATED_COPY, side.related), (INVALIDATION_COPY, side.invalidations),
                                      (PAYMENT_COPY, side.payments), (APPLICATION_COPY, side.applications)):
                with dcur.copy(statement) as copy:
                    copy.write(buffer.getvalue())
            with dcur.copy(COUNTER_COPY) as copy:
                copy.write("".join(f"{n}\t{tipo}\t{est_of}\t{pos_id}\t{year}\t{last}\n" for n, ((tipo, pos_id, year), last)
                                   in enumerate(sorted(counters.items()), start=1)
                                   for est_of in [next(p.establishment_id for p in points if p.pk == pos_id)]))
            # the credit sales those payments cover in full (Document.paid_off), as payments.services marks them
            dcur.execute("UPDATE dte_document d SET paid_off = TRUE FROM payments_application a "
                         "WHERE a.document_id = d.id AND d.condition = 2 "
                         "AND a.amount >= COALESCE(NULLIF(d.total_to_pay, 0), d.total_operation)")
            timings["related+invalidations+payments"] = time.perf_counter() - t1
        lconn.commit()
        dconn.commit()
    finally:
        lconn.close()
        dconn.close()

    # Sequences after the explicit ids, statistics, visibility map
    t0 = time.perf_counter()
    tables = ["clients_client", "inventory_product", "inventory_provider", "dte_document", "dte_documentline",
              "dte_relateddocument", "dte_invalidation", "payments_payment", "payments_application",
              "dte_numbercounter"]
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:
        for t in tables:  # the next id after the ones written here
            cur.execute(sql.SQL("SELECT setval(pg_get_serial_sequence({}, 'id'), COALESCE(max(id), 1), max(id) IS NOT NULL) "
                                "FROM {}").format(sql.Literal(t), sql.Identifier(t)))
        cur.execute("SET maintenance_work_mem = '256MB'")
        for t in tables:
            cur.execute(f"VACUUM (ANALYZE) {t}" if not args.no_vacuum else f"ANALYZE {t}")
        timings["vacuum+analyze" if not args.no_vacuum else "analyze"] = time.perf_counter() - t0
        rows = table_rows(cur, tables)
        cur.execute("SELECT pg_database_size(current_database())")
        db_bytes = cur.fetchone()[0]
        sizes = {}
        for t in tables:
            cur.execute("SELECT pg_total_relation_size(%s), pg_relation_size(%s)", [t, t])
            sizes[t] = cur.fetchone()
    total = time.perf_counter() - started
    load = timings["documents+lines"]

    print(f"mundo: {len(ests)} establecimientos, {len(points)} puntos de venta, {len(rep_ids)} vendedores, "
          f"{len(products)} productos, {len(providers)} proveedores ({world_s:.1f} s)")
    print(f"periodo: {start:%d/%m/%Y} – {args.today:%d/%m/%Y}; tipos: "
          + ", ".join(f"{k}={v:,}" for k, v in per_type.items()) + "; estados: "
          + ", ".join(f"{k}={v:,}" for k, v in sorted(per_status.items())))
    print(f"{'tabla':<24}{'filas':>12}{'MB datos':>10}{'MB total':>10}")
    for t in tables:
        print(f"{t:<24}{rows[t]:>12,}{sizes[t][1] / 2**20:>10.0f}{sizes[t][0] / 2**20:>10.0f}")
    for phase, seconds in timings.items():
        print(f"{phase:<34}{seconds:>8.1f} s")
    print(f"clientes: {rows['clients_client'] / timings['clients']:,.0f} filas/s; documentos: {rows['dte_document'] / load:,.0f}"
          f" filas/s y líneas: {rows['dte_documentline'] / load:,.0f} filas/s (a la vez); base {db_bytes / 2**30:.2f} GB; "
          f"total {total:.0f} s")
    print(f"seed_documents={rows['dte_document']} seed_lines={rows['dte_documentline']} seed_clients={rows['clients_client']} "
          f"seed_payments={rows['payments_payment']} seed_total_s={total:.1f} seed_load_s={load:.1f} "
          f"seed_docs_per_s={rows['dte_document'] / load:.0f} seed_lines_per_s={rows['dte_documentline'] / load:.0f} "
          f"seed_db_mb={db_bytes / 2**20:.0f}")


if __name__ == "__main__":
    main()
