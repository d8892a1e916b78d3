"""05 Nota de Crédito, version 3 (2023 generation). Decreases a CCF or a Comprobante de Retención
already sealed (facts §1), so documentoRelacionado is required and names only those two types,
and every line says which related document it adjusts. Like the CCF, prices are net of IVA
(tributo 20 in the resumen); unlike it, there is no payment data in the resumen: a credit note
collects nothing (facts §2.5). The 06 Nota de Débito reuses these builders."""

from dte.schemas.parts import (
    ACTIVIDAD,
    ESTABLECIMIENTO,
    ITEM_STEP,
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
    string,
    tributos_resumen,
    venta_tercero,
    when,
)
from dte.schemas.types import fe_ccf_v3

FILE = "fe-nc-v3.json"
TIPO, VERSION = "05", 3

# NC/ND adjust a CCF (03) or a Comprobante de Retención (07), nothing else (facts §1).
RELATED_TYPES = ["03", "07"]
# Per-line taxes NC/ND may list (CAT-015 section 1, those summarised in the resumen): narrower
# than the CCF's list.
NOTE_ITEM_TAXES = ["20", "C3", "59", "71", "D1", "C8", "D5", "D4"]


def emisor(*, telefono_nullable=False):
    """The CCF emisor without the establishment / point-of-sale codes, which the 2023 NC/ND
    schemas do not carry. The ND lets `telefono` be null."""
    return obj({
        "nit": string(pattern=NIT),
        "nrc": string(pattern=NRC),
        "nombre": string(3, 200),
        "codActividad": string(pattern=ACTIVIDAD),
        "descActividad": string(1, 150),
        "nombreComercial": string(1, 150, nullable=True),
        "tipoEstablecimiento": string(enum=ESTABLECIMIENTO),
        "direccion": direccion(),
        "telefono": string(8, 30, nullable=telefono_nullable),
        "correo": string(3, 100, fmt="email"),
    })


def item():
    return obj({
        "numItem": integer(minimum=1, maximum=2000),
        "tipoItem": integer(enum=[1, 2, 3, 4]),
        # Every line points to the related document it adjusts (facts §1): never null here.
        "numeroDocumento": string(1, 36),
        "codigo": string(1, 25, nullable=True),
        "codTributo": {**string(2, 2, nullable=True), "enum": SPECIAL_TAXES},
        "descripcion": string(max_length=1000, nullable=True),
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
             {"codTributo": {"type": "null"}, "tributos": {"items": {"enum": NOTE_ITEM_TAXES}}}),
    ])


def resumen(*, pago_electronico=False):
    """No pagos, totalPagar, saldoFavor, totalNoGravado nor porcentajeDescuento (facts §2.5);
    the ND keeps `numPagoElectronico`."""
    props = {
        "totalNoSuj": amount(),
        "totalExenta": amount(),
        "totalGravada": amount(),
        # MH's schema misspells this field's lower bound ("exclusiveMonimun"), so it sets none.
        "subTotalVentas": amount(minimum=None),
        "descuNoSuj": amount(),
        "descuExenta": amount(),
        "descuGravada": amount(),
        "totalDescu": amount(),
        "tributos": tributos_resumen(),
        "subTotal": amount(),
        "ivaPerci1": amount(),
        "ivaRete1": amount(),
        "reteRenta": amount(),
        "montoTotalOperacion": amount(minimum=None, exclusive_minimum=0),
        "totalLetras": string(max_length=200),
        "condicionOperacion": integer(enum=[1, 2, 3], kind="number"),
    }
    if pago_electronico:
        props["numPagoElectronico"] = string(max_length=100, nullable=True)
    return obj(props, conditions=[
        # No taxed amount: no IVA withheld or perceived (facts §2.5).
        when({"totalGravada": {"maximum": 0}}, {"ivaPerci1": {"maximum": 0}, "ivaRete1": {"maximum": 0}}),
    ])


def extension_sin_placa():
    """The shared extension without `placaVehiculo`, which the 2023 NC/ND schemas do not have."""
    schema = extension()
    del schema["properties"]["placaVehiculo"]
    schema["required"].remove("placaVehiculo")
    return schema


def note_schema(title, tipo, version, *, telefono_nullable=False, pago_electronico=False):
    """NC and ND: no otrosDocumentos (facts §2); the receptor is the CCF's, a VAT-registered taxpayer (§2.2)."""
    return document(title, {
        "identificacion": identificacion(tipo=tipo, version=version),
        "documentoRelacionado": documento_relacionado(RELATED_TYPES, nullable=False),
        "emisor": emisor(telefono_nullable=telefono_nullable),
        "receptor": fe_ccf_v3.receptor(),
        "ventaTercero": venta_tercero(),
        "cuerpoDocumento": array(item(), min_items=1, max_items=2000),
        "resumen": resumen(pago_electronico=pago_electronico),
        "extension": extension_sin_placa(),
        "apendice": apendice(),
    })


def schema():
    return note_schema("Nota de Crédito v3 (Facturador)", TIPO, VERSION)
