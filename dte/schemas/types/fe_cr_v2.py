"""07 Comprobante de Retención, version 2 (2026 generation): the withholding agent documents the
IVA it withheld, one line per withheld document (facts §1). v2.0 (sv-tax-facts-2.md §2): line
tipoDoc → tipoGeneracion, resumen totalIVAretenido → totalIvaRetenido and
totalIVAretenidoLetras → totalLetras, new totalIva and observaciones; the emisor writes
codEstable/codPuntoVenta like the other types; contingency is allowed (facts §5)."""

from dte.schemas.parts import amount, array, integer, obj, string
from dte.schemas.parts_2026 import apendice, direccion, document, emisor, identificacion, letras, observaciones

FILE = "fe-cr-v2.json"
TIPO, VERSION = "07", 2


def receptor():
    return obj({
        "tipoDocumento": string(enum=["36", "13", "02", "03", "37"]),
        "numDocumento": string(1, 20),
        "codActividad": string(5, 6),
        "descActividad": string(5, 150),
        "nrc": string(2, 8, nullable=True),
        "nombre": string(1, 250),
        "nombreComercial": string(1, 150, nullable=True),
        "direccion": direccion(),
        "telefono": string(8, 30, nullable=True),
        "correo": string(6, 100, nullable=True),
    })


def item():
    return obj({
        "numItem": integer(minimum=1, maximum=500),
        "tipoDte": string(enum=["01", "03", "14"], nullable=True),  # the withheld document's type
        "tipoGeneracion": integer(enum=[1, 2], nullable=True),  # 1 physical, 2 electronic (CAT-007)
        "numDocumento": string(1, 36, nullable=True),
        "fechaEmision": string(fmt="date", nullable=True),
        "montoSujetoGrav": amount(minimum=None, exclusive_minimum=0),
        "codigoRetencionMH": string(enum=["22", "C4", "C9"]),  # CAT-006
        "ivaRetenido": amount(minimum=None, exclusive_minimum=0),
        "descripcion": string(1, 1500, nullable=True),
    })


def resumen():
    return obj({
        "totalSujetoRetencion": amount(minimum=None, exclusive_minimum=0),
        "totalIva": amount(),
        "totalIvaRetenido": amount(minimum=None, exclusive_minimum=0),
        "totalLetras": letras(),
        "observaciones": observaciones(),
    })


def schema():
    return document("Comprobante de Retención v2 (Facturador)", {
        "identificacion": identificacion(tipo=TIPO, version=VERSION, fusion="optional"),
        "emisor": emisor(nrc_nullable=True, telefono_nullable=True, extra=None),
        "receptor": receptor(),
        "cuerpoDocumento": array(item(), min_items=1, max_items=500),
        "resumen": resumen(),
        "apendice": apendice(nullable_values=True),
    })


