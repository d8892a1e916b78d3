"""Evento de Contingencia, version 4 (2026 generation; facts §5): the v3 event with MH's point of
sale code (codPuntoVentaMH) instead of the issuer's own, at most 1,000 documents per event, and
the Comprobante de Retención (07) among the types it may list."""

from dte.schemas.parts import DOC_IDENTIFICACION, ESTABLECIMIENTO, NIT, TIME, UUID, array, document, integer, obj, string

FILE = "contingencia-schema-v4.json"
KIND, VERSION = "contingencia", 4
MAX_DOCUMENTS = 1000
CONTINGENCY_TYPES = ["01", "03", "04", "05", "06", "07", "11", "14"]
# What an event lists: those DTEs and the Evento de Retorno (18), which v2.0 allows in contingency
# (facts §5; MH's own contingencia-schema-v4 leaves tipoDoc a free string).
LISTED_TYPES = [*CONTINGENCY_TYPES, "18"]


def schema():
    return document("Evento de Contingencia v4 (Facturador)", {
        "identificacion": obj({
            "version": integer(const=VERSION),
            "ambiente": string(enum=["00", "01"]),
            "codigoGeneracion": string(36, 36, pattern=UUID),
            "fTransmision": string(fmt="date"),
            "hTransmision": string(pattern=TIME),
        }),
        "emisor": obj({
            "nit": string(pattern=NIT),
            "nombre": string(1, 250),
            "nombreResponsable": string(1, 100),
            "tipoDocResponsable": string(enum=DOC_IDENTIFICACION),
            "numeroDocResponsable": string(1, 25),
            "tipoEstablecimiento": string(enum=ESTABLECIMIENTO),
            "codEstableMH": string(4, 4, nullable=True),
            "codPuntoVentaMH": string(4, 4, nullable=True),
            "telefono": string(8, 30),
            "correo": string(1, 100),
        }),
        "detalleDTE": array(obj({
            "noItem": integer(minimum=1, maximum=MAX_DOCUMENTS),
            "tipoDoc": string(enum=LISTED_TYPES),
            "codigoGeneracion": string(36, 36, pattern=UUID),
        }), min_items=1, max_items=MAX_DOCUMENTS),
        "motivo": obj({
            "fInicio": string(fmt="date"),
            "fFin": string(fmt="date"),
            "hInicio": string(pattern=TIME),
            "hFin": string(pattern=TIME),
            "tipoContingencia": integer(enum=[1, 2, 3, 4, 5]),  # CAT-005
            "motivoContingencia": string(max_length=500, nullable=True),
        }),
    })
