import csv
import io

from openpyxl import Workbook

from clients.columns import COLUMNS

HEADER = [c.header for c in COLUMNS]


def client_row(**over):
    row = {
        "tipo_cliente": "contribuyente", "tipo_documento": "NIT", "numero_documento": "0614-050707-104-8",
        "nrc": "1234567", "nombre": "Distribuidora Central, S.A. de C.V.", "nombre_comercial": "Dicentral",
        "codigo_actividad": "46900", "tamano_contribuyente": "mediano", "exento": "no", "departamento": "06",
        "municipio": "14", "direccion": "Calle 1", "pais": "", "tipo_persona": "", "correo": "compras@dicentral.example",
        "telefono": "22223333", "limite_credito": 5000, "plazo_dias": 30, "vendedor": "", "activo": "sí", "notas": "",
    }
    row.update(over)
    return row


def consumer_row(dui, name, **over):
    return client_row(tipo_cliente="consumidor", tipo_documento="DUI", numero_documento=dui, nrc="", nombre=name,
                      nombre_comercial="", codigo_actividad="", departamento="", municipio="", direccion="", **over)


def xlsx(rows, header=HEADER):
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(h) if isinstance(row, dict) else row[i] for i, h in enumerate(header)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows, header=HEADER, encoding="utf-8"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    return out.getvalue().encode(encoding)


def dui(n):
    """A valid DUI for the number n (check digit by the DUI rule: weights 9..2, mod 10)."""
    first8 = f"{n:08d}"
    total = sum(int(d) * w for d, w in zip(first8, range(9, 1, -1), strict=True))
    return f"{first8}-{(10 - total % 10) % 10}"
