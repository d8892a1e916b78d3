"""Evento de contingencia, version 3 (2023 generation): sent within 24 h after an outage ends,
it lists every DTE generated offline during it (by codigoGeneracion and type) with the outage's
start, end and reason; only the listed DTEs may then be transmitted (facts §5).

MH's published copy of this schema lists only each section's properties; like every DTE, each
section here is an object with all its keys required (unused ones sent as null) and nothing else.
"""

from dte.schemas.parts import (
    DOC_IDENTIFICACION,
    ESTABLECIMIENTO,
    NIT,
    TIME,
    UUID,
    array,
    document,
    integer,
    obj,
    string,
    when,
)
from dte.schemas.types.anulacion_v2 import documento_identidad

FILE = "contingencia-schema-v3.json"
KIND, VERSION = "contingencia", 3

# CAT-023 (2023): the types that may be issued in contingency — never 07, 08, 09, 15 (facts §5).
# MH's copy publishes the unanchored pattern "^0[1-9]|1[0-5]$" instead.
TIPOS_EN_CONTINGENCIA = ["01", "03", "04", "05", "06", "11", "14"]
# MH's 2023 schema caps an event at 1000 DTEs (the 2023 manual spoke of 5000; facts §5): more
# documents go in another event.
MAX_DTE = 1000


def identificacion():
    return obj({
        "version": integer(const=VERSION),
        "ambiente": string(enum=["00", "01"]),
        "codigoGeneracion": string(36, 36, pattern=UUID),  # of the event, never of a listed DTE
        "fTransmision": string(fmt="date"),
        "hTransmision": string(pattern=TIME),
    })


def emisor():
    return obj({
        "nit": string(pattern=NIT),
        "nombre": string(5, 250),
        "nombreResponsable": string(5, 100),  # who answers for the establishment
        "tipoDocResponsable": string(enum=DOC_IDENTIFICACION),
        "numeroDocResponsable": string(5, 25),
        "tipoEstablecimiento": string(enum=ESTABLECIMIENTO),  # the one that went offline
        "codEstableMH": string(4, 4, nullable=True),
        "codPuntoVenta": string(1, 15, nullable=True),
        "telefono": string(8, 30),
        "correo": string(3, 100, fmt="email"),
    }, conditions=documento_identidad("tipoDocResponsable", "numeroDocResponsable"))


def detalle():
    return array(obj({
        "noItem": integer(minimum=1, maximum=MAX_DTE),  # correlative within the event
        "codigoGeneracion": string(36, 36, pattern=UUID),
        "tipoDoc": string(enum=TIPOS_EN_CONTINGENCIA),
    }), min_items=1, max_items=MAX_DTE)


def motivo():
    return obj({
        "fInicio": string(fmt="date"),
        "fFin": string(fmt="date"),
        "hInicio": string(pattern=TIME),
        "hFin": string(pattern=TIME),
        "tipoContingencia": integer(enum=[1, 2, 3, 4, 5]),  # CAT-005
        "motivoContingencia": string(max_length=500, nullable=True),
    }, conditions=[
        # CAT-005 reason 5 ("otro") must be explained in words (facts §2.6, §5).
        when({"tipoContingencia": {"const": 5}}, {"motivoContingencia": {"type": "string", "minLength": 1}}),
    ])


def schema():
    return document("Evento de Contingencia v3 (Facturador)", {
        "identificacion": identificacion(),
        "emisor": emisor(),
        "detalleDTE": detalle(),
        "motivo": motivo(),
    })
