"""Evento de Operaciones Especiales (tipoEvento "17"), version 1: Normativa v2.0 only (2026
generation; sv-tax-facts-2.md §2). A designated taxpayer's monthly report of operations
documented outside DTE: Facturas de venta simplificada (CAT-023 02), reported only as ranges
(docDel/docAl), and Comprobantes de control interno (97), by number. Modelo and operación 1 only;
prices without IVA; at most 500 lines; an annulment points codigoGeneracionRef at the earlier
event."""

from dte.schemas.parts import ITEM_STEP, LIMIT, TIME, UUID, amount, array, document, integer, obj, string, when

FILE = "fe-eop-v1.json"
KIND, VERSION, TIPO_EVENTO = "operaciones", 1, "17"
SIMPLIFIED, INTERNAL = "02", "97"  # CAT-023 (2026 edition: "Operaciones Especiales")
MAX_LINES = 500


def identificacion():
    return obj({
        "version": integer(const=VERSION),
        "ambiente": string(enum=["00", "01"]),
        "tipoModelo": integer(const=1),
        "tipoOperacion": integer(const=1),
        "tipoEvento": string(const=TIPO_EVENTO),
        "codigoGeneracion": string(36, 36, pattern=UUID),
        "fecEmi": string(fmt="date"),
        "horEmi": string(pattern=TIME),
        "tipoMoneda": string(const="USD"),
    })


def item():
    return obj({
        "numItem": integer(minimum=1, maximum=2000),
        "codigoGeneracionRef": string(36, 36, pattern=UUID, nullable=True),
        "tipoDocumento": string(enum=[SIMPLIFIED, INTERNAL]),
        "numDocumento": string(1, 36, nullable=True),
        "fechaEmision": string(fmt="date", nullable=True),
        "cantidad": integer(minimum=1),
        "descripcion": string(1, 1500),
        "docDel": string(max_length=36, nullable=True),
        "docAl": string(max_length=36, nullable=True),
        "precioUni": amount(ITEM_STEP),
        "ventaNoSuj": amount(ITEM_STEP),
        "ventaExenta": amount(ITEM_STEP),
        "ventaGravada": amount(ITEM_STEP),
        "tributos": array(string(2, 2), min_items=1, nullable=True, unique=True),
    }, conditions=[
        # Simplified invoices only as a range; internal vouchers one by one (sv-tax-facts-2.md §2).
        when({"tipoDocumento": {"const": SIMPLIFIED}},
             {"docDel": {"type": "string"}, "docAl": {"type": "string"}, "numDocumento": {"type": "null"}}),
        when({"tipoDocumento": {"const": INTERNAL}},
             {"numDocumento": {"type": "string"}, "docDel": {"type": "null"}, "docAl": {"type": "null"}}),
    ])


def resumen():
    return obj({
        "totalNoSuj": amount(), "totalExenta": amount(), "totalGravada": amount(), "subTotal": amount(),
        "tributos": array(obj({"codigo": string(2, 2), "descripcion": string(1, 300),
                               "valor": {"type": "number", "exclusiveMaximum": LIMIT, "multipleOf": 0.01}}),
                          nullable=True, unique=True),
        "total": amount(), "totalLetras": string(8, 200, nullable=True),
    })


def schema():
    return document("Evento de Operaciones Especiales v1 (Facturador)", {
        "identificacion": identificacion(),
        "emisor": obj({"nit": string(max_length=14, pattern="^([0-9]{14}|[0-9]{9})$"), "nombre": string(1, 250)}),
        "cuerpoDocumento": array(item(), min_items=1, max_items=MAX_LINES),
        "resumen": resumen(),
        "apendice": array(obj({"campo": string(max_length=25), "etiqueta": string(max_length=50),
                               "valor": string(max_length=150)}), min_items=1, max_items=10, nullable=True),
    })
