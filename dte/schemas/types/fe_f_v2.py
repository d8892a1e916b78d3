"""01 Factura, version 2 (2026 generation, Normativa v2.0). As fe_fc_v1 (prices with IVA, IVA
in ivaItem/totalIva, the receptor may be null) with the v2.0 changes: the structured
numeroControl, distrito in addresses, no establishment codes of MH in the emisor, ivaRete,
observaciones in the resumen, no reteRenta and no extension (mh-schemas-2026/SOURCES.md)."""

from dte.schemas.parts import ITEM_STEP, NRC, amount, array, obj, string, when
from dte.schemas.parts_2026 import (
    apendice,
    condicion,
    direccion,
    document,
    documento_relacionado,
    emisor,
    identificacion,
    letras,
    no_gravado,
    observaciones,
    otros_documentos,
    pagos,
    porcentaje,
    saldo_favor,
    sale_item,
    tributos_resumen,
    venta_tercero,
)

FILE = "fe-f-v2.json"
TIPO, VERSION = "01", 2
DOC_IDENTIFICACION = ["36", "13", "02", "03", "37"]  # CAT-022


def receptor():
    """A final consumer: the section and each of its fields may be null (facts §2.2)."""
    return obj({
        "tipoDocumento": {**string(nullable=True), "enum": [None, *DOC_IDENTIFICACION]},
        "numDocumento": string(1, 20, nullable=True),
        "nrc": string(2, 8, pattern=NRC, nullable=True),
        "nombre": string(1, 250, nullable=True),
        "codActividad": string(5, 6, nullable=True),
        "descActividad": string(5, 150, nullable=True),
        "direccion": direccion(nullable=True),
        "telefono": string(8, 30, nullable=True),
        "correo": string(6, 100, nullable=True),
    }, nullable=True, conditions=[when({"tipoDocumento": {"not": {"const": "36"}}}, {"nrc": {"type": "null"}})])


def item():
    return sale_item(extra={"psv": amount(ITEM_STEP), "noGravado": no_gravado(), "ivaItem": amount(ITEM_STEP)})


def resumen():
    return obj({
        "totalNoSuj": amount(), "totalExenta": amount(), "totalGravada": amount(), "subTotalVentas": amount(),
        "descuNoSuj": amount(), "descuExenta": amount(), "descuGravada": amount(), "porcentajeDescuento": porcentaje(),
        "totalDescu": amount(), "tributos": tributos_resumen(), "subTotal": amount(),
        "ivaRete": amount(),
        "montoTotalOperacion": amount(), "totalNoGravado": no_gravado(0.01), "totalPagar": amount(),
        "totalLetras": letras(), "totalIva": amount(), "saldoFavor": saldo_favor(), "condicionOperacion": condicion(),
        "pagos": pagos(), "numPagoElectronico": string(max_length=100, nullable=True),
        "observaciones": observaciones(),
    }, conditions=[when({"totalGravada": {"maximum": 0}}, {"ivaRete": {"maximum": 0}})])


def schema():
    return document("Factura v2 (Facturador)", {
        "identificacion": identificacion(tipo=TIPO, version=VERSION),
        "documentoRelacionado": documento_relacionado(["04", "09"]),
        "emisor": emisor(),
        "receptor": receptor(),
        "otrosDocumentos": otros_documentos(),
        "ventaTercero": venta_tercero(),
        "cuerpoDocumento": array(item(), min_items=1, max_items=2000),
        "resumen": resumen(),
        "apendice": apendice(),
    })
