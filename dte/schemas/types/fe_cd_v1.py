"""15 Comprobante de Donación, version 1 (2023 generation). Issued by the *donatario* (an entity
qualified under LISR art. 6) to the donor, who deducts the donation (sv-tax-facts-2.md §6; facts
§1). The issuer is ``donatario``, the donor ``donante``; each line says what was given (CAT-026:
1 cash, 2 goods, 3 service). Modelo previo and transmisión normal only: no contingency keys at
all (facts §2.1, §5: never 08, 09, 15 in contingency). otrosDocumentos is required, not nullable."""

from dte.schemas.parts import (
    ACTIVIDAD,
    DOC_IDENTIFICACION,
    ESTABLECIMIENTO,
    ITEM_STEP,
    NIT,
    NRC,
    amount,
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

FILE = "fe-cd-v1.json"
TIPO, VERSION = "15", 1
DONATION_TYPES = [1, 2, 3]  # CAT-026
COUNTRY_2023 = "^[0-9]{4}$"  # CAT-020, 2023 edition: 4 digits (9300 El Salvador)


def identificacion_cd():
    ident = identificacion(tipo=TIPO, version=VERSION, contingency=False)
    props = ident["properties"]
    props.pop("tipoContingencia")
    props.pop("motivoContin")
    props["tipoModelo"] = integer(const=1, kind="number")
    ident["required"] = list(props)
    return ident


def donatario():
    """The issuer, identified by its NIT (tipoDocumento 36 only)."""
    return obj({
        "tipoDocumento": string(enum=["36"]),
        "numDocumento": string(9, 14, pattern=NIT),
        "nrc": string(2, 8, pattern=NRC, nullable=True),
        "nombre": string(1, 250),
        "codActividad": string(1, 6, pattern=ACTIVIDAD),
        "descActividad": string(1, 150),
        "nombreComercial": string(1, 150, nullable=True),
        "tipoEstablecimiento": string(enum=ESTABLECIMIENTO),
        "direccion": direccion(),
        "telefono": string(8, 30),
        "correo": string(3, 100, fmt="email"),
        "codEstableMH": string(4, 4, nullable=True),
        "codEstable": string(4, 4, nullable=True),
        "codPuntoVentaMH": string(4, 4, nullable=True),
        "codPuntoVenta": string(1, 15, nullable=True),
    })


def donante():
    """The donor: domiciled (codDomiciliado 1: an address) or not (2: no address, no activity)."""
    return obj({
        "tipoDocumento": string(enum=DOC_IDENTIFICACION),
        "numDocumento": string(3, 20),
        "nrc": string(2, 8, pattern=NRC, nullable=True),
        "nombre": string(1, 250),
        "codActividad": string(1, 6, pattern=ACTIVIDAD, nullable=True),
        "descActividad": string(1, 150, nullable=True),
        "direccion": direccion(nullable=True),
        "telefono": string(8, 30, nullable=True),
        "correo": string(max_length=100, fmt="email", nullable=True),
        "codDomiciliado": integer(enum=[1, 2]),  # CAT-032
        "codPais": string(pattern=COUNTRY_2023),
    }, conditions=[
        when({"codDomiciliado": {"const": 1}}, {"direccion": {"type": "object"}}),
        when({"codDomiciliado": {"const": 2}}, {"direccion": {"type": "null"}, "codActividad": {"type": "null"},
                                                "descActividad": {"type": "null"}}),
    ])


def otros_documentos():
    """1–10 documents associated with the donation (CAT-021: 1 del emisor, 2 del receptor), e.g.
    the donatario's qualification; required in both generations."""
    return array(obj({
        "codDocAsociado": integer(enum=[1, 2]),
        "descDocumento": string(max_length=100),
        "detalleDocumento": string(max_length=300),
    }), min_items=1, max_items=10)


def item():
    return obj({
        "numItem": integer(minimum=1, maximum=2000),
        "tipoDonacion": integer(enum=DONATION_TYPES),
        "cantidad": amount(ITEM_STEP, minimum=None, exclusive_minimum=0),
        "codigo": string(1, 25, nullable=True),
        "uniMedida": integer(minimum=1, maximum=99),  # CAT-014
        "descripcion": string(1, 1000),
        "depreciacion": amount(ITEM_STEP),
        "valorUni": amount(ITEM_STEP),
        "valor": amount(ITEM_STEP),
    }, conditions=[
        # Cash and services: no depreciation, uniMedida 99 (sv-tax-facts-2.md §6).
        when({"tipoDonacion": {"enum": [1, 3]}}, {"depreciacion": {"const": 0}, "uniMedida": {"const": 99}}),
    ])


def pagos():
    return array(obj({
        "codigo": string(max_length=2, pattern="^(0[1-9]||1[0-4]||99)$", nullable=True),  # as MH publishes it
        "montoPago": amount(),
        "referencia": string(max_length=50, nullable=True),
    }), min_items=1, nullable=True)


def resumen():
    return obj({"valorTotal": amount(), "totalLetras": string(max_length=200), "pagos": pagos()})


def schema():
    return document("Comprobante de Donación v1 (Facturador)", {
        "identificacion": identificacion_cd(),
        "donatario": donatario(),
        "donante": donante(),
        "otrosDocumentos": otros_documentos(),
        "cuerpoDocumento": array(item(), min_items=1, max_items=2000),
        "resumen": resumen(),
        "apendice": apendice(),
    })
