"""11 Factura de Exportación, version 3 (2026 generation): IVA 0 % (tributo C3), a foreign
receptor, INCOTERMS (facts §1). v2.0 (sv-tax-facts-2.md §2, mh-schemas-2026/SOURCES.md): a
documentoRelacionado (Notas de Remisión), compraTercero, the emisor's tipoRegimen (CAT-033) beside
the regime (CAT-028, 2026 format), lines with tipoItem/numeroDocumento/codTributo, the resumen's
descuGravada (was descuento), tributos, totalNoOnerosas and saldoFavor; motivoContin spelled as in
the other types; country codes ISO alpha-2 (CAT-020, 2026 edition)."""

from dte.schemas.parts import ITEM_STEP, amount, array, integer, obj, string, when
from dte.schemas.parts_2026 import (
    apendice,
    condicion,
    document,
    documento_relacionado,
    emisor,
    identificacion,
    letras,
    no_gravado,
    observaciones,
    pagos,
    porcentaje,
    saldo_favor,
    tributos_resumen,
    venta_tercero,
)

FILE = "fe-fex-v3.json"
TIPO, VERSION = "11", 3


def _emisor():
    return emisor(telefono_nullable=True, extra={
        "tipoItemExpor": integer(enum=[1, 2, 3]),  # 1 bienes, 2 servicios, 3 ambos
        "recintoFiscal": string(2, 2, nullable=True),  # CAT-027
        "tipoRegimen": string(enum=[None, "EX-1", "EX-2", "EX-3", "TA-1"], nullable=True),  # CAT-033
        "regimen": string(1, 13, nullable=True),  # CAT-028
    })


def receptor():
    return obj({
        "nombre": string(1, 250),
        "tipoDocumento": string(2, 2, enum=["36", "13", "02", "03", "37"]),
        "numDocumento": string(1, 20),
        "descActividad": string(5, 150),
        "nombreComercial": string(1, 150, nullable=True),
        "codPais": string(2, 2, pattern="^[A-Z]{2}$"),  # ISO 3166 alpha-2 (CAT-020, 2026 edition)
        "nombrePais": string(3, 50),
        "complemento": string(1, 200),
        "tipoPersona": integer(enum=[1, 2]),  # CAT-029
        "telefono": string(8, 30, nullable=True),
        "correo": string(6, 100, nullable=True),
    })


def otros_documentos():
    """Up to 20 associated documents (CAT-021); code 4 (transport) names how the goods travel."""
    transport = ("modoTransp", "numConductor", "nombreConductor", "placaTrans")
    return array(obj({
        "codDocAsociado": integer(enum=[None, 1, 2, 3, 4], nullable=True),
        "descDocumento": string(3, 100, nullable=True),
        "detalleDocumento": string(3, 300, nullable=True),
        "placaTrans": string(5, 70, nullable=True),
        "modoTransp": integer(minimum=1, maximum=7, nullable=True),  # CAT-030
        "numConductor": string(5, 100, nullable=True),
        "nombreConductor": string(5, 200, nullable=True),
    }, conditions=[when({"codDocAsociado": {"const": 4}}, {key: {"type": ["integer", "string"]} for key in transport})]),
        min_items=1, max_items=20, nullable=True)


def compra_tercero():
    return obj({"numDocumento": string(1, 20), "nombre": string(1, 250)}, nullable=True)


def item():
    return obj({
        "numItem": integer(minimum=1, maximum=2000),
        "tipoItem": integer(enum=[1, 2, 3, 4]),
        "numeroDocumento": string(1, 36, nullable=True),
        "cantidad": amount(ITEM_STEP, minimum=None, exclusive_minimum=0),
        "codigo": string(1, 25, nullable=True),
        "codTributo": string(2, 2, nullable=True),
        "uniMedida": integer(minimum=1, maximum=99),
        "descripcion": string(1, 1500),
        "precioUni": amount(ITEM_STEP),
        "montoDescu": amount(ITEM_STEP),
        "ventaGravada": amount(ITEM_STEP),
        "tributos": array(string(2, 2), min_items=1, nullable=True, unique=True),
        "noGravado": no_gravado(),
    }, conditions=[when({"ventaGravada": {"maximum": 0}}, {"tributos": {"type": "null"}})])


def resumen():
    return obj({
        "totalGravada": amount(), "descuGravada": amount(), "porcentajeDescuento": porcentaje(), "totalDescu": amount(),
        "seguro": amount(), "flete": amount(nullable=True), "tributos": tributos_resumen(),
        "montoTotalOperacion": amount(), "totalNoGravado": no_gravado(0.01), "totalNoOnerosas": amount(),
        "totalPagar": amount(), "totalLetras": letras(), "saldoFavor": saldo_favor(),
        "condicionOperacion": condicion(), "pagos": pagos(), "codIncoterms": string(2, 2, nullable=True),
        "descIncoterms": string(1, 150, nullable=True), "numPagoElectronico": string(1, 100, nullable=True),
        "observaciones": observaciones(),
    })


def schema():
    return document("Factura de Exportación v3 (Facturador)", {
        "identificacion": identificacion(tipo=TIPO, version=VERSION),
        "documentoRelacionado": documento_relacionado(["04"]),
        "emisor": _emisor(),
        "receptor": receptor(),
        "otrosDocumentos": otros_documentos(),
        "ventaTercero": venta_tercero(),
        "compraTercero": compra_tercero(),
        "cuerpoDocumento": array(item(), min_items=1, max_items=2000),
        "resumen": resumen(),
        "apendice": apendice(),
    })
