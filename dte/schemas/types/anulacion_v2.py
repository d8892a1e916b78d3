"""Evento de invalidación (anulación), version 2 (2023 generation): one signed event per DTE to
invalidate, naming the document (with its seal and receptor as sent), who is responsible and who
asked, and the reason (facts §6).

MH's published copy of this schema lists only each section's properties; like every DTE, each
section here is an object with all its keys required (unused ones sent as null) and nothing else.
"""

from dte.schemas.parts import (
    DOC_IDENTIFICACION,
    ESTABLECIMIENTO,
    NIT,
    TIME,
    UUID,
    amount,
    document,
    integer,
    obj,
    string,
    when,
)

FILE = "anulacion-schema-v2.json"
KIND, VERSION = "anulacion", 2

# CAT-002 document types that can be invalidated (facts §1). MH's copy also lists "10", which is
# not in the catalog.
TIPOS_DTE = ["01", "03", "04", "05", "06", "07", "08", "09", "11", "14", "15"]
DUI = "^[0-9]{8}-[0-9]$"
SELLO = "^[A-Z0-9]{40}$"


def documento_identidad(tipo_key, num_key):
    """A NIT (CAT-022 "36") is 14 or 9 digits, a DUI ("13") is ########-# (facts §2.2)."""
    return [
        when({tipo_key: {"const": "36"}}, {num_key: {"type": "string", "pattern": NIT}}),
        when({tipo_key: {"const": "13"}}, {num_key: {"type": "string", "pattern": DUI}}),
    ]


def identificacion():
    return obj({
        "version": integer(const=VERSION),
        "ambiente": string(enum=["00", "01"]),
        "codigoGeneracion": string(36, 36, pattern=UUID),  # a new UUID for the event itself
        "fecAnula": string(fmt="date"),
        "horAnula": string(pattern=TIME),
    })


def emisor():
    return obj({
        "nit": string(pattern=NIT),
        "nombre": string(3, 250),
        "tipoEstablecimiento": string(enum=ESTABLECIMIENTO),
        "nomEstablecimiento": string(3, 150, nullable=True),
        "codEstableMH": string(4, 4, nullable=True),
        "codEstable": string(1, 10, nullable=True),
        "codPuntoVentaMH": string(4, 4, nullable=True),
        "codPuntoVenta": string(1, 15, nullable=True),
        "telefono": string(8, 26, pattern="^[0-9+;]{8,26}$", nullable=True),
        "correo": string(3, 100, fmt="email"),
    })


def documento():
    """The invalidated DTE as MH sealed it; its receptor data must match the original (facts §6)."""
    # numeroControl is DTE-{tipoDte}-... (facts §2.1). MH's copy publishes the unanchored
    # "^DTE-0[0-9]|1[0-2]-..." (which lets anything starting "DTE-0n" through and rejects 14/15):
    # we anchor it and tie the type block to tipoDte.
    same_type = [when({"tipoDte": {"const": tipo}}, {"numeroControl": {"pattern": f"^DTE-{tipo}-"}})
                 for tipo in TIPOS_DTE]
    return obj({
        "tipoDte": string(enum=TIPOS_DTE),
        "codigoGeneracion": string(36, 36, pattern=UUID),
        "selloRecibido": string(40, 40, pattern=SELLO),
        "numeroControl": string(31, 31, pattern="^DTE-[0-9]{2}-[A-Z0-9]{8}-[0-9]{15}$"),
        "fecEmi": string(fmt="date"),
        "montoIva": amount(nullable=True),
        "codigoGeneracionR": string(36, 36, pattern=UUID, nullable=True),
        "tipoDocumento": string(enum=DOC_IDENTIFICACION),
        "numDocumento": string(3, 20),
        "nombre": string(5, 200),
        "telefono": string(8, 50, pattern="^[0-9+;]{8,50}$", nullable=True),
        "correo": string(max_length=100, fmt="email"),
    }, conditions=documento_identidad("tipoDocumento", "numDocumento") + same_type)


def motivo():
    return obj({
        "tipoAnulacion": integer(enum=[1, 2, 3]),  # CAT-024: 1 error, 2 rescind, 3 other
        "motivoAnulacion": string(5, 250, nullable=True),
        "nombreResponsable": string(5, 100),
        "tipDocResponsable": string(enum=DOC_IDENTIFICACION),
        "numDocResponsable": string(3, 20),
        "nombreSolicita": string(5, 100),
        "tipDocSolicita": string(enum=DOC_IDENTIFICACION),
        "numDocSolicita": string(3, 20),
    }, conditions=documento_identidad("tipDocResponsable", "numDocResponsable")
        + documento_identidad("tipDocSolicita", "numDocSolicita"))


def schema():
    top = document("Evento de Invalidación v2 (Facturador)", {
        "identificacion": identificacion(),
        "emisor": emisor(),
        "documento": documento(),
        "motivo": motivo(),
    })
    top["allOf"] = [
        # Rescinding the operation (2) replaces nothing: no replacement UUID (facts §6).
        when({"motivo": {"properties": {"tipoAnulacion": {"const": 2}}}},
             {"documento": {"properties": {"codigoGeneracionR": {"type": "null"}}}}),
        # Error (1) or other (3): the replacement DTE is issued and sealed first and named here,
        # except when invalidating a Nota de Crédito or a Comprobante de Liquidación (facts §6).
        when({"motivo": {"properties": {"tipoAnulacion": {"enum": [1, 3]}}},
              "documento": {"properties": {"tipoDte": {"not": {"enum": ["05", "08"]}}}}},
             {"documento": {"properties": {"codigoGeneracionR": {"type": "string"}}}}),
    ]
    return top
