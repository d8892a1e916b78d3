"""Evento de Retorno (tipoEvento "18"), version 1: Normativa v2.0 only (2026 generation;
sv-tax-facts-2.md §2). Returns, refunds and recovered container deposits that reduce a sealed
Factura (sale and débito), Factura de Exportación or Factura de Sujeto Excluido (purchase): up to
50 documents of one type with the same parties; its lines carry the columns of the three types
(sale, export, purchase), unused ones 0. It may be sent in contingency, so the contingency keys
are here (with the coupling the other v2.0 types keep)."""

from dte.schemas.parts import ITEM_STEP, LIMIT, NIT, TIME, UUID, amount, array, document, integer, obj, string, when

FILE = "fe-eret-v1.json"
KIND, VERSION, TIPO_EVENTO = "retorno", 1, "18"
TARGET_TYPES = ["01", "11", "14"]  # FE, FEX, FSE (sv-tax-facts-2.md §2)
TIME_STRICT = TIME.replace("?$", "$")  # MH's eret pattern has no optional last digit


def identificacion():
    return obj({
        "version": integer(const=VERSION),
        "ambiente": string(enum=["00", "01"]),
        "tipoModelo": integer(enum=[1, 2], kind="number"),
        "tipoOperacion": integer(enum=[1, 2]),
        "tipoEvento": string(const=TIPO_EVENTO),
        "tipoContingencia": {"type": ["integer", "null"], "enum": [None, 1, 2, 3, 4, 5]},
        "motivoContin": string(1, 500, nullable=True),
        "codigoGeneracion": string(36, 36, pattern=UUID),
        "fecEmi": string(fmt="date"),
        "horEmi": string(pattern=TIME_STRICT),
        "fusion": string(9, 14, pattern=NIT, nullable=True),
        "tipoMoneda": string(enum=["USD"]),
    }, conditions=[
        when({"tipoOperacion": {"const": 1}},
             {"tipoModelo": {"const": 1}, "tipoContingencia": {"type": "null"}, "motivoContin": {"type": "null"}},
             {"tipoModelo": {"enum": [2]}}),
        when({"tipoOperacion": {"const": 2}}, {"tipoContingencia": {"type": "integer"}}),
    ])


def documento_relacionado():
    return array(obj({
        "tipoDocumento": string(enum=TARGET_TYPES),
        "codigoGeneracion": string(1, 36, pattern=UUID),
        "fechaEmision": string(fmt="date"),
    }), min_items=1, max_items=50)


def emisor():
    """Keeps MH's establishment and point-of-sale codes (sv-tax-facts-2.md §2), and the export
    data of an FEX it reduces."""
    return obj({
        "nit": string(max_length=14, pattern=NIT),
        "nombre": string(1, 250),
        "codEstableMH": string(4, 4),
        "codEstable": string(1, 10, nullable=True),
        "codPuntoVentaMH": string(4, 4),
        "codPuntoVenta": string(1, 15, nullable=True),
        "recintoFiscal": string(2, 2, nullable=True),
        "tipoRegimen": string(1, 4, nullable=True),
        "regimen": string(1, 13, nullable=True),
        "tipoItemExpor": integer(nullable=True),
    })


def documento():
    """The counterparty of the reduced documents, as they named it (null: an unnamed consumer)."""
    return obj({
        "tipoDocumento": string(nullable=True),
        "numDocumento": string(1, 20, nullable=True),
        "nombre": string(1, 250, nullable=True),
        "codPais": string(nullable=True),
        "nombrePais": string(3, 50, nullable=True),
        "telefono": string(8, 30, nullable=True),
        "correo": string(1, 100, nullable=True),
    }, nullable=True)


def signed_amount(step=ITEM_STEP):
    return amount(step, minimum=None, exclusive_minimum=-LIMIT)


def item():
    return obj({
        "numItem": integer(minimum=1, maximum=2000),
        "tipoItem": integer(enum=[1, 2, 3, 4]),
        "codigoGeneracion": string(1, 36, pattern=UUID),  # the reduced document this line comes from
        "cantidad": amount(ITEM_STEP, minimum=None, exclusive_minimum=0),
        "precioUni": amount(ITEM_STEP),
        "descripcion": string(1, 1500),
        "codigo": string(1, 25, nullable=True),
        "uniMedida": integer(minimum=1, maximum=99),
        "montoDescu": amount(ITEM_STEP),
        "codTributo": string(2, 2, nullable=True),
        "ventaNoSuj": amount(ITEM_STEP),
        "ventaExenta": amount(ITEM_STEP),
        "ventaGravada": amount(ITEM_STEP),
        "compra": amount(ITEM_STEP),
        "tributos": array({"type": ["string", "null"], "minLength": 2, "maxLength": 2}, min_items=1, nullable=True,
                          unique=True),
        "psv": amount(ITEM_STEP),
        "ivaItem": amount(ITEM_STEP),
        "noGravado": signed_amount(),
        "seguro": signed_amount(),
        "flete": signed_amount(),
        "ivaRete": {"type": "number", "minimum": 0, "multipleOf": 0.01},
        "reteRenta": amount(),
    }, required=["numItem", "tipoItem", "codigoGeneracion", "cantidad", "precioUni", "descripcion", "montoDescu",
                 "codTributo", "ventaNoSuj", "ventaExenta", "ventaGravada", "compra", "tributos", "psv", "ivaItem",
                 "noGravado", "seguro", "flete", "ivaRete", "reteRenta"])  # codigo, uniMedida optional, as MH's


def resumen():
    return obj({
        "totalNoSuj": amount(), "totalExenta": amount(), "totalGravada": amount(), "totalCompraExcluidos": amount(),
        "subTotalVentas": amount(),
        "tributos": array(obj({"codigo": string(2, 2), "descripcion": string(1, 300), "valor": amount()}),
                          nullable=True, unique=True),
        "totalSeguro": amount(nullable=True), "totalFlete": amount(nullable=True), "montoTotalOperacion": amount(),
        "ivaRete": amount(), "reteRenta": amount(nullable=True), "totalNoGravado": signed_amount(0.01),
        "totalPagar": amount(), "totalLetras": string(8, 200, nullable=True), "totalNoOnerosas": amount(),
        "totalIva": amount(),
        "saldoFavor": {"type": "number", "maximum": 0, "exclusiveMinimum": -LIMIT, "multipleOf": 0.01},
    })


def apendice():
    return array(obj({"campo": string(max_length=25), "etiqueta": string(max_length=50),
                      "valor": string(max_length=150)}), min_items=1, max_items=10, nullable=True)


def schema():
    out = document("Evento de Retorno v1 (Facturador)", {
        "identificacion": identificacion(),
        "documentoRelacionado": documento_relacionado(),
        "emisor": emisor(),
        "documento": documento(),
        "ventaTercero": obj({"nit": string(1, 20, nullable=True), "nombre": string(1, 250, nullable=True),
                             "codDomiciliado": integer(nullable=True)}, nullable=True),
        "compraTercero": obj({"numDocumento": string(1, 20, nullable=True), "nombre": string(1, 250, nullable=True)},
                             nullable=True),
        "cuerpoDocumento": array(item(), min_items=1, max_items=2000),
        "resumen": resumen(),
        "apendice": apendice(),
    })
    # A sale for a third party or a purchase for one, never both (MH's oneOf).
    out["oneOf"] = [
        {"properties": {"ventaTercero": {"type": ["object"]}, "compraTercero": {"type": ["null"]}}},
        {"properties": {"compraTercero": {"type": ["object"]}, "ventaTercero": {"type": ["null"]}}},
        {"properties": {"ventaTercero": {"type": ["null"]}, "compraTercero": {"type": ["null"]}}},
    ]
    return out
