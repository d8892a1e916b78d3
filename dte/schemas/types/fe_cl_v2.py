"""08 Comprobante de Liquidación, version 2 (2026 generation; sv-tax-facts-2.md §6): as v1 with
fechaGeneracion → fechaEmision, obsItem → observaciones, totalExportacion → exportacion, the
receptor named by tipoDocumento/numDocumento (plus its fiscal domicile, CAT-032), resumen
observaciones and no extension. Still modelo 1 / operación 1 only: MH's v2 identificacion has no
contingency keys (facts §5: never 08 in contingency)."""

from dte.schemas.parts import ITEM_STEP, integer, obj, string
from dte.schemas.parts import array as array_
from dte.schemas.parts_2026 import apendice, direccion, document, emisor, identificacion, letras, observaciones
from dte.schemas.types.fe_cl_v1 import LIQUIDATED_TYPES, signed

FILE = "fe-cl-v2.json"
TIPO, VERSION = "08", 2


def identificacion_cl():
    ident = identificacion(tipo=TIPO, version=VERSION, fusion="required")
    for key in ("tipoContingencia", "motivoContin"):
        ident["properties"].pop(key)
        ident["required"].remove(key)
    ident.pop("allOf", None)  # the contingency coupling: nothing to couple
    ident["properties"]["tipoModelo"] = integer(const=1, kind="number")
    ident["properties"]["tipoOperacion"] = integer(const=1)
    return ident


def receptor():
    return obj({
        "tipoDocumento": string(enum=["36", "13", "02", "03", "37"]),  # CAT-022
        "numDocumento": string(1, 20),
        "codDomiciliado": integer(enum=[1, 2]),  # CAT-032: 1 domiciliado, 2 no domiciliado
        "nrc": string(2, 8, nullable=True),
        "nombre": string(1, 250),
        "codActividad": string(5, 6),
        "descActividad": string(5, 150),
        "nombreComercial": string(1, 150, nullable=True),
        "direccion": direccion(),
        "telefono": string(8, 30, nullable=True),
        "correo": string(6, 100, nullable=True),
    })


def item():
    return obj({
        "numItem": integer(minimum=1, maximum=500),
        "tipoDte": string(enum=LIQUIDATED_TYPES),
        "tipoGeneracion": integer(enum=[1, 2]),
        "numeroDocumento": string(1, 36),
        "fechaEmision": string(fmt="date"),
        "ventaNoSuj": signed(ITEM_STEP),
        "ventaExenta": signed(ITEM_STEP),
        "ventaGravada": signed(ITEM_STEP),
        "exportaciones": signed(ITEM_STEP),
        "tributos": array_(string(2, 2), nullable=True, unique=True),
        "ivaItem": signed(ITEM_STEP),
        "observaciones": string(1, 1000, nullable=True),
    })


def resumen():
    total = {"type": "number", "exclusiveMaximum": 100000000000, "minimum": 0, "multipleOf": 0.01}
    return obj({
        "totalNoSuj": signed(0.01),
        "totalExenta": signed(0.01),
        "totalGravada": signed(0.01),
        "exportacion": signed(0.01),
        "subTotalVentas": signed(0.01),
        "tributos": array_(obj({"codigo": string(2, 2), "descripcion": string(1, 300), "valor": signed(0.01)}),
                           nullable=True, unique=True),
        "montoTotalOperacion": signed(0.01),
        "ivaPerci": signed(0.01),
        "total": total,  # never below 0 (§6)
        "totalLetras": letras(),
        "condicionOperacion": integer(enum=[1, 2, 3], kind="number"),  # CAT-016
        "observaciones": observaciones(),
    })


def schema():
    return document("Comprobante de Liquidación v2 (Facturador)", {
        "identificacion": identificacion_cl(),
        "emisor": emisor(nrc_nullable=True, telefono_nullable=True),
        "receptor": receptor(),
        "cuerpoDocumento": array_(item(), min_items=1, max_items=500),
        "resumen": resumen(),
        "apendice": apendice(),
    })
