"""Hostile upload files, each built here: the reader refuses them with a clear message or reads
them in flat memory. Peak memory is measured in a child process that runs the reader
(``VmHWM`` from /proc/self/status), as a Celery worker would."""

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bulk import engine
from bulk.reading import FileRejected, read_upload
from bulk.registry import get_spec
from bulk.tests.helpers import HEADER, client_row, csv_bytes, xlsx

pytestmark = pytest.mark.django_db
SPEC = get_spec("clientes")
ROOT = Path(__file__).resolve().parents[2]
PEAK_BOUND_MB = 300  # the bound for any file the size limit admits

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _members(data):
    src = zipfile.ZipFile(io.BytesIO(data))
    return {n: src.read(n) for n in src.namelist()}


def _zip(members, compression=zipfile.ZIP_DEFLATED):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return out.getvalue()


def _header_row():
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(HEADER))
    return f'<row r="1">{cells}</row>'


def _with_sheet(sheet_xml, **more):
    """The template-shaped workbook written by openpyxl with its first sheet replaced."""
    members = _members(xlsx([client_row()]))
    members["xl/worksheets/sheet1.xml"] = sheet_xml
    members.update(more)
    return _zip(members)


def _sheet(rows_xml, dimension=None):
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}>{dim}<sheetData>{rows_xml}</sheetData></worksheet>'


def _read_all(data, name="c.xlsx", max_rows=SPEC.max_rows):
    table = read_upload(data, name, max_rows=max_rows, max_cols=len(SPEC.columns) + 4)
    return table, [list(r) for r in table.rows]


_CHILD = """
import json, os, sys
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billing.settings")
import django
django.setup()
from bulk.reading import FileRejected, read_upload
outcome, rows = "read", 0
try:
    with open(sys.argv[1], "rb") as fh:
        table = read_upload(fh.read(), sys.argv[1], max_rows=int(sys.argv[2]), max_cols=int(sys.argv[3]))
    for row in table.rows:
        rows += 1
except FileRejected as exc:
    outcome = "rejected: " + str(exc)
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"outcome": outcome, "rows": rows, "peak_mb": peak / 1024}))
"""


def _peak_in_child(tmp_path, data, name="c.xlsx", max_rows=SPEC.max_rows):
    """Read the file in a fresh Python process (a worker's share) and report its peak memory."""
    path = tmp_path / name
    path.write_bytes(data)
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="billing.settings")
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(max_rows), str(len(SPEC.columns) + 4)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]  # no SIGABRT, no MemoryError
    return json.loads(done.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------- cells far away, many rows


def test_one_cell_at_xfd1048576_is_refused_from_the_declared_dimension_in_flat_memory(tmp_path):
    data = _with_sheet(_sheet(_header_row() + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
                              dimension="A1:XFD1048576"))
    assert len(data) < 10_000
    with pytest.raises(FileRejected, match="declara 1048576 filas"):
        read_upload(data, "c.xlsx", max_rows=SPEC.max_rows)
    found = _peak_in_child(tmp_path, data)
    assert found["outcome"].startswith("rejected") and found["peak_mb"] < PEAK_BOUND_MB


def test_the_same_cell_without_a_dimension_is_refused_while_streaming(tmp_path):
    data = _with_sheet(_sheet(_header_row() + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'))
    with pytest.raises(FileRejected, match="más de 200000 filas"):
        _read_all(data)
    found = _peak_in_child(tmp_path, data)
    assert found["outcome"].startswith("rejected") and found["peak_mb"] < PEAK_BOUND_MB


def test_a_cell_at_xfd2000_is_ignored_right_of_the_template_and_memory_stays_flat(tmp_path):
    rows = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>contribuyente</t></is></c></row>' for n in range(2, 5))
    data = _with_sheet(_sheet(_header_row() + rows + '<row r="2000"><c r="XFD2000"><v>1</v></c></row>',
                              dimension="A1:XFD2000"))
    table, read = _read_all(data)
    assert table.header == HEADER
    assert [r[0] for r in read[:3]] == ["contribuyente"] * 3
    assert max(len(r) for r in read) <= len(SPEC.columns) + 4  # never 16,384 wide
    found = _peak_in_child(tmp_path, data)
    assert found["outcome"] == "read" and found["peak_mb"] < PEAK_BOUND_MB


def test_a_heading_far_right_is_named_as_an_unknown_column():
    members = _sheet(_header_row()[:-len("</row>")] + '<c r="XFD1" t="inlineStr"><is><t>color</t></is></c></row>'
                     + '<row r="2"><c r="A2"><v>1</v></c></row>')
    table, _rows = _read_all(_with_sheet(members))
    with pytest.raises(FileRejected, match="columnas desconocidas: color"):
        engine.validate(SPEC, table)


def _many_rows_sheet(count, dimension):
    """``count`` data rows of one short cell, written straight as XML (as a hostile writer would)."""
    parts = [f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}>']
    if dimension:
        parts.append(f'<dimension ref="A1:U{count + 1}"/>')
    parts.append("<sheetData>" + _header_row())
    parts.extend(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(2, count + 2))
    parts.append("</sheetData></worksheet>")
    return "".join(parts)


@pytest.mark.parametrize("dimension", [True, False], ids=["dimension", "sin-dimension"])
def test_600000_rows_under_the_size_limit_are_refused_in_flat_memory(tmp_path, settings, dimension):
    data = _with_sheet(_many_rows_sheet(600_000, dimension))
    assert len(data) < settings.MAX_IMPORT_UPLOAD_BYTES
    found = _peak_in_child(tmp_path, data)
    assert found["outcome"].startswith("rejected") and "200000" in found["outcome"]
    assert found["peak_mb"] < PEAK_BOUND_MB


def test_200000_rows_are_read_in_flat_memory(tmp_path):
    found = _peak_in_child(tmp_path, _with_sheet(_many_rows_sheet(200_000, True)))
    assert found["outcome"] == "read" and found["rows"] == 200_000
    assert found["peak_mb"] < PEAK_BOUND_MB


def test_rows_after_a_gap_keep_their_sheet_numbers():
    data = _with_sheet(_sheet(_header_row() + '<row r="2"><c r="A2"><v>1</v></c></row><row r="7"><c r="A7"><v>2</v></c></row>'))
    table, read = _read_all(data)
    assert table.first_row_number == 2 and [r[0] for r in read] == [1.0, "", "", "", "", 2.0]


# ------------------------------------------------------------------------------ text and cells


def test_a_csv_cell_over_131072_characters_is_an_error_by_row_and_column():
    data = csv_bytes([client_row(), client_row(numero_documento="0614-010190-001-8", notas="x" * 200_000)])
    table = read_upload(data, "c.csv", max_rows=100)
    result = engine.validate(SPEC, table)
    assert [(r, c) for r, c, _m in result.errors] == [(3, "notas")]
    assert "200000 caracteres" in result.errors[0][2]


def test_a_repetitive_10_mb_cell_is_not_called_a_zip_bomb():
    big = "ABC" * 3_500_000
    data = _with_sheet(_sheet(_header_row() + f'<row r="2"><c r="C2" t="inlineStr"><is><t>{big}</t></is></c></row>'))
    assert len(data) < 200_000  # it compresses about a thousand times
    with pytest.raises(FileRejected) as refused:
        _read_all(data)
    assert "bomba" not in str(refused.value)
    assert "C2" in str(refused.value) and "32767" in str(refused.value)


def test_a_shared_string_over_excels_limit_is_refused():
    strings = (f'<?xml version="1.0" encoding="UTF-8"?><sst {_NS} count="1" uniqueCount="1">'
               f'<si><t>{"x" * 40_000}</t></si></sst>')
    members = _members(xlsx([client_row()]))
    members["xl/sharedStrings.xml"] = strings
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdS" Target="sharedStrings.xml" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>')
    with pytest.raises(FileRejected, match="32767"):
        _read_all(_zip(members))


def test_a_declared_size_past_the_limit_is_a_zip_bomb():
    members = _members(xlsx([client_row()]))
    data = bytearray(_zip(members))
    # The central directory claims 900 MB for the sheet (its uncompressed-size field).
    entry = data.rfind(b"PK\x01\x02", 0, data.find(b"xl/worksheets/sheet1.xml", data.find(b"PK\x01\x02")) + 1)
    data[entry + 24:entry + 28] = (900 * 1024 * 1024).to_bytes(4, "little")
    with pytest.raises(FileRejected, match="bomba zip"):
        read_upload(bytes(data), "c.xlsx", max_rows=10)


# ------------------------------------------------------------------------- formulas and XML


@pytest.mark.parametrize("cell", [
    '<c r="C2"><f>1+1</f><v>2</v></c>', '<c r="C2"><f\t>1+1</f\t><v>2</v></c>',
    '<c r="C2"><f\nt="shared" si="0">1+1</f><v>2</v></c>', '<c r="C2"><x:f xmlns:x="urn:x">1+1</x:f><v>2</v></c>',
])
def test_formulas_are_refused_however_the_tag_is_written(cell):
    data = _with_sheet(_sheet(_header_row() + f'<row r="2">{cell}</row>'))
    with pytest.raises(FileRejected, match="fórmulas"):
        _read_all(data)


def test_a_doctype_after_4_kb_of_padding_is_refused():
    padded = ('<?xml version="1.0"?>' + " " * 5000 + '<!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa">]>'
              + f'<worksheet {_NS}><sheetData>{_header_row()}</sheetData></worksheet>')
    with pytest.raises(FileRejected, match="DOCTYPE"):
        _read_all(_with_sheet(padded))
    # In another part too, and after a long comment.
    comment = '<?xml version="1.0"?><!--' + "x" * 6000 + '--><!DOCTYPE x [<!ENTITY e "e">]><Properties/>'
    with pytest.raises(FileRejected, match="DOCTYPE"):
        _read_all(_with_sheet(_sheet(_header_row()), **{"docProps/app.xml": comment}))


def test_a_utf16_part_is_refused():
    sheet = _sheet(_header_row()).replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    with pytest.raises(FileRejected, match="codificación"):
        _read_all(_with_sheet(sheet))


def test_a_macro_workbook_renamed_xlsx_is_refused():
    members = _members(xlsx([client_row()]))
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    with pytest.raises(FileRejected, match="macros"):
        read_upload(_zip(members), "c.xlsx", max_rows=10)
    members = _members(xlsx([client_row()]))
    members["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0" + b"\0" * 100
    with pytest.raises(FileRejected, match="macros"):
        read_upload(_zip(members), "c.xlsx", max_rows=10)


def test_a_zip_of_thousands_of_parts_is_refused_before_listing_them():
    members = _members(xlsx([client_row()]))
    members.update({f"xl/media/p{i}.txt": b"" for i in range(1500)})
    with pytest.raises(FileRejected, match="partes internas"):
        read_upload(_zip(members, zipfile.ZIP_STORED), "c.xlsx", max_rows=10)


def test_a_lying_size_is_a_damaged_file_not_an_internal_error():
    members = _members(xlsx([client_row()]))
    data = bytearray(_zip(members, zipfile.ZIP_STORED))
    at = data.find(b"<sheetData>")
    data[at:at + 11] = b"<sheetDaXa>"  # the CRC no longer matches
    with pytest.raises(FileRejected):
        read_upload(bytes(data), "c.xlsx", max_rows=10)


# ------------------------------------------------------------------------ files of only errors

_CHILD_VALIDATE = """
import json, os, sys
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billing.settings")
import django
django.setup()
from bulk import columns as c, engine
from bulk.reading import read_upload
columns = [c.Column(f"c{i}", f"f{i}", c.choice({"a": "a"})) for i in range(10)]
spec = engine.Spec(name="t", title="t", model=None, columns=columns, key=("f0",), module="clientes",
                   write_fields=[f"f{i}" for i in range(10)], context=lambda: {}, check=lambda d, x: {},
                   finalize=lambda d, x: d)
with open(sys.argv[1], "rb") as fh:
    table = read_upload(fh.read(), "t.xlsx", max_rows=200_000, max_cols=14)
result = engine.validate(spec, table)
with open(sys.argv[1], "rb") as fh:
    table = read_upload(fh.read(), "t.xlsx", max_rows=200_000, max_cols=14)
report = engine.error_report(spec, table, result)
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"wrong": result.wrong_rows, "kept": len(result.errors), "report": len(report), "peak_mb": peak / 1024}))
"""


def test_a_file_whose_every_cell_is_wrong_keeps_its_errors_in_bounded_memory(tmp_path):
    """100,000 rows of 10 cells, each naming one shared 1,000-character text that the column
    refuses, quoting it: a million errors that once were all kept, with the raw rows."""
    cells = 10
    header = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>c{i}</t></is></c>' for i in range(cells))
    body = "".join(f'<row r="{n}">' + "".join(f'<c r="{chr(65 + i)}{n}" t="s"><v>0</v></c>' for i in range(cells))
                   + "</row>" for n in range(2, 100_002))
    members = _members(xlsx([client_row()]))
    members["xl/worksheets/sheet1.xml"] = _sheet(f'<row r="1">{header}</row>' + body)
    members["xl/sharedStrings.xml"] = f'<sst {_NS}><si><t>{"z" * 1000}</t></si></sst>'
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdS" Target="sharedStrings.xml" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>')
    path = tmp_path / "t.xlsx"
    path.write_bytes(_zip(members))
    done = subprocess.run([sys.executable, "-c", _CHILD_VALIDATE, str(path)], cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ, DJANGO_SETTINGS_MODULE="billing.settings"), timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["wrong"] == 100_000 and 0 < found["kept"] <= engine.MAX_KEPT_ERRORS
    assert found["peak_mb"] < PEAK_BOUND_MB


def test_the_error_report_marks_the_rows_whose_errors_it_does_not_detail(monkeypatch):
    from python_calamine import CalamineWorkbook

    monkeypatch.setattr(engine, "MAX_KEPT_ERRORS", 3)
    rows = [client_row(numero_documento=f"bad-{i}", tipo_cliente="mayorista") for i in range(6)]
    table = read_upload(xlsx(rows), "c.xlsx", max_rows=100)
    result = engine.validate(SPEC, table)
    assert result.wrong_rows == 6 and len(result.errors) == 3
    table = read_upload(xlsx(rows), "c.xlsx", max_rows=100)
    report = CalamineWorkbook.from_filelike(io.BytesIO(engine.error_report(SPEC, table, result))).get_sheet_by_index(0)
    notes = [line[-1] for line in report.to_python()[1:]]
    assert len(notes) == 6 and all("tipo_cliente" in n for n in notes[:3])  # one error per row: three detailed
    assert all("no detalla" in n for n in notes[3:])  # and three only marked


def test_the_error_report_stops_and_says_so_past_its_size(monkeypatch):
    from python_calamine import CalamineWorkbook

    monkeypatch.setattr(engine, "MAX_REPORT_CHARS", 700)
    rows = [client_row(numero_documento=f"bad-{i}", tipo_cliente="mayorista") for i in range(6)]
    result = engine.validate(SPEC, read_upload(xlsx(rows), "c.xlsx", max_rows=100))
    report = CalamineWorkbook.from_filelike(io.BytesIO(engine.error_report(
        SPEC, read_upload(xlsx(rows), "c.xlsx", max_rows=100), result))).get_sheet_by_index(0).to_python()
    assert 2 < len(report) < 7 and "El informe termina aquí" in report[-1][-1]


def test_a_row_repeated_or_out_of_order_is_refused():
    data = _with_sheet(_sheet(_header_row() + '<row r="3"><c r="A3"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c></row>'))
    with pytest.raises(FileRejected, match="fuera de orden"):
        _read_all(data)


# ---------------------------------------------------------------- what the streamed reader reads


def test_cells_are_read_as_the_sheet_shows_them():
    import datetime

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["a", "b", "c", "d", "e", "f"])
    sheet.append([5000, 1.5, True, datetime.date(2025, 1, 15), datetime.datetime(2025, 1, 15, 10, 30), "  x "])
    out = io.BytesIO()
    book.save(out)
    _table, rows = _read_all(out.getvalue())
    assert rows == [[5000.0, 1.5, True, datetime.date(2025, 1, 15), datetime.datetime(2025, 1, 15, 10, 30), "  x "]]


def test_shared_strings_rich_text_phonetic_runs_prefixes_and_error_cells():
    members = _members(xlsx([client_row()]))
    members["xl/sharedStrings.xml"] = (
        f'<sst {_NS}><si><t>uno &amp; dos &#233;</t></si><si><r><rPr><b/></rPr><t>ri</t></r><r><t>ch</t></r></si>'
        '<si><t>漢字</t><rPh sb="0" eb="2"><t>カンジ</t></rPh></si></sst>')
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdS" Target="sharedStrings.xml" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>')
    members["xl/worksheets/sheet1.xml"] = (
        '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
        '<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c></x:row>'
        '<x:row r="2"><x:c r="A2" t="s"><x:v>2</x:v></x:c><x:c r="B2" t="e"><x:v>#N/A</x:v></x:c>'
        '<x:c r="C2" t="str"><x:v>texto</x:v></x:c></x:row></x:sheetData></x:worksheet>')
    table, rows = _read_all(_zip(members))
    assert table.header == ["uno & dos é", "rich"]
    assert rows == [["漢字", "", "texto"]]


# ------------------------------------------------- python-calamine where the sheet is proved small


def _both_paths(monkeypatch, data):
    """The file read as uploads are (recording whether python-calamine read it), then by the
    expat reader alone."""
    from bulk import reading

    used = []
    real = reading._read_calamine

    def spy(*args, **kwargs):
        table = real(*args, **kwargs)
        used.append(table is not None)
        return table

    monkeypatch.setattr(reading, "_read_calamine", spy)
    fast = read_upload(data, "c.xlsx", max_rows=SPEC.max_rows, max_cols=len(SPEC.columns) + 4)
    fast_rows = [list(r) for r in fast.rows]
    monkeypatch.setattr(reading, "_read_calamine", lambda *a, **k: None)
    slow = read_upload(data, "c.xlsx", max_rows=SPEC.max_rows, max_cols=len(SPEC.columns) + 4)
    slow_rows = [list(r) for r in slow.rows]
    monkeypatch.setattr(reading, "_read_calamine", real)
    return any(used), (fast.header, fast.first_row_number, fast_rows), (slow.header, slow.first_row_number, slow_rows)


def _typed(read):
    header, first, rows = read
    return header, first, [[(type(v).__name__, v) for v in row] for row in rows]


def _openpyxl_sheet(cells):
    from openpyxl import Workbook

    book = Workbook()
    for ref, value in cells.items():
        book.active[ref] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _shared_book(sheet_rows, strings):
    members = _members(xlsx([client_row()]))
    members["xl/sharedStrings.xml"] = f'<sst {_NS}>{strings}</sst>'
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdS" Target="sharedStrings.xml" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>')
    members["xl/worksheets/sheet1.xml"] = _sheet(sheet_rows)
    return _zip(members)


@pytest.mark.parametrize("data", [
    pytest.param(lambda: xlsx([client_row(), client_row(numero_documento="0614-010190-001-8", limite_credito=12.5,
                                                        notas="  con espacios ")]), id="plantilla"),
    pytest.param(lambda: _openpyxl_sheet({
        "A1": "a", "B1": "b", "C1": "c", "D1": "d", "E1": "e", "F1": "f", "G1": "g",
        "A2": 5000, "B2": 1.5, "C2": True, "D2": __import__("datetime").date(2025, 1, 15),
        "E2": __import__("datetime").datetime(2025, 1, 15, 10, 30), "F2": "  x ", "G2": "0614",
        "A3": False, "C3": -0.25, "A6": "tras un hueco"}), id="tipos-y-huecos"),
    pytest.param(lambda: _openpyxl_sheet({"C3": "a", "D3": "b", "C5": 7, "D6": "y"}), id="encabezado-en-c3"),
    pytest.param(lambda: _shared_book(
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="e"><v>#N/A</v></c><c r="C2" t="str"><v>texto</v></c>'
        '<c r="D2" t="inlineStr"><is><t>en línea</t></is></c><c r="E2" t="b"><v>1</v></c></row>'
        '<row r="4"><c r="B4" t="s"><v>0</v></c></row>',
        '<si><t>uno &amp; dos &#233;</t></si><si><r><rPr><b/></rPr><t>ri</t></r><r><t>ch</t></r></si>'
        '<si><t>漢字</t><rPh sb="0" eb="2"><t>カンジ</t></rPh></si>'), id="textos-compartidos"),
])
def test_python_calamine_reads_what_the_expat_reader_reads(monkeypatch, data):
    used, fast, slow = _both_paths(monkeypatch, data())
    assert used  # these sheets are proved small: python-calamine read them
    assert _typed(fast) == _typed(slow)
    assert fast[2]  # and there were rows to compare


@pytest.mark.parametrize("sheet_rows", [
    # Cells without a reference (the xlsx format allows them): placed by position.
    pytest.param('<row r="1"><c t="inlineStr"><is><t>a</t></is></c><c t="inlineStr"><is><t>b</t></is></c></row>'
                 '<row r="2"><c><v>1</v></c><c><v>2</v></c></row>', id="sin-referencia"),
    # A namespace-prefixed cell far right: calamine would place it at column XFD.
    pytest.param('<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>'
                 '<row r="2"><c r="A2"><v>1</v></c><x:c xmlns:x="urn:x" r="XFD2"><x:v>1</x:v></x:c></row>',
                 id="prefijo"),
    # A cell whose reference names a row far below its own.
    pytest.param('<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>'
                 '<row r="2"><c r="A150000"><v>1</v></c></row>', id="fila-lejana"),
    # The reference after another attribute, and a data cell right of the template.
    pytest.param('<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>'
                 '<row r="2"><c s="0" r="A2"><v>1</v></c><c r="AZ2"><v>9</v></c></row>', id="atributos-y-ancho"),
])
def test_sheets_python_calamine_could_misread_are_read_by_expat(monkeypatch, sheet_rows):
    used, fast, slow = _both_paths(monkeypatch, _with_sheet(_sheet(sheet_rows)))
    assert not used
    assert fast == slow and fast[2][0][0] == 1.0


def test_a_shared_string_named_in_a_spaced_attribute_or_past_the_memory_bound_goes_to_expat(monkeypatch):
    from bulk import reading

    spaced = _shared_book('<row r="1"><c r="A1" t = "s"><v>0</v></c></row><row r="2"><c r="A2"><v>1</v></c></row>',
                          "<si><t>a</t></si>")
    used, fast, _slow = _both_paths(monkeypatch, spaced)
    assert not used and fast[0] == ["a"]
    # 1,000 cells naming one 2,000-character string: 2 MB of copies, over a bound of 1 MB.
    body = "".join(f'<row r="{n}"><c r="A{n}" t="s"><v>0</v></c></row>' for n in range(2, 1002))
    book = _shared_book('<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>' + body,
                        f'<si><t>{"z" * 2000}</t></si>')
    assert _both_paths(monkeypatch, book)[0]
    monkeypatch.setattr(reading, "CALAMINE_MAX_BYTES", 1024 * 1024)
    used, fast, slow = _both_paths(monkeypatch, book)
    assert not used and fast == slow and len(fast[2]) == 1000 and fast[2][0] == ["z" * 2000]


@pytest.mark.parametrize("chunk", [1, 7, 300, 1 << 20])
def test_the_sheet_is_judged_the_same_whatever_its_chunks(chunk):
    """The pass that bounds calamine reads the sheet in chunks; a cell, row or text cut between
    two chunks counts as if it were whole (a long text may count more, never less)."""
    from bulk import reading

    long_text = "w" * 1000
    xml = _sheet(_header_row() + "".join(
        f'<row r="{n}"><c r="B{n}" t="inlineStr"><is><t>{long_text if n % 50 == 0 else "texto"}</t></is></c>'
        f'<c r="C{n}"><v>{n}</v></c></row>' for n in range(2, 400))).encode()

    def judged(size):
        shape = reading._SheetShape(max_rows=1000, max_cols=25, shared_sizes=reading.array("I"))
        for at in range(0, len(xml), size):
            shape.feed(xml[at:at + size])
        shape.close()
        return shape

    whole, cut = judged(len(xml)), judged(chunk)
    assert whole.ok and cut.ok
    assert (cut.last_row, cut.cells, cut.width) == (whole.last_row, whole.cells, whole.width) == (399, 398 * 2 + len(HEADER), len(HEADER))
    assert whole.text >= 7 * 1000 + 391 * 5 and cut.text >= whole.text and cut.texts >= whole.texts
