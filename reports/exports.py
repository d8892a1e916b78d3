"""A report as xlsx, CSV or PDF, written row by row from a server-side cursor: memory stays flat
whatever the size. Text a spreadsheet would run as a formula (=, +, -, @ …) gets a leading
apostrophe (bulk.columns.escape_formula)."""

import csv
import datetime
import re
import tempfile
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import company_get
from bulk.columns import escape_formula
from core import formats
from dte.printing import _fonts

CHUNK = 2000
PDF_MAX_ROWS = 5000  # a PDF is for reading and printing; longer lists go to xlsx or CSV
CONTENT_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


def _clean(value):
    if isinstance(value, str):
        return escape_formula(value)
    return value


def iter_rows(report, params, progress=None):
    """Each row's display values, numbered, cleaned for spreadsheets."""
    n = 0
    for row in report.rows(params).iterator(chunk_size=CHUNK):
        n += 1
        row["_n"] = n
        yield [_clean(v) for v in report.display(row)]
        if progress and n % CHUNK == 0:
            progress(n)
    if progress:
        progress(n)


def heading(report, params):
    company = company_get()
    if report.monthly:
        period = _("Mes %(m)s") % {"m": params.date_from.strftime("%m/%Y")}
    elif getattr(report, "dated", True):
        period = _("Del %(a)s al %(b)s") % {"a": formats.date(params.date_from), "b": formats.date(params.date_to)}
    else:
        period = _("Al %(d)s") % {"d": formats.date(timezone.localdate())}
    name = company.legal_name if company else ""
    nit = f"NIT {company.nit} · NRC {company.nrc}" if company else ""
    return [str(report.title), name, nit, period]


def filename(report, params, fmt):
    stamp = params.date_from.strftime("%Y-%m") if report.monthly else f"{params.date_from}_{params.date_to}"
    return f"{report.slug}-{stamp}.{fmt}"


# ----------------------------------------------------------------------------------------- CSV


class _Echo:
    def write(self, value):
        return value


def csv_stream(report, params):
    """Lines of CSV for a StreamingHttpResponse: a BOM (Excel then reads UTF-8), the header, the
    rows and the totals."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([str(c.header) for c in report.columns])
    for row in iter_rows(report, params):
        yield writer.writerow([_csv_value(v) for v in row])
    totals = report.totals(params)
    if totals:
        yield writer.writerow(_totals_row(report, totals, _csv_value))


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return formats.date(value)
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def _totals_row(report, totals, clean):
    out = []
    for i, column in enumerate(report.columns):
        if column.total:
            out.append(clean(totals.get(column.key)))
        else:
            out.append(str(_("Total")) if i == 0 else "")
    return out


# ---------------------------------------------------------------------------------------- xlsx


def write_xlsx(report, params, target, progress=None):
    """Write the workbook to ``target`` (a path or file object). XlsxWriter's constant-memory
    mode flushes each row to disk as it is written."""
    import xlsxwriter  # noqa: PLC0415 - start-up cost: loaded only by the process that writes a workbook

    book = xlsxwriter.Workbook(target, {"constant_memory": True, "tmpdir": tempfile.gettempdir(),
                                        "default_date_format": "dd/mm/yyyy"})
    # Excel refuses []:*?/\ in a sheet's name and more than 31 characters
    sheet = book.add_worksheet(re.sub(r"[\[\]:*?/\\]", "-", str(report.title))[:31].strip())
    bold = book.add_format({"bold": True})
    title = book.add_format({"bold": True, "font_size": 13})
    head = book.add_format({"bold": True, "bg_color": "#E9ECEF", "border": 1, "text_wrap": True, "valign": "top"})
    money = book.add_format({"num_format": "#,##0.00"})
    money_total = book.add_format({"num_format": "#,##0.00", "bold": True, "top": 1})
    date = book.add_format({"num_format": "dd/mm/yyyy"})
    kinds = [c.kind for c in report.columns]
    for i, column in enumerate(report.columns):
        sheet.set_column(i, i, column.width)
    lines = heading(report, params)
    for r, text in enumerate(lines):
        sheet.write_string(r, 0, text, title if r == 0 else bold)
    r = len(lines) + 1
    for i, column in enumerate(report.columns):
        sheet.write_string(r, i, str(column.header), head)
    first = r + 1
    for values in iter_rows(report, params, progress):
        r += 1
        for i, value in enumerate(values):
            if value is None or value == "":
                continue
            kind = kinds[i]
            if kind in ("money", "number") and not isinstance(value, str):  # a word ("Sin límite") stays a word
                sheet.write_number(r, i, float(value), money)
            elif kind == "int":
                sheet.write_number(r, i, int(value))
            elif kind == "date" and isinstance(value, datetime.date):
                sheet.write_datetime(r, i, datetime.datetime.combine(value, datetime.time()), date)
            else:
                sheet.write_string(r, i, str(value))
    totals = report.totals(params)
    if totals:
        r += 1
        sheet.write_string(r, 0, str(_("Total")), bold)
        for i, column in enumerate(report.columns):
            if column.total:
                sheet.write_number(r, i, float(totals.get(column.key) or 0), money_total)
    sheet.freeze_panes(first, 0)
    book.close()


# ----------------------------------------------------------------------------------------- PDF


def pdf_bytes(report, params, progress=None):
    from weasyprint import HTML  # noqa: PLC0415 - start-up cost: WeasyPrint loads only in the process that prints

    rows = []
    for values in iter_rows(report, params, progress):
        rows.append(values)
        if len(rows) > PDF_MAX_ROWS:
            raise ValueError(_("El reporte tiene más de %(n)d filas: expórtelo a Excel o CSV, o acote los filtros.")
                             % {"n": PDF_MAX_ROWS})
    totals = report.totals(params)
    html = render_to_string("reports/print.html", {
        "report": report, "heading": heading(report, params), "rows": rows,
        "columns": report.columns, "totals": _totals_row(report, totals, lambda v: v) if totals else None,
        "printed_at": timezone.localtime(), "landscape": report.pdf_landscape})
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(font_config=_fonts())
