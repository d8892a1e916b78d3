"""14 Factura de Sujeto Excluido, version 1 (2023 generation). Issued by the *buyer* when it
purchases from a person not registered for IVA: the seller appears as ``sujetoExcluido`` and the
lines carry a purchase amount (``compra``) instead of the sale columns (facts §1, §2.4).
No documentoRelacionado, otrosDocumentos, ventaTercero or extension."""

from dte.schemas.parts import (
    ACTIVIDAD,
    DOC_IDENTIFICACION,
    ITEM_STEP,
    NIT,
    NRC,
    amount,
    array,
    direccion,
    document,
    identificacion,
    integer,
    obj,
    pagos,
    string,
    when,
)

FILE = "fe-fse-v1.json"
TIPO, VERSION = "14", 1

# CAT-014 in its 2023 (legacy) edition: 56 codes, 59 = unidad, 99 = otra (facts §2.4).
UNIDADES = [n for n in range(1, 60) if n not in (7, 28, 41, 48)] + [99]


def emisor():
    """The buyer issuing the document; FSE v1 has no nombreComercial or tipoEstablecimiento."""
    return obj({
        "nit": string(pattern=NIT),
        "nrc": string(pattern=NRC, nullable=True),
        "nombre": string(1, 250),
        "codActividad": string(pattern=ACTIVIDAD),
        "descActividad": string(1, 150),
        "direccion": direccion(),
        "telefono": string(8, 30),
        "codEstableMH": string(4, 4, nullable=True),
        "codEstable": string(1, 10, nullable=True),
        "codPuntoVentaMH": string(4, 4, nullable=True),
        "codPuntoVenta": string(1, 15, nullable=True),
        "correo": string(3, 100, fmt="email"),
    })


def sujeto_excluido():
    """The seller not registered for IVA: identified by a CAT-022 document, no NRC."""
    return obj({
        "tipoDocumento": string(enum=DOC_IDENTIFICACION),
        "numDocumento": string(1, 20),
        "nombre": string(1, 250),
        "codActividad": string(pattern=ACTIVIDAD, nullable=True),
        "descActividad": string(1, 150, nullable=True),
        "direccion": direccion(),
        "telefono": string(8, 30, nullable=True),
        "correo": string(max_length=100, fmt="email", nullable=True),
    }, conditions=[
        # The identity number must have the shape of the document it claims to be: NIT 14 or 9
        # digits, DUI 9 digits without dash (facts §2.2). (MH's rule for NIT also mentions an nrc
        # key this section does not have; it can never apply.)
        when({"tipoDocumento": {"const": "36"}}, {"numDocumento": {"pattern": NIT}}),
        when({"tipoDocumento": {"const": "13"}}, {"numDocumento": {"pattern": "^[0-9]{9}$"}}),
    ])


def item():
    # compra = cantidad × precioUni − montoDescu, 8 decimals (facts §2.4, §2.5). No taxes per line:
    # the seller charges no IVA.
    return obj({
        "numItem": integer(minimum=1, maximum=2000),
        "tipoItem": integer(enum=[1, 2, 3]),  # CAT-011 without 4: no special taxes on a purchase
        "cantidad": amount(ITEM_STEP, minimum=None, exclusive_minimum=0),
        "codigo": string(1, 25, nullable=True),
        "uniMedida": integer(enum=UNIDADES),
        "descripcion": string(max_length=1000),
        "precioUni": amount(ITEM_STEP),
        "montoDescu": amount(ITEM_STEP),
        "compra": amount(ITEM_STEP),
    })


def resumen():
    # totalCompra = Σ compra; subTotal = totalCompra − descu; totalPagar = subTotal − ivaRete1 −
    # reteRenta (income tax withheld, e.g. on services by individuals; facts §2.5).
    return obj({
        "totalCompra": amount(),
        "descu": amount(),
        "totalDescu": amount(nullable=True),
        "subTotal": amount(),
        "ivaRete1": amount(),
        "reteRenta": amount(),
        "totalPagar": amount(),
        "totalLetras": string(max_length=200),
        "condicionOperacion": integer(enum=[1, 2, 3], kind="number"),
        "pagos": pagos(),
        "observaciones": string(max_length=3000, nullable=True),
    }, conditions=[
        # On credit each payment says its term (CAT-018) and period (facts §2.5).
        {"if": {"properties": {"condicionOperacion": {"enum": [2]}}},
         "then": {"properties": {"pagos": {"items": {"properties": {"plazo": {"type": "string"},
                                                                    "periodo": {"type": "number"}}}}}}},
    ])


def apendice():
    """Free extra data; FSE v1 sets no minimum lengths on its entries."""
    return array(obj({"campo": string(max_length=25), "etiqueta": string(max_length=50),
                      "valor": string(max_length=150)}), min_items=1, max_items=10, nullable=True)


def schema():
    return document("Factura de Sujeto Excluido v1 (Facturador)", {
        # Allowed in contingency (CAT-023, facts §5); the motive may run to 500 characters (§2.1).
        "identificacion": identificacion(tipo=TIPO, version=VERSION, motivo_max=500),
        "emisor": emisor(),
        "sujetoExcluido": sujeto_excluido(),
        "cuerpoDocumento": array(item(), min_items=1, max_items=2000),
        "resumen": resumen(),
        "apendice": apendice(),
    })
