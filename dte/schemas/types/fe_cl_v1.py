"""08 Comprobante de Liquidación, version 1 (2023 generation). The commission agent, consignee or
auctioneer liquidates to its mandante what it sold on the mandante's behalf: one line per own
FE/CCF/NC/ND/FEX (sv-tax-facts-2.md §6; facts §1, §2.4 "CL items: per related doc with ivaItem,
obsItem"). No documentoRelacionado, otrosDocumentos nor ventaTercero (facts §2); only modelo 1 /
operación 1, never in contingency (facts §2.1, §5). An invalidated document is listed again with
negative amounts, so line and resumen amounts may be negative (within ±1e11)."""

from dte.schemas.parts import (
    ACTIVIDAD,
    ESTABLECIMIENTO,
    ITEM_STEP,
    LIMIT,
    NIT,
    NRC,
    UUID,
    apendice,
    array,
    direccion,
    document,
    identificacion,
    integer,
    obj,
    string,
    when,
)

FILE = "fe-cl-v1.json"
TIPO, VERSION = "08", 1

LIQUIDATED_TYPES = ["01", "03", "05", "06", "11"]  # facts §1: CL lines reference 01/03/05/06/11
# CAT-015 section 1 codes a liquidation line or its resumen may name (the tributes of §6).
CL_TAXES = [None, "20", "C3", "59", "71", "D1", "C8", "D5", "D4"]


def signed(step):
    """An amount that may be negative: an invalidated document listed again (§6)."""
    return {"type": "number", "exclusiveMaximum": LIMIT, "exclusiveMinimum": -LIMIT, "multipleOf": step}


def identificacion_cl():
    ident = identificacion(tipo=TIPO, version=VERSION, contingency=False)
    # MH's CL v1 carries no contingency keys at all, and types tipoModelo as a number.
    for key in ("tipoContingencia", "motivoContin"):
        ident["properties"].pop(key)
        ident["required"].remove(key)
    ident["properties"]["tipoModelo"] = integer(const=1, kind="number")
    return ident


def emisor():
    return obj({
        "nit": string(pattern=NIT),
        "nrc": string(2, 8, pattern=NRC),
        "nombre": string(1, 250),
        "codActividad": string(5, 6, pattern=ACTIVIDAD),
        "descActividad": string(5, 150),
        "nombreComercial": string(max_length=150, nullable=True),
        "tipoEstablecimiento": string(enum=ESTABLECIMIENTO),
        "direccion": direccion(),
        "telefono": string(8, 30),
        "correo": string(3, 100, fmt="email"),
        "codEstableMH": string(4, 4, nullable=True),
        "codEstable": string(4, 4, nullable=True),
        "codPuntoVentaMH": string(4, 4, nullable=True),
        "codPuntoVenta": string(1, 15, nullable=True),
    })


def receptor():
    """The mandante: a VAT-registered taxpayer (its débito is the liquidation's IVA)."""
    return obj({
        "nit": string(pattern=NIT),
        "nrc": string(2, 8, pattern=NRC),
        "nombre": string(1, 250),
        "codActividad": string(5, 6, pattern=ACTIVIDAD),
        "descActividad": string(5, 150),
        "nombreComercial": string(5, 150, nullable=True),
        "direccion": direccion(),
        "telefono": string(8, 30, nullable=True),
        "correo": string(max_length=100, fmt="email"),
    })


def item():
    return obj({
        "numItem": integer(minimum=1, maximum=500),
        "tipoDte": string(enum=LIQUIDATED_TYPES),
        "tipoGeneracion": integer(enum=[1, 2]),  # CAT-007: 1 físico, 2 electrónico
        "numeroDocumento": string(1, 36),
        "fechaGeneracion": string(fmt="date"),
        "ventaNoSuj": signed(ITEM_STEP),
        "ventaExenta": signed(ITEM_STEP),
        "ventaGravada": signed(ITEM_STEP),
        "exportaciones": signed(ITEM_STEP),
        "tributos": array({**string(2, 2), "enum": CL_TAXES}, nullable=True, unique=True),
        "ivaItem": signed(ITEM_STEP),
        "obsItem": string(3, 3000),
    }, conditions=[
        # A physical document by its printed correlative, an electronic one by its UUID (facts §1).
        when({"tipoGeneracion": {"const": 1}}, {"numeroDocumento": {"type": "string", "pattern": "^[A-Z0-9]{1,20}$"}},
             {"numeroDocumento": {"pattern": UUID}}),
    ])


def resumen():
    return obj({
        "totalNoSuj": signed(0.01),
        "totalExenta": signed(0.01),
        "totalGravada": signed(0.01),
        "totalExportacion": signed(0.01),
        "subTotalVentas": signed(0.01),
        "tributos": array(obj({"codigo": {**string(2, 2), "enum": CL_TAXES}, "descripcion": string(2, 300),
                               "valor": signed(0.01)}), nullable=True, unique=True),
        "montoTotalOperacion": signed(0.01),
        "ivaPerci": signed(0.01),
        "total": signed(0.01),
        "totalLetras": string(max_length=200),
        "condicionOperacion": integer(enum=[1, 2, 3], kind="number"),  # CAT-016
    }, conditions=[
        # Nothing to pay: al contado (facts §2.5).
        {"if": {"properties": {"total": {"const": 0}}}, "then": {"properties": {"condicionOperacion": {"enum": [1]}}}},
    ])


def extension():
    return obj({
        "nombEntrega": string(5, 100, nullable=True),
        "docuEntrega": string(5, 25, nullable=True),
        "nombRecibe": string(5, 100, nullable=True),
        "docuRecibe": string(5, 25, nullable=True),
        "observaciones": string(max_length=3000, nullable=True),
    }, nullable=True)


def schema():
    return document("Comprobante de Liquidación v1 (Facturador)", {
        "identificacion": identificacion_cl(),
        "emisor": emisor(),
        "receptor": receptor(),
        "cuerpoDocumento": array(item(), min_items=1, max_items=500),
        "resumen": resumen(),
        "extension": extension(),
        "apendice": apendice(),
    })
