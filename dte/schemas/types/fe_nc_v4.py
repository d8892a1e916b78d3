"""05 Nota de Crédito, version 4 (2026 generation). Decreases a sealed CCF or CR (facts §1).
v2.0 (sv-tax-facts-2.md §2): the receptor by tipoDocumento/numDocumento, each line with its IVA,
perception and retention, no global discounts nor subTotal, a totalPagar, the retention code, the
``fusion`` NIT. The 06 Nota de Débito v4 has the same shape (fe_nd_v4)."""

from dte.schemas.parts import ITEM_STEP, amount, array, obj, string, when
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
    sale_item,
    tributos_resumen,
    venta_tercero,
)

FILE = "fe-nc-v4.json"
TIPO, VERSION = "05", 4


def receptor():
    return obj({
        "tipoDocumento": string(enum=["36", "13", "02", "03", "37"]),
        "numDocumento": string(1, 20),
        "nrc": string(2, 8, nullable=True),
        "nombre": string(1, 250),
        "codActividad": string(5, 6),
        "descActividad": string(5, 150),
        "nombreComercial": string(1, 150, nullable=True),
        "direccion": direccion(),
        "telefono": string(8, 30, nullable=True),
        "correo": string(1, 100, nullable=True),
    })


def item():
    return sale_item(numero_documento_nullable=False, extra={
        "noGravado": no_gravado(), "ivaPerci": amount(ITEM_STEP), "totalIva": amount(ITEM_STEP),
        "ivaRete": amount(ITEM_STEP)})


def resumen(*, pago_electronico=False):
    props = {
        "totalNoSuj": amount(), "totalExenta": amount(), "totalGravada": amount(), "subTotalVentas": amount(),
        "totalDescu": amount(), "tributos": tributos_resumen(), "montoTotalOperacion": amount(),
        "ivaPerci": amount(), "totalIva": amount(), "ivaRete": amount(), "totalNoGravado": no_gravado(0.01),
        "totalPagar": amount(), "totalLetras": letras(8), "condicionOperacion": condicion(),
    }
    if pago_electronico:
        props["numPagoElectronico"] = string(max_length=100, nullable=True)
    props["observaciones"] = observaciones()
    props["codigoRetencionMH"] = string(2, 2, enum=[None, "22", "C4", "C9"], nullable=True)  # CAT-006
    return obj(props, conditions=[
        when({"totalGravada": {"maximum": 0}}, {"ivaPerci": {"maximum": 0}, "ivaRete": {"maximum": 0}}),
        # A retention names its CAT-006 code.
        when({"ivaRete": {"exclusiveMinimum": 0}}, {"codigoRetencionMH": {"type": "string"}}),
    ])


def note_schema(title, tipo, version, *, pago_electronico=False):
    return document(title, {
        "identificacion": identificacion(tipo=tipo, version=version, fusion="required"),
        "documentoRelacionado": documento_relacionado(["03", "07"], nullable=False),
        "emisor": emisor(nrc_nullable=True, codes=False, correo_min=1),
        "receptor": receptor(),
        "ventaTercero": venta_tercero(),
        "cuerpoDocumento": array(item(), min_items=1, max_items=2000),
        "resumen": resumen(pago_electronico=pago_electronico),
        "apendice": apendice(),
    })


def schema():
    return note_schema("Nota de Crédito v4 (Facturador)", TIPO, VERSION)
