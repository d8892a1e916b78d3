"""Catalogue exports (xlsx and CSV) in the template's columns. Cells a spreadsheet would run as
formulas (=, +, -, @ …) are written with a leading apostrophe."""

import csv
import io

from openpyxl import Workbook

from bulk.columns import escape_formula


def _rows(spec, queryset):
    to_row = spec.extra["to_row"]
    for obj in queryset.iterator(chunk_size=2000):
        yield [escape_formula(v) for v in to_row(obj)]


def export_xlsx(spec, queryset) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(str(spec.title)[:30])
    sheet.append([c.header for c in spec.columns])
    for row in _rows(spec, queryset):
        sheet.append([float(v) if v.__class__.__name__ == "Decimal" else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_csv(spec, queryset) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.header for c in spec.columns])
    for row in _rows(spec, queryset):
        writer.writerow(row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel opens it as UTF-8
