"""04 Nota de Remisión, version 3 (2023 generation). Moves goods without selling them (facts §1):
no payment data or withholdings in the resumen, and the receptor says under which title it
receives the goods (`bienTitulo`, CAT-025). The receptor is identified by a document (NIT, DUI…),
not necessarily a VAT-registered taxpayer (facts §2.2)."""

from dte.schemas.parts import (
    ACTIVIDAD,
    DOC_IDENTIFICACION,
    ITEM_STEP,
    NIT,
    NRC,
    SPECIAL_TAXES,
    amount,
    array,
    direccion,
    document,
    documento_relacionado,
    extension,
    identificacion,
    integer,
    obj,
    string,
    tributos_resumen,
    when,
)
from dte.schemas.types import fe_ccf_v3

FILE = "fe-nr-v3.json"
TIPO, VERSION = "04", 3

# Per-line taxes a remission note may list (CAT-015 section 1, the ones summarised in the
# resumen): a narrower list than the CCF's.
NR_ITEM_TAXES = ["20", "C3", "59", "71", "D1", "C8", "D5", "D4"]
DUI = "^[0-9]{8}-[0-9]{1}$"


def receptor():
    return obj({
        "tipoDocumento": string(enum=DOC_IDENTIFICACION),
        "numDocumento": string(3, 20),
        "nrc": string(2, 8, pattern=NRC, nullable=True),
        "nombre": string(1, 250),
        "codActividad": string(pattern=ACTIVIDAD, nullable=True),
        "descActividad": string(1, 150, nullable=True),
        "nombreComercial": string(1, 150, nullable=True),
        "direccion": direccion(),
        "telefono": string(8, 30, nullable=True),
        "correo": string(max_length=100, fmt="email"),
        # Title under which the goods travel (CAT-025: 01 depósito … 05 otros); MH only bounds its length.
        "bienTitulo": string(max_length=2),
    }, conditions=[
        # Only a receptor identified by NIT can have an NRC (facts §2.2); a NIT has 14 or 9 digits.
        when({"tipoDocumento": {"const": "36"}},
             {"numDocumento": {"pattern": NIT}, "nrc": {"type": ["string", "null"]}},
             {"nrc": {"type": "null"}}),
        # A DUI is written ########-#.
        when({"tipoDocumento": {"const": "13"}}, {"numDocumento": {"pattern": DUI}}),
    ])


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
        "precioUni": amount(ITEM_STEP, minimum=None),
        "montoDescu": amount(ITEM_STEP),
        "ventaNoSuj": amount(ITEM_STEP),
        "ventaExenta": amount(ITEM_STEP),
        "ventaGravada": amount(ITEM_STEP),
        "tributos": array(string(2, 2), min_items=1, nullable=True, unique=True),
    }, conditions=[
        # A taxed line lists its taxes (IVA "20", facts §2.4); a line with no taxed value lists none.
        when({"ventaGravada": {"maximum": 0}}, {"tributos": {"type": "null"}},
             {"tributos": {"type": "array", "minItems": 1}}),
        # tipoItem 4 carries a special tax, itself subject to IVA (facts §2.4); others carry none.
        when({"tipoItem": {"const": 4}},
             {"uniMedida": {"const": 99}, "codTributo": {"type": "string"}, "tributos": {"type": "array", "items": {"const": "20"}}},
             {"codTributo": {"type": "null"}, "tributos": {"items": {"enum": NR_ITEM_TAXES}}}),
    ])


def resumen():
    # No payment, withholding or perception: a remission is not a sale (facts §1).
    return obj({
        "totalNoSuj": amount(),
        "totalExenta": amount(),
        "totalGravada": amount(),
        "subTotalVentas": amount(),
        "descuNoSuj": amount(),
        "descuExenta": amount(),
        "descuGravada": amount(),
        "porcentajeDescuento": {"type": ["number", "null"], "minimum": 0, "maximum": 100, "multipleOf": 0.01},
        "totalDescu": amount(),
        "tributos": tributos_resumen(),
        "subTotal": amount(),
        "montoTotalOperacion": amount(),  # MH allows 0 here (the CCF demands more than 0): goods may travel at no value
        "totalLetras": string(max_length=200),
    })


def venta_tercero():
    return obj({"nit": string(max_length=14, pattern=NIT), "nombre": string(1, 200)}, nullable=True)


def extension_sin_placa():
    """The shared extension without `placaVehiculo`, which the 2023 NR schema does not have."""
    schema = extension()
    del schema["properties"]["placaVehiculo"]
    schema["required"].remove("placaVehiculo")
    return schema


def apendice():
    # MH sets no minimum lengths here (unlike the other types).
    return array(obj({"campo": string(max_length=25), "etiqueta": string(max_length=50), "valor": string(max_length=150)}),
                 min_items=1, max_items=10, nullable=True)


def schema():
    return document("Nota de Remisión v3 (Facturador)", {
        "identificacion": identificacion(tipo=TIPO, version=VERSION),
        "documentoRelacionado": documento_relacionado(["01", "03"]),
        "emisor": fe_ccf_v3.emisor(),
        "receptor": receptor(),
        "ventaTercero": venta_tercero(),
        "cuerpoDocumento": array(item(), min_items=1, max_items=2000),
        "resumen": resumen(),
        "extension": extension_sin_placa(),
        "apendice": apendice(),
    })
