"""Bulk upload of catalogues: dry run, all-or-nothing application, idempotence and bad files.
The bad files are built here."""

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bulk import engine
from bulk.reading import FileRejected, read_upload
from bulk.registry import get_spec
from bulk.tests.helpers import HEADER, client_row, consumer_row, csv_bytes, dui, xlsx
from clients.models import Client

pytestmark = pytest.mark.django_db
SPEC = get_spec("clientes")


def _run(data, name="c.xlsx", apply=False):
    table = read_upload(data, name, max_rows=SPEC.max_rows)
    return engine.run(SPEC, table, apply_changes=apply)


def _rows():
    return [client_row(), consumer_row(dui(162975), "Ana López"), consumer_row(dui(1234567), "Luis Pérez", limite_credito=0)]


def test_dry_run_counts_then_apply_then_same_file_changes_nothing():
    data = xlsx(_rows())
    dry = _run(data)
    assert (dry.new, dry.changed, dry.unchanged, dry.errors) == (3, 0, 0, [])
    assert Client.objects.count() == 0  # a dry run writes nothing
    before = timezone.now()
    _run(data, apply=True)
    after = timezone.now()
    assert Client.objects.count() == 3
    taxpayer = Client.objects.get(id_number="06140507071048")
    assert before <= taxpayer.created_at <= after and taxpayer.updated_at == taxpayer.created_at  # COPY's stamps
    assert taxpayer.nrc == "1234567" and taxpayer.credit_limit == Decimal("5000.00")
    assert taxpayer.activity_description == "Venta al por mayor de otros productos"  # filled from CAT-019
    snapshot = list(Client.objects.order_by("pk").values())
    again = _run(data, apply=True)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 3)
    assert list(Client.objects.order_by("pk").values()) == snapshot


def test_a_changed_row_is_counted_and_updated():
    _run(xlsx(_rows()), apply=True)
    rows = _rows()
    rows[1]["limite_credito"] = 750
    result = _run(xlsx(rows), apply=True)
    assert (result.new, result.changed, result.unchanged) == (0, 1, 2)
    assert Client.objects.get(name="Ana López").credit_limit == Decimal("750.00")


def test_csv_utf8_is_accepted_with_numbers_as_text():
    result = _run(csv_bytes(_rows()), name="c.csv", apply=True)
    assert result.errors == [] and Client.objects.count() == 3


def test_errors_name_row_column_and_reason_and_nothing_is_applied():
    rows = _rows() + [consumer_row("01234567-0", "DUI malo"), client_row(numero_documento="0614-050707-104-8", nombre="Repetido"),
                      client_row(numero_documento="0614-010190-001-8", nrc="", departamento="06", municipio="25")]
    result = _run(xlsx(rows), apply=True)
    assert Client.objects.count() == 0  # all or nothing
    errors = {(r, c): m for r, c, m in result.errors}
    assert "dígito verificador" in errors[(5, "numero_documento")]
    assert "repetido: la fila 2" in errors[(6, "numero_documento")]
    assert "NRC" in errors[(7, "nrc")]
    assert "municipio 25 no pertenece al departamento 06" in errors[(7, "municipio")]
    assert result.wrong_rows == 3


def test_error_report_is_the_original_rows_plus_an_error_column():
    from python_calamine import CalamineWorkbook

    rows = _rows() + [consumer_row("01234567-0", "DUI malo")]
    data = xlsx(rows)
    table = read_upload(data, "c.xlsx", max_rows=100)
    result = engine.validate(SPEC, table)
    table = read_upload(data, "c.xlsx", max_rows=100)  # read again: the check consumed the rows
    report = CalamineWorkbook.from_filelike(io.BytesIO(engine.error_report(SPEC, table, result))).get_sheet_by_index(0).to_python()
    assert report[0] == [*HEADER, "errores"]
    assert len(report) == len(rows) + 1 and report[4][HEADER.index("nombre")] == "DUI malo"
    assert "fila 5, numero_documento" in report[4][-1]
    assert [line[-1] for line in report[1:4]] == ["", "", ""]  # the rows without errors, in place, unmarked


@pytest.mark.parametrize("over,column,reason", [
    ({"limite_credito": "5000"}, "limite_credito", "número escrito como texto"),
    ({"plazo_dias": -3}, "plazo_dias", "debe estar entre"),
    ({"correo": "no-es-correo"}, "correo", "no es un correo"),
    ({"tipo_cliente": "mayorista"}, "tipo_cliente", "no es un valor válido"),
    ({"codigo_actividad": "99999"}, "codigo_actividad", "CAT-019"),
    ({"vendedor": "nadie"}, "vendedor", "no existe"),
    ({"nombre": ""}, "nombre", "es obligatorio"),
])
def test_bad_cells_are_named(over, column, reason):
    result = _run(xlsx([client_row(**over)]))
    assert result.errors and result.errors[0][0] == 2 and result.errors[0][1] == column and reason in result.errors[0][2]


def test_nit_typed_as_a_number_is_refused():
    result = _run(xlsx([client_row(numero_documento=6140507071048)]))
    assert "pierde los ceros" in result.errors[0][2]


# ---------------------------------------------------------------------------------- bad files


def _zip(members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return out.getvalue()


def _xlsx_with_sheet_xml(sheet_xml):
    """A real xlsx whose first sheet's XML is replaced."""
    src = zipfile.ZipFile(io.BytesIO(xlsx(_rows())))
    members = {n: src.read(n) for n in src.namelist()}
    members["xl/worksheets/sheet1.xml"] = sheet_xml
    return _zip(members)


@pytest.mark.parametrize("name,data,message", [
    ("c.xlsx", b"esto es texto con otra extension", "no es un libro de Excel"),
    ("c.xlsx", xlsx(_rows())[:900], "no es un libro de Excel"),
    ("c.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "protegido con contraseña"),
    ("c.xlsx", _xlsx_with_sheet_xml(b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><worksheet>&b;</worksheet>'), "DOCTYPE"),
    ("c.csv", "tipo_cliente,nombre\ncontribuyente,Compañía".encode("latin-1"), "UTF-8"),
    ("c.pdf", b"%PDF-1.4", "Solo se aceptan"),
    ("c.csv", b"", "vac"),
])
def test_bad_files_are_refused_with_a_clear_message(name, data, message):
    with pytest.raises(FileRejected, match=message):
        read_upload(data, name, max_rows=1000)


def test_formulas_are_refused():
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(HEADER)
    book.active.append(["contribuyente", "NIT", "=CONCAT(\"0614\",\"050707\")"] + [""] * (len(HEADER) - 3))
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(FileRejected, match="fórmulas"):
        read_upload(out.getvalue(), "c.xlsx", max_rows=100)


def test_missing_and_unknown_columns_are_refused():
    header = [h for h in HEADER if h != "nrc"] + ["color_favorito"]
    with pytest.raises(FileRejected) as exc:
        _run(xlsx([client_row()], header=header))
    assert "faltan columnas: nrc" in str(exc.value) and "color_favorito" in str(exc.value)


def test_omissible_columns_may_be_left_out_and_existing_rows_keep_their_values(users):
    rows = _rows()
    rows[0].update(notas="Paga los viernes", vendedor=users["Vendedor"].username, activo="no")
    _run(xlsx(rows), apply=True)
    short = [h for h in HEADER if h not in ("notas", "vendedor", "activo", "exento", "pais", "tipo_persona")]
    again = _run(xlsx(_rows(), header=short), apply=True)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 3)  # nothing to change
    taxpayer = Client.objects.get(id_number="06140507071048")
    assert (taxpayer.notes, taxpayer.sales_rep, taxpayer.is_active) == ("Paga los viernes", users["Vendedor"], False)
    changed = _rows()
    changed[0]["limite_credito"] = 100
    changed.append(consumer_row(dui(7654321), "Nueva Cliente"))
    result = _run(xlsx(changed, header=short), apply=True)
    assert (result.new, result.changed, result.unchanged) == (1, 1, 2)
    taxpayer.refresh_from_db()
    assert taxpayer.credit_limit == Decimal("100.00") and taxpayer.notes == "Paga los viernes"
    assert taxpayer.sales_rep == users["Vendedor"] and not taxpayer.is_active  # left-out columns untouched
    new = Client.objects.get(name="Nueva Cliente")
    assert new.is_active and new.notes == "" and new.sales_rep is None  # defaults for a new row


def test_an_error_after_earlier_batches_were_written_leaves_nothing(monkeypatch):
    monkeypatch.setattr(engine, "BATCH", 2)  # rows are written two at a time
    rows = _rows() + [consumer_row(dui(7654321), "Cuarta"), consumer_row(dui(162975), "Repetida")]
    result = _run(xlsx(rows), apply=True)
    assert result.errors == [(6, "numero_documento", "repetido: la fila 3 tiene la misma clave")]
    assert Client.objects.count() == 0  # the first two batches were rolled back with the file
    ok = _run(xlsx(rows[:4]), apply=True)
    assert (ok.new, ok.changed, ok.unchanged, Client.objects.count()) == (4, 0, 0, 4)


def test_a_file_refused_while_a_batch_is_still_being_written_leaves_nothing(monkeypatch):
    """The clients' rows are checked without queries, so a batch's COPY is still open while the
    next batch is read: a file refused there (the reader stops on a row) ends that COPY and
    rolls the file back, and the connection is usable afterwards."""
    monkeypatch.setattr(engine, "BATCH", 2)
    table = read_upload(xlsx(_rows() + [consumer_row(dui(7654321), "Cuarta")]), "c.xlsx", max_rows=10)

    def rows_then_refused(rows):
        yield from rows
        raise FileRejected("la fila 6 no se puede leer")

    table.rows = rows_then_refused(table.rows)
    with pytest.raises(FileRejected, match="fila 6"):
        engine.run(SPEC, table, apply_changes=True)
    assert Client.objects.count() == 0
    ok = _run(xlsx(_rows()), apply=True)
    assert (ok.new, Client.objects.count()) == (3, 3)


def test_every_bad_cell_of_a_row_is_named():
    result = _run(xlsx([client_row(correo="no-es-correo", plazo_dias=-3, tipo_cliente="mayorista")]))
    assert sorted((r, c) for r, c, _m in result.errors) == [(2, "correo"), (2, "plazo_dias"), (2, "tipo_cliente")]


def test_whole_numbers_are_read_alike_every_time_and_a_boolean_is_not_a_number():
    from bulk.columns import CellError, decimal, integer

    money, days = decimal(places=2, from_text=False), integer(maximum=365, from_text=False)
    assert [money(v) for v in (5000.0, 5000, 5000.0)] == [Decimal("5000.00")] * 3  # the second 5000.0 from the cache
    assert str(money(1.0)) == "1.00" and money(2.5) == Decimal("2.50") and days(30.0) == 30
    with pytest.raises(CellError, match="no es un número"):
        money(True)  # True == 1.0, which is now known: a boolean still is not a number
    with pytest.raises(CellError, match="debe estar entre"):
        days(400.0)
    with pytest.raises(CellError, match="decimales"):
        days(30.5)


def test_a_required_column_cannot_be_left_out():
    header = [h for h in HEADER if h != "nombre"]
    with pytest.raises(FileRejected, match="faltan columnas: nombre"):
        _run(xlsx([client_row()], header=header))


def test_row_limit():
    with pytest.raises(FileRejected, match="máximo es 2"):
        read_upload(xlsx(_rows()), "c.xlsx", max_rows=2)


def test_size_limit_is_checked_before_storing(settings, users):
    from bulk.services import import_create

    settings.MAX_IMPORT_UPLOAD_BYTES = 100
    with pytest.raises(FileRejected, match="el máximo es"):
        import_create(catalogue="clientes", upload=SimpleUploadedFile("c.xlsx", xlsx(_rows())), acting_user=users["Administrador"])
