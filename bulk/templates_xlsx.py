"""The downloadable template: the headers, dropdowns for coded columns, text format for codes
(so leading zeros survive), an example row and an instructions sheet, in Spanish."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation


def build_template(spec) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = str(spec.title)[:30]
    head_font, head_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="0B5563")
    for i, column in enumerate(spec.columns, start=1):
        cell = sheet.cell(row=1, column=i, value=column.header)
        cell.font, cell.fill = head_font, head_fill
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = column.width
        example = sheet.cell(row=2, column=i, value=column.example if column.example != "" else None)
        if column.kind == "text":
            for row in range(2, 1002):
                sheet.cell(row=row, column=i).number_format = "@"  # codes stay text
            example.number_format = "@"
        if column.choices:
            rule = DataValidation(type="list", formula1='"' + ",".join(map(str, column.choices)) + '"', allow_blank=True)
            rule.error, rule.errorTitle = _("Elija un valor de la lista"), _("Valor no válido")
            sheet.add_data_validation(rule)
            rule.add(f"{letter}2:{letter}100000")
    sheet.freeze_panes = "A2"
    notes = book.create_sheet(_("Instrucciones"))
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 90
    notes.append([_("Cómo llenar la plantilla")])
    notes["A1"].font = Font(bold=True, size=14)
    for line in (
        _("Una fila por registro, desde la fila 2. La fila 2 trae un ejemplo: reemplácela o bórrela."),
        _("No cambie los encabezados de la fila 1 ni agregue columnas."),
        _("Las columnas marcadas «puede omitirse» pueden borrarse del archivo: las filas nuevas toman su valor por "
          "omisión y las existentes conservan el que tienen."),
        _("Escriba los códigos (NIT, NRC, DUI, departamento, municipio, actividad) como texto, no como número."),
        _("No use fórmulas: copie y pegue como valores."),
        _("Subir el mismo archivo dos veces no cambia nada la segunda vez: las filas se identifican por su clave."),
        _("Si una sola fila tiene errores, no se aplica ninguna: descargue el informe de errores (todas las filas del "
          "archivo, con una columna «errores» que dice qué corregir en cada una), corríjalo y súbalo de nuevo tal cual: "
          "la columna «errores» se ignora."),
        *spec.extra.get("rules", ()),  # what this catalogue adds (payments: how rows make a payment)
    ):
        notes.append(["", str(line)])
    notes.append([])
    notes.append([_("Columna"), _("Qué va en ella")])
    for column in spec.columns:
        mark = _(" (obligatoria)") if column.required else (_(" (puede omitirse)") if column.omissible else "")
        notes.append([column.header, f"{column.help}{mark}" if column.help else mark.strip(" ()")])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
