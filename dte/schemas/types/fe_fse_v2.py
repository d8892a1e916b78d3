"""14 Factura de Sujeto Excluido, version 2 (2026 generation): the company buys from a person
outside the IVA register and may withhold income tax (facts §1, §2.5). v2.0 (sv-tax-facts-2.md
§2): ``sujetoExcluido`` is called ``receptor``, ivaRete1 is gone, addresses carry distrito."""

from dte.schemas.parts import ITEM_STEP, amount, array, integer, obj, string
from dte.schemas.parts_2026 import (
    apendice,
    condicion,
    direccion,
    document,
    emisor,
    identificacion,
    letras,
    observaciones,
    pagos,
)

FILE = "fe-fse-v2.json"
TIPO, VERSION = "14", 2


def receptor():
    return obj({
        "tipoDocumento": string(enum=["36", "13", "02", "03", "37"]),
        "numDocumento": string(1, 20),
        "nombre": string(1, 250),
        "codActividad": string(5, 6, nullable=True),
        "descActividad": string(5, 150, nullable=True),
        "direccion": direccion(),
        "telefono": string(8, 30, nullable=True),
        "correo": string(6, 100, nullable=True),
    })


def item():
    return obj({
        "numItem": integer(minimum=1, maximum=2000),
        "tipoItem": integer(enum=[1, 2, 3, 4]),
        "cantidad": amount(ITEM_STEP, minimum=None, exclusive_minimum=0),
        "codigo": string(1, 25, nullable=True),
        "uniMedida": integer(minimum=1, maximum=99),
        "descripcion": string(1, 1500),
        "precioUni": amount(ITEM_STEP),
        "montoDescu": amount(ITEM_STEP),
        "compra": amount(ITEM_STEP),
    })


def resumen():
    return obj({
        "totalCompra": amount(), "descu": amount(), "totalDescu": amount(), "subTotal": amount(),
        "reteRenta": amount(), "totalPagar": amount(), "totalLetras": letras(), "condicionOperacion": condicion(),
        "pagos": pagos(), "observaciones": observaciones(),
    })


def schema():
    return document("Factura de Sujeto Excluido v2 (Facturador)", {
        "identificacion": identificacion(tipo=TIPO, version=VERSION),
        "emisor": emisor(nrc_nullable=True, nombre_comercial=False),
        "receptor": receptor(),
        "cuerpoDocumento": array(item(), min_items=1, max_items=2000),
        "resumen": resumen(),
        "apendice": apendice(),
    })
