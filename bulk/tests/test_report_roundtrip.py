"""The error report is the uploaded file with an «errores» column: fixed and uploaded again as it
is, it applies every row, loses none and duplicates none (issue 16)."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from bulk import engine
from bulk.models import ImportJob
from bulk.reading import read_upload
from bulk.registry import get_spec
from bulk.tests.helpers import HEADER, client_row, consumer_row, csv_bytes, dui, xlsx
from clients.models import Client
from inventory.models import Product, Provider, Stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    from billing.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def _header(catalogue):
    return [c.header for c in get_spec(catalogue).columns]


def _stock_setup():
    from inventory import services

    for code in ("PRD-1", "PRD-2"):
        services.product_save(product=Product(), data={
            "code": code, "description": "Silla", "item_type": 1, "unit": 59, "price": Decimal("100"),
            "price_includes_iva": True, "cost": Decimal("60"), "tax_treatment": "gravado", "special_taxes": "",
            "category": "Mobiliario", "tracks_stock": True}, acting_user=None)


# Per catalogue: rows (the second one is wrong), the fix of the wrong row ({column: value}), the
# rows the catalogue holds once applied, and a setup.
CASES = {
    "clientes": dict(
        rows=[[client_row().get(h) for h in HEADER], [consumer_row("01234567-0", "Malo").get(h) for h in HEADER],
              [consumer_row(dui(7), "Ana").get(h) for h in HEADER]],
        fix={"numero_documento": dui(8)}, stored=lambda: sorted(Client.objects.values_list("name", flat=True)),
        expected=["Ana", "Distribuidora Central, S.A. de C.V.", "Malo"], setup=lambda: None),
    "productos": dict(
        rows=[["PRD-0001", "Silla ergonómica", "bienes", 59, 100, "sí", 60, "gravado", "", "Mobiliario", "sí", "sí"],
              ["PRD-0002", "Gasolina", "bienes", 59, 4.25, "sí", 3.9, "gravado", "D1", "Combustible", "no", "sí"],
              ["SRV-0001", "Instalación", "servicios", 99, 25.5, "no", 0, "exento", "", "Servicios", "no", "sí"]],
        fix={"tributos_especiales": "D4"}, stored=lambda: sorted(Product.objects.values_list("code", flat=True)),
        expected=["PRD-0001", "PRD-0002", "SRV-0001"], setup=lambda: None),
    "proveedores": dict(
        rows=[["NIT", "0614-010190-001-8", "7654321", "Importadora", "Marta", "v@i.example", "25556666", "sí", "46900",
               "06", "14", "Calle 1"],
              ["NIT", "0614-050707-104-8", "", "Mayoreo", "", "", "", "sí", "46900", "06", "99", "Calle 2"],
              ["NIT", "0000-000000-000-0", "", "Juan Pérez", "", "", "", "sí", "46900", "06", "14", "Calle 3"]],
        fix={"municipio": "14"}, stored=lambda: sorted(Provider.objects.values_list("name", flat=True)),
        expected=["Importadora", "Juan Pérez", "Mayoreo"], setup=lambda: None),
    "existencias": dict(
        rows=[["M001", "PRD-1", 12], ["S001", "NO-EXISTE", 3], ["S001", "PRD-1", 1]],
        fix={"codigo_producto": "PRD-2"}, setup=_stock_setup,
        stored=lambda: sorted(Stock.objects.values_list("establishment__cod_estable_mh", "product__code", "quantity")),
        expected=[("M001", "PRD-1", Decimal("12")), ("S001", "PRD-1", Decimal("1")), ("S001", "PRD-2", Decimal("3"))]),
}


def _upload(c, catalogue, data, name, capture):
    with capture(execute=True):
        c.post(f"/cargas/{catalogue}/", {"file": SimpleUploadedFile(name, data)})
    return ImportJob.objects.order_by("-pk").first()


def _apply(c, catalogue, job, capture):
    with capture(execute=True):
        c.post(f"/cargas/{catalogue}/{job.public_id}/aplicar/")
    job.refresh_from_db()
    return job


@pytest.mark.parametrize("catalogue", list(CASES))
def test_the_error_report_fixed_and_uploaded_again_applies_every_row(catalogue, eager, users, establishments,
                                                                     client_as, django_capture_on_commit_callbacks):
    case = CASES[catalogue]
    case["setup"]()
    header = _header(catalogue)
    c = client_as(users["Administrador"])
    job = _upload(c, catalogue, xlsx(case["rows"], header=header), f"{catalogue}.xlsx", django_capture_on_commit_callbacks)
    assert job.status == "invalid" and job.wrong == 1 and job.rows == 3

    response = c.get(f"/cargas/{catalogue}/{job.public_id}/errores.xlsx")
    assert response.status_code == 200 and 'filename="errores-' in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.worksheets[0]
    lines = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert lines[0] == [*header, "errores"]
    assert len(lines) == 4  # every row of the file, not only the wrong one
    notes = [line[-1] for line in lines[1:]]
    assert not notes[0] and not notes[2] and "fila 3" in notes[1]  # empty where the row was fine

    for column, value in case["fix"].items():  # the user fixes the wrong cells in the report itself
        sheet.cell(row=3, column=header.index(column) + 1, value=value)
    fixed = io.BytesIO()
    book.save(fixed)

    job = _upload(c, catalogue, fixed.getvalue(), f"errores-{catalogue}.xlsx", django_capture_on_commit_callbacks)
    assert job.status == "validated", (job.message, job.errors)
    assert (job.rows, job.new, job.wrong) == (3, 3, 0)
    assert _apply(c, catalogue, job, django_capture_on_commit_callbacks).status == "applied"
    stored = case["stored"]()
    assert stored == case["expected"]

    # The same report once more: nothing new, nothing duplicated.
    job = _upload(c, catalogue, fixed.getvalue(), f"errores-{catalogue}.xlsx", django_capture_on_commit_callbacks)
    assert (job.status, job.new, job.changed) == ("validated", 0, 0) and case["stored"]() == stored


def test_a_csv_upload_gets_a_csv_report_that_uploads_again(eager, users, establishments, client_as,
                                                           django_capture_on_commit_callbacks):
    c = client_as(users["Administrador"])
    rows = [client_row(), consumer_row("01234567-0", "Malo"), consumer_row(dui(7), "=Ana")]
    job = _upload(c, "clientes", csv_bytes(rows), "clientes.csv", django_capture_on_commit_callbacks)
    assert job.status == "invalid" and job.wrong == 1

    response = c.get(f"/cargas/clientes/{job.public_id}/errores.xlsx")
    assert response["Content-Disposition"].endswith('.csv"')
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == [*HEADER, "errores"] and len(lines) == 4
    assert lines[3][HEADER.index("nombre")] == "'=Ana"  # a CSV cell a spreadsheet would run stays escaped
    assert [line[-1] == "" for line in lines[1:]] == [True, False, True]

    lines[2][HEADER.index("numero_documento")] = dui(8)
    lines[3][HEADER.index("nombre")] = "Ana"
    out = io.StringIO()
    csv.writer(out).writerows(lines)
    job = _upload(c, "clientes", out.getvalue().encode(), "errores-clientes.csv", django_capture_on_commit_callbacks)
    assert (job.status, job.new) == ("validated", 3), job.errors
    _apply(c, "clientes", job, django_capture_on_commit_callbacks)
    assert sorted(Client.objects.values_list("name", flat=True)) == ["Ana", "Distribuidora Central, S.A. de C.V.", "Malo"]


def test_an_xlsx_report_keeps_text_that_looks_like_a_formula_as_text_unchanged(company):
    from bulk.reading import Table

    rows = [client_row(nombre="=HYPERLINK(\"http://malo\")"), consumer_row("01234567-0", "-Malo")]
    rows = [[row.get(h, "") for h in HEADER] for row in rows]  # as a sheet whose text cells hold these values
    result = engine.validate(get_spec("clientes"), Table(header=HEADER, rows=[list(r) for r in rows]))
    report = engine.error_report(get_spec("clientes"), Table(header=HEADER, rows=rows), result)
    sheet = load_workbook(io.BytesIO(report)).worksheets[0]
    name = HEADER.index("nombre") + 1
    cells = [sheet.cell(row=r, column=name) for r in (2, 3)]
    assert [c.value for c in cells] == ["=HYPERLINK(\"http://malo\")", "-Malo"]
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)  # text, never a formula


def test_a_row_holding_only_an_error_note_is_an_empty_row(company):
    table = read_upload(xlsx([[*[client_row().get(h) for h in HEADER], "fila 2: ya corregida"], [""] * len(HEADER) + ["nota"]],
                             header=[*HEADER, "errores"]), "c.xlsx", max_rows=10, max_cols=len(HEADER) + 4)
    result = engine.validate(get_spec("clientes"), table)
    assert (result.rows, result.errors) == (1, [])


def test_the_errores_column_is_the_only_one_an_upload_ignores(company):
    from bulk.reading import FileRejected

    table = read_upload(xlsx([client_row()], header=[*HEADER, "otra"]), "c.xlsx", max_rows=10)
    with pytest.raises(FileRejected, match="columnas desconocidas: otra"):
        engine.validate(get_spec("clientes"), table)


@pytest.mark.parametrize("catalogue", ["clientes", "proveedores", "pagos"])
def test_the_template_example_is_made_up_not_the_company(catalogue, company):
    from bulk.templates_xlsx import build_template

    book = load_workbook(io.BytesIO(build_template(get_spec(catalogue))))
    values = [str(c.value or "") for c in book.worksheets[0][2]]
    digits = ["".join(ch for ch in v if ch.isdigit()) for v in values]
    assert company.nit not in digits and company.nrc not in digits
    assert "0000-000000-000-0" in values


@pytest.mark.parametrize("catalogue", ["clientes", "proveedores"])
def test_the_template_example_row_passes_as_it_is(catalogue, company):
    from bulk.templates_xlsx import build_template

    data = build_template(get_spec(catalogue))
    result = engine.validate(get_spec(catalogue), read_upload(data, "t.xlsx", max_rows=2000))
    assert (result.rows, result.errors) == (1, [])
