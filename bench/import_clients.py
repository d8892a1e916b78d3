"""100,000 clients from an xlsx, on PostgreSQL: the first import end to end (read, validate,
compare, upsert, error report), the same file again (all unchanged), and the same file through a
plain django-import-export ModelResource with default options. Prints the three times, rows/s,
each run's peak memory and the ratio.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/facturador_bench .venv/bin/python bench/import_clients.py [--rows 100000] [--small]
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from _setup import SHARED, SMALL_HELP, django_setup, is_small  # noqa: E402


def peak_mb():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


# The template's columns less the six a client file may leave out, as in the issue.
OMITTED = ("exento", "pais", "tipo_persona", "vendedor", "activo", "notas")


def build_file(path, rows):
    """Each row is written by column name, so a column the template gains later is an empty cell
    here (as in a file made from the old template) instead of shifting every value after it."""
    from openpyxl import Workbook
    from stdnum.sv import nit as stdnum_nit

    from bulk.tests.helpers import HEADER, dui

    rng = random.Random(7)
    words = ["Comercial", "Distribuidora", "Industrias", "Servicios", "Agroindustria", "Ferretería", "Farmacia",
             "Transportes", "Inversiones", "Tecnología", "Alimentos", "Textiles", "Constructora", "Panadería"]
    places = ["San Salvador", "Santa Ana", "San Miguel", "La Libertad", "Sonsonate", "Usulután", "Cuscatlán"]
    keep = [h for h in HEADER if h not in OMITTED]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("clientes")
    sheet.append(keep)
    for i in range(rows):
        name = f"{rng.choice(words)} {rng.choice(places)} {i:06d}, S.A. de C.V."
        if i % 3:
            base = f"0614{i:06d}{rng.randint(101, 999):03d}"  # unique per row
            number = base + stdnum_nit.calc_check_digit(base)
            row = {"tipo_cliente": "contribuyente", "tipo_documento": "NIT", "numero_documento": number,
                   "nrc": str(100000 + i), "nombre": name, "nombre_comercial": name.split(",")[0][:40],
                   "codigo_actividad": "46900", "tamano_contribuyente": rng.choice(["grande", "mediano", "otro"]),
                   "departamento": "06", "municipio": f"{rng.randint(1, 19):02d}", "direccion": f"Calle {i}, colonia Escalón",
                   "correo": f"compras{i}@cliente.example", "otros_correos": "", "telefono": "22223333",
                   "limite_credito": rng.choice([0, 500, 1000, 5000]), "plazo_dias": rng.choice([0, 15, 30, 60])}
        else:
            row = {"tipo_cliente": "consumidor", "tipo_documento": "DUI", "numero_documento": dui(i), "nombre": name,
                   "tamano_contribuyente": "otro", "limite_credito": 0, "plazo_dias": 0}
        sheet.append([row.get(h, "") for h in keep])
    book.save(path)
    return len(keep)


def phase_ours(path):
    from bulk import engine
    from bulk.reading import read_upload
    from bulk.registry import get_spec

    spec = get_spec("clientes")
    started = time.perf_counter()
    with open(path, "rb") as fh:
        data = fh.read()
    table = read_upload(data, "clientes.xlsx", max_rows=spec.max_rows)
    read_s = time.perf_counter() - started
    result = engine.run(spec, table, apply_changes=True)
    if result.errors:
        engine.error_report(spec, read_upload(data, "clientes.xlsx", max_rows=spec.max_rows), result)
    total = time.perf_counter() - started
    return {"seconds": total, "read": read_s, "comparar": 0, **{k: round(v, 2) for k, v in result.seconds.items()},
            "new": result.new, "changed": result.changed, "unchanged": result.unchanged,
            "errors": len(result.errors), "rows": result.rows, "peak_mb": peak_mb()}


def phase_plain(path):
    """django-import-export's ModelResource with default options, same data (headers renamed to
    the model's field names, which is what a plain resource expects)."""
    import tablib
    from import_export import resources

    from clients.models import Client

    class PlainClientResource(resources.ModelResource):
        class Meta:
            model = Client
            import_id_fields = ("id_type", "id_number")

    started = time.perf_counter()
    with open(path, "rb") as fh:
        dataset = tablib.Dataset().load(fh.read(), format="xlsx")
    from clients.columns import COLUMNS

    mapping = {c.header: c.field for c in COLUMNS}  # the template's headers → the model's fields
    dataset.headers = [mapping[h] for h in dataset.headers]
    codes = {"NIT": "36", "DUI": "13"}  # the template's readable codes, as stored
    id_types = [codes.get(v, v) for v in dataset["id_type"]]
    del dataset["id_type"]
    dataset.append_col(id_types, header="id_type")
    # Empty cells arrive as None; the text columns are NOT NULL (Django stores "" for blank text).
    blank_safe = tablib.Dataset(headers=dataset.headers)
    for row in dataset:
        blank_safe.append(["" if v is None else v for v in row])
    dataset = blank_safe
    for col in [c for c in ("is_exempt", "is_active") if c in dataset.headers]:
        values = [v == "sí" for v in dataset[col]]
        del dataset[col]
        dataset.append_col(values, header=col)
    result = PlainClientResource().import_data(dataset, dry_run=False)
    return {"seconds": time.perf_counter() - started, "errors": len(result.row_errors()), "rows": len(dataset),
            "peak_mb": peak_mb()}


def empty_clients():
    """A first import starts from an empty table (TRUNCATE: no dead rows left in the indexes)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE clients_client RESTART IDENTITY CASCADE")


def child(phase, path):
    django_setup()
    fn = {"ours": phase_ours, "plain": phase_plain}[phase]
    print("RESULT " + json.dumps(fn(path)))


def run_child(phase, path, timeout):
    out = subprocess.run([sys.executable, __file__, "--phase", phase, "--file", path], capture_output=True, text=True,
                         env=os.environ, timeout=timeout)
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(out.stdout[-3000:] + out.stderr[-3000:])
    return json.loads(line[7:])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--phase")
    parser.add_argument("--file")
    parser.add_argument("--skip-plain", action="store_true")
    parser.add_argument("--timeout", type=int, default=3600, help="segundos que puede tardar cada fase")
    parser.add_argument("--small", action="store_true", help=SMALL_HELP)
    args = parser.parse_args()
    if args.phase:
        return child(args.phase, args.file)
    if is_small(args.small):
        args.rows, args.timeout = 300, 300
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Este bench mide PostgreSQL: defina DATABASE_URL=postgres://…")
    django_setup()
    from django.core.management import call_command


    call_command("migrate", verbosity=0)
    call_command("load_mh_catalogs", "--edition", "2023", "--dir", str(SHARED / "spec" / "catalogs"), verbosity=0)
    empty_clients()
    path = os.path.join(tempfile.mkdtemp(prefix="bench-import-"), "clientes.xlsx")
    started = time.perf_counter()
    columns = build_file(path, args.rows)
    print(f"archivo: {args.rows} filas x {columns} columnas, {os.path.getsize(path) / 1e6:.1f} MB, generado en {time.perf_counter() - started:.0f} s")
    first = run_child("ours", path, args.timeout)
    if first["errors"]:
        raise SystemExit(f"el archivo de prueba tiene {first['errors']} errores: {first}")
    second = run_child("ours", path, args.timeout)
    print(f"{'primera carga':<34}{first['seconds']:>8.2f} s {first['rows'] / first['seconds']:>10.0f} filas/s  "
          f"pico {first['peak_mb']:.0f} MB  (leer {first['read']:.2f} s, validar {first['validar']}, comparar {first['comparar']}, "
          f"escribir {first.get('aplicar', 0)}) nuevas={first['new']} errores={first['errors']}")
    print(f"{'misma carga otra vez':<34}{second['seconds']:>8.2f} s {second['rows'] / second['seconds']:>10.0f} filas/s  "
          f"pico {second['peak_mb']:.0f} MB  sin cambios={second['unchanged']} nuevas={second['new']} modificadas={second['changed']}")
    plain = None
    if not args.skip_plain:
        empty_clients()
        plain = run_child("plain", path, args.timeout)
        print(f"{'django-import-export por defecto':<34}{plain['seconds']:>8.2f} s {plain['rows'] / plain['seconds']:>10.0f} filas/s  "
              f"pico {plain['peak_mb']:.0f} MB  errores={plain['errors']}")
    ratio = plain["seconds"] / first["seconds"] if plain else 0
    print(f"import_first_s={first['seconds']:.2f} import_first_rows_per_s={first['rows'] / first['seconds']:.0f} "
          f"import_again_s={second['seconds']:.2f} import_peak_mb={max(first['peak_mb'], second['peak_mb']):.0f} "
          f"plain_import_export_s={(plain or {}).get('seconds', 0):.2f} speedup_vs_plain={ratio:.1f}")


if __name__ == "__main__":
    main()
