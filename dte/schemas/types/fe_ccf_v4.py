"""03 Comprobante de Crédito Fiscal, version 4 (2026 generation). As fe_ccf_v3 (net prices, IVA
as tributo 20) with the v2.0 changes: ivaPerci/ivaRete, observaciones, no reteRenta, no
extension, distrito, no MH establishment codes in the emisor (mh-schemas-2026/SOURCES.md)."""

from dte.schemas.parts import ITEM_STEP, NIT, NRC, amount, array, obj, string, when
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

FILE = "fe-ccf-v4.json"
TIPO, VERSION = "03", 4


def receptor():
    return obj({
        "nit": string(pattern=NIT),
        "nrc": string(2, 8, pattern=NRC, nullable=True),
        "nombre": string(1, 250),
        "codActividad": string(5, 6),
        "descActividad": string(5, 150),
        "nombreComercial": string(1, 150, nullable=True),
        "direccion": direccion(),
        "telefono": string(8, 30, nullable=True),
        "correo": string(1, 100, nullable=True),
    })


def resumen():
    return obj({
        "totalNoSuj": amount(), "totalExenta": amount(), "totalGravada": amount(), "subTotalVentas": amount(),
        "descuNoSuj": amount(), "descuExenta": amount(), "descuGravada": amount(), "porcentajeDescuento": porcentaje(),
        "totalDescu": amount(), "tributos": tributos_resumen(), "subTotal": amount(),
        "ivaPerci": amount(), "ivaRete": amount(),
        "montoTotalOperacion": amount(), "totalNoGravado": no_gravado(0.01), "totalPagar": amount(),
        "totalLetras": letras(8), "saldoFavor": saldo_favor(), "condicionOperacion": condicion(), "pagos": pagos(),
        "numPagoElectronico": string(max_length=100, nullable=True), "observaciones": observaciones(),
    }, conditions=[
        when({"totalGravada": {"maximum": 0}}, {"ivaPerci": {"maximum": 0}, "ivaRete": {"maximum": 0}}),
        when({"totalPagar": {"minimum": 0, "maximum": 0}}, {"condicionOperacion": {"const": 1}}),
    ])


def schema():
    return document("Comprobante de Crédito Fiscal v4 (Facturador)", {
        "identificacion": identificacion(tipo=TIPO, version=VERSION),
        "documentoRelacionado": documento_relacionado(["04", "08", "09"]),
        "emisor": emisor(),
        "receptor": receptor(),
        "otrosDocumentos": otros_documentos(),
        "ventaTercero": venta_tercero(),
        "cuerpoDocumento": array(sale_item(extra={"psv": amount(ITEM_STEP), "noGravado": no_gravado()}),
                                 min_items=1, max_items=2000),
        "resumen": resumen(),
        "apendice": apendice(),
    })
