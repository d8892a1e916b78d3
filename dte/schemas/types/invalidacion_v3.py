"""Evento de invalidación, version 3 (2026 generation; facts §6, sv-tax-facts-2.md §2): the v2
event (anulacion_v2) with identificacion fecEmi/horEmi (were fecAnula/horAnula) and ``fusion``,
without montoIva, tipoEstablecimiento and nomEstablecimiento; the documento's receptor fields may
be null (a Factura to an unnamed consumer)."""

from dte.schemas.parts import DOC_IDENTIFICACION, NIT, TIME, UUID, document, integer, obj, string, when
from dte.schemas.types.anulacion_v2 import SELLO, TIPOS_DTE, documento_identidad

FILE = "invalidacion-schema-v3.json"
KIND, VERSION = "anulacion", 3
NUMERO_CONTROL = "^DTE-[0-9]{2}-[MBSP][0-9]{3}P[0-9]{3}-[0-9]{15}$"


def identificacion():
    return obj({
        "version": integer(const=VERSION),
        "ambiente": string(enum=["00", "01"]),
        "codigoGeneracion": string(36, 36, pattern=UUID),  # a new UUID for the event itself
        "fecEmi": string(fmt="date"),
        "horEmi": string(pattern=TIME),
        "fusion": string(pattern=NIT, nullable=True),
    })


def emisor():
    return obj({
        "nit": string(pattern=NIT),
        "nombre": string(1, 250),
        "codEstableMH": string(4, 4),
        "codEstable": string(1, 10, nullable=True),
        "codPuntoVentaMH": string(4, 4),
        "codPuntoVenta": string(1, 15, nullable=True),
        "telefono": string(8, 30),
        "correo": string(1, 100),
    })


def documento():
    """The invalidated DTE as MH sealed it; its receptor data must match the original (facts §6)."""
    same_type = [when({"tipoDte": {"const": tipo}}, {"numeroControl": {"pattern": f"^DTE-{tipo}-"}})
                 for tipo in TIPOS_DTE]
    return obj({
        "tipoDte": string(enum=TIPOS_DTE),
        "codigoGeneracion": string(36, 36, pattern=UUID),
        "selloRecibido": string(40, 40, pattern=SELLO),
        "numeroControl": string(31, 31, pattern=NUMERO_CONTROL, nullable=True),
        "fecEmi": string(fmt="date"),
        "codigoGeneracionR": string(36, 36, pattern=UUID, nullable=True),
        "tipoDocumento": {**string(nullable=True), "enum": [None, *DOC_IDENTIFICACION]},
        "numDocumento": string(1, 20, nullable=True),
        "nombre": string(1, 250, nullable=True),
        "telefono": string(8, 30, nullable=True),
        "correo": string(max_length=100, nullable=True),
    }, conditions=documento_identidad("tipoDocumento", "numDocumento") + same_type)


def motivo():
    return obj({
        "tipoAnulacion": integer(enum=[1, 2, 3]),  # CAT-024 ("motivo del evento" in 2026)
        "motivoAnulacion": string(1, 200, nullable=True),
        "nombreResponsable": string(1, 100),
        "tipDocResponsable": string(enum=DOC_IDENTIFICACION),
        "numDocResponsable": string(1, 20),
        "nombreSolicita": string(1, 100),
        "tipDocSolicita": string(enum=DOC_IDENTIFICACION),
        "numDocSolicita": string(1, 20),
    }, conditions=documento_identidad("tipDocResponsable", "numDocResponsable")
        + documento_identidad("tipDocSolicita", "numDocSolicita"))


def schema():
    top = document("Evento de Invalidación v3 (Facturador)", {
        "identificacion": identificacion(),
        "emisor": emisor(),
        "documento": documento(),
        "motivo": motivo(),
    })
    top["allOf"] = [
        when({"motivo": {"properties": {"tipoAnulacion": {"const": 2}}}},
             {"documento": {"properties": {"codigoGeneracionR": {"type": "null"}}}}),
        when({"motivo": {"properties": {"tipoAnulacion": {"enum": [1, 3]}}},
              "documento": {"properties": {"tipoDte": {"not": {"enum": ["05", "08"]}}}}},
             {"documento": {"properties": {"codigoGeneracionR": {"type": "string"}}}}),
    ]
    return top
