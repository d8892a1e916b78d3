"""04 Nota de Remisión, version 4 (2026 generation): goods moved, no payment; the receptor now
needs its activity, its address may be null; observaciones in the resumen, no extension
(mh-schemas-2026/SOURCES.md)."""

from dte.schemas.parts import amount, array, obj, string
from dte.schemas.parts_2026 import (
    apendice,
    direccion,
    document,
    documento_relacionado,
    emisor,
    identificacion,
    letras,
    observaciones,
    porcentaje,
    sale_item,
    tributos_resumen,
    venta_tercero,
)

FILE = "fe-nr-v4.json"
TIPO, VERSION = "04", 4


def receptor():
    return obj({
        "tipoDocumento": string(enum=["36", "13", "02", "03", "37"]),
        "numDocumento": string(1, 20),
        "nrc": string(2, 8, nullable=True),
        "nombre": string(1, 250),
        "codActividad": string(5, 6),
        "descActividad": string(5, 150),
        "nombreComercial": string(1, 150, nullable=True),
        "direccion": direccion(nullable=True, two_digit=True),
        "telefono": string(8, 30, nullable=True),
        "correo": string(1, 100, nullable=True),
        "bienTitulo": string(2, 2, pattern="^0[1-5]$"),  # CAT-025
    })


def resumen():
    return obj({
        "totalNoSuj": amount(), "totalExenta": amount(), "totalGravada": amount(), "subTotalVentas": amount(),
        "descuNoSuj": amount(), "descuExenta": amount(), "descuGravada": amount(), "porcentajeDescuento": porcentaje(),
        "totalDescu": amount(), "tributos": tributos_resumen(), "subTotal": amount(), "montoTotalOperacion": amount(),
        "totalLetras": letras(), "observaciones": observaciones(),
    })


def schema():
    return document("Nota de Remisión v4 (Facturador)", {
        "identificacion": identificacion(tipo=TIPO, version=VERSION),
        "documentoRelacionado": documento_relacionado(["01", "03", "11"]),
        "emisor": emisor(),
        "receptor": receptor(),
        "ventaTercero": venta_tercero(),
        "cuerpoDocumento": array(sale_item(), min_items=1, max_items=2000),
        "resumen": resumen(),
        "apendice": apendice(),
    })

