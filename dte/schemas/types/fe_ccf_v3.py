"""03 Comprobante de Crédito Fiscal, version 3 (2023 generation). B2B: prices net of IVA,
IVA as tributo 20 in the resumen; the receptor is a VAT-registered taxpayer (facts §2.2, §2.5)."""

from dte.schemas.parts import (
    ACTIVIDAD,
    ESTABLECIMIENTO,
    ITEM_STEP,
    ITEM_TAXES,
    NIT,
    NRC,
    SPECIAL_TAXES,
    amount,
    apendice,
    array,
    direccion,
    document,
    documento_relacionado,
    extension,
    identificacion,
    integer,
    obj,
    otros_documentos,
    pagos,
    string,
    tributos_resumen,
    venta_tercero,
    when,
)

FILE = "fe-ccf-v3.json"
TIPO, VERSION = "03", 3


def emisor():
    return obj({
        "nit": string(pattern=NIT),
        "nrc": string(pattern=NRC),
        "nombre": string(3, 200),
        "codActividad": string(pattern=ACTIVIDAD),
        "descActividad": string(1, 150),
        "nombreComercial": string(1, 150, nullable=True),
        "tipoEstablecimiento": string(enum=ESTABLECIMIENTO),
        "direccion": direccion(),
        "telefono": string(8, 30),
        "correo": string(3, 100, fmt="email"),
        "codEstableMH": string(4, 4, nullable=True),
        "codEstable": string(1, 10, nullable=True),
        "codPuntoVentaMH": string(4, 4, nullable=True),
        "codPuntoVenta": string(1, 15, nullable=True),
    })


def receptor():
    return obj({
        "nit": string(pattern=NIT),
        "nrc": string(pattern=NRC),
        "nombre": string(1, 250),
        "codActividad": string(pattern=ACTIVIDAD),
        "descActividad": string(1, 150),
        "nombreComercial": string(1, 150, nullable=True),
        "direccion": direccion(),
        "telefono": string(8, 30, nullable=True),
        "correo": string(max_length=100, fmt="email"),
    })


def item():
    return obj({
        "numItem": integer(minimum=1, maximum=2000),
        "tipoItem": integer(enum=[1, 2, 3, 4]),
        "numeroDocumento": string(1, 36, nullable=True),
        "codigo": string(1, 25, nullable=True),
        "codTributo": {**string(2, 2, nullable=True), "enum": SPECIAL_TAXES},
        "descripcion": string(max_length=1000),
        "cantidad": amount(ITEM_STEP, minimum=None, exclusive_minimum=0),
        "uniMedida": integer(minimum=1, maximum=99),
        "precioUni": amount(ITEM_STEP),
        "montoDescu": amount(ITEM_STEP),
        "ventaNoSuj": amount(ITEM_STEP),
        "ventaExenta": amount(ITEM_STEP),
        "ventaGravada": amount(ITEM_STEP),
        "tributos": array(string(2, 2), min_items=1, nullable=True, unique=True),
        "psv": amount(ITEM_STEP),
        "noGravado": amount(ITEM_STEP, minimum=None, exclusive_minimum=-100000000000),
    }, conditions=[
        # A taxed line lists its taxes; a line with no taxed sale lists none.
        when({"ventaGravada": {"maximum": 0}}, {"tributos": {"type": "null"}},
             {"tributos": {"type": "array", "minItems": 1}}),
        # tipoItem 4 carries a special tax (itself subject to IVA); others carry none.
        when({"tipoItem": {"const": 4}},
             {"uniMedida": {"const": 99}, "codTributo": {"type": "string"}, "tributos": {"type": "array", "items": {"const": "20"}}},
             {"codTributo": {"type": "null"}, "tributos": {"items": {"enum": ITEM_TAXES}}}),
    ])


def resumen():
    return obj({
        "totalNoSuj": amount(),
        "totalExenta": amount(),
        "totalGravada": amount(),
        "subTotalVentas": amount(),
        "descuNoSuj": amount(),
        "descuExenta": amount(),
        "descuGravada": amount(),
        "porcentajeDescuento": {"type": "number", "minimum": 0, "maximum": 100, "multipleOf": 0.01},
        "totalDescu": amount(),
        "tributos": tributos_resumen(),
        "subTotal": amount(),
        "ivaPerci1": amount(),
        "ivaRete1": amount(),
        "reteRenta": amount(),
        "montoTotalOperacion": amount(minimum=None, exclusive_minimum=0),
        "totalNoGravado": amount(minimum=None, exclusive_minimum=-100000000000),
        "totalPagar": amount(),
        "totalLetras": string(max_length=200),
        "saldoFavor": {"type": "number", "maximum": 0, "exclusiveMaximum": 100000000000, "multipleOf": 0.01},
        "condicionOperacion": integer(enum=[1, 2, 3], kind="number"),
        "pagos": pagos(),
        "numPagoElectronico": string(max_length=100, nullable=True),
    }, conditions=[
        # On credit each payment says its term (CAT-018) and period.
        {"if": {"properties": {"condicionOperacion": {"enum": [2]}}},
         "then": {"properties": {"pagos": {"items": {"properties": {"plazo": {"type": "string"},
                                                                    "periodo": {"type": "number"}}}}}}},
        # No taxed sales: no IVA withheld or perceived. Nothing to pay: a cash operation.
        when({"totalGravada": {"maximum": 0}}, {"ivaPerci1": {"maximum": 0}, "ivaRete1": {"maximum": 0}}),
        when({"totalPagar": {"minimum": 0, "maximum": 0}}, {"condicionOperacion": {"const": 1}}),
    ])


def schema():
    return document("Comprobante de Crédito Fiscal v3 (Facturador)", {
        "identificacion": identificacion(tipo=TIPO, version=VERSION),
        "documentoRelacionado": documento_relacionado(["04", "08", "09"]),
        "emisor": emisor(),
        "receptor": receptor(),
        "otrosDocumentos": otros_documentos(),
        "ventaTercero": venta_tercero(),
        "cuerpoDocumento": array(item(), min_items=1, max_items=2000),
        "resumen": resumen(),
        "extension": extension(),
        "apendice": apendice(),
    })
