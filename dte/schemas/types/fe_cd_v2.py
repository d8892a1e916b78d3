"""15 Comprobante de Donación, version 2 (2026 generation; sv-tax-facts-2.md §6): ``donatario``
is called ``emisor`` and ``donante`` ``receptor``; addresses carry distrito (CAT-008); the
emisor loses tipoEstablecimiento and the MH codes; the item's depreciation is written
``tipoDepreciacion`` (likely an MH slip, but it is the key the schema requires). Still no
contingency keys: transmisión normal only. MH's file keeps the 2023 free numeroControl block;
ours keeps the structured one every other 2026 type has (the numbering is one for all types)."""

from dte.schemas.parts import (
    ACTIVIDAD,
    DOC_IDENTIFICACION,
    ITEM_STEP,
    NIT,
    NRC,
    TIME,
    UUID,
    amount,
    array,
    integer,
    obj,
    string,
    when,
)
from dte.schemas.parts_2026 import NUMERO_CONTROL, apendice, direccion, document

FILE = "fe-cd-v2.json"
TIPO, VERSION = "15", 2
COUNTRY_2026 = "^[A-Z]{2}$"  # CAT-020, 2026 edition: ISO 3166 alpha-2 (catalogs.countries)


def identificacion():
    return obj({
        "version": integer(const=VERSION),
        "ambiente": string(enum=["00", "01"]),
        "tipoDte": string(const=TIPO),
        "numeroControl": string(31, 31, pattern=NUMERO_CONTROL.format(tipo=TIPO)),
        "codigoGeneracion": string(36, 36, pattern=UUID),
        "tipoModelo": integer(const=1, kind="number"),
        "tipoOperacion": integer(const=1),
        "fecEmi": string(fmt="date"),
        "horEmi": string(pattern=TIME),
        "tipoMoneda": string(enum=["USD"]),
    })


def emisor():
    return obj({
        "tipoDocumento": string(enum=["36"]),
        "numDocumento": string(9, 14, pattern=NIT),
        "nrc": string(2, 8, pattern=NRC, nullable=True),
        "nombre": string(1, 250),
        "codActividad": string(5, 6, pattern=ACTIVIDAD),
        "descActividad": string(5, 150),
        "nombreComercial": string(1, 150, nullable=True),
        "direccion": direccion(),
        "telefono": string(8, 30),
        "correo": string(6, 100),
        "codEstable": string(4, 4, nullable=True),
        "codPuntoVenta": string(1, 15, nullable=True),
    })


def receptor():
    return obj({
        "tipoDocumento": string(enum=DOC_IDENTIFICACION),
        "numDocumento": string(1, 20),
        "nrc": string(2, 8, pattern=NRC, nullable=True),
        "nombre": string(1, 250),
        "codActividad": string(5, 6, pattern=ACTIVIDAD, nullable=True),
        "descActividad": string(1, 150, nullable=True),
        "direccion": direccion(nullable=True),
        "telefono": string(8, 30, nullable=True),
        "correo": string(6, 100, nullable=True),
        "codDomiciliado": integer(enum=[1, 2]),  # CAT-032
        "codPais": string(pattern=COUNTRY_2026),
    }, conditions=[
        when({"codDomiciliado": {"const": 1}}, {"direccion": {"type": "object"}}),
        when({"codDomiciliado": {"const": 2}}, {"direccion": {"type": "null"}}),
    ])


def otros_documentos():
    return array(obj({
        "codDocAsociado": integer(enum=[1, 2], nullable=True),
        "descDocumento": string(3, 100, nullable=True),
        "detalleDocumento": string(3, 300, nullable=True),
    }), min_items=1, max_items=10)


def item():
    return obj({
        "numItem": integer(minimum=1, maximum=2000),
        "tipoDonacion": integer(enum=[1, 2, 3]),  # CAT-026
        "cantidad": amount(ITEM_STEP, minimum=None, exclusive_minimum=0),
        "codigo": string(1, 25, nullable=True),
        "uniMedida": integer(minimum=1, maximum=99),
        "descripcion": string(1, 1500),
        "tipoDepreciacion": amount(ITEM_STEP),
        "valorUni": amount(ITEM_STEP),
        "valor": amount(ITEM_STEP),
    }, conditions=[
        when({"tipoDonacion": {"enum": [1, 3]}}, {"tipoDepreciacion": {"const": 0}, "uniMedida": {"const": 99}}),
    ])


def resumen():
    return obj({
        "valorTotal": amount(),
        "totalLetras": string(1, 200, nullable=True),
        "pagos": array(obj({
            "codigo": string(max_length=2, pattern="^(0[1-9]|1[0-4]|99)$", nullable=True),  # CAT-017
            "montoPago": amount(),
            "referencia": string(max_length=50, nullable=True),
        }), min_items=1, nullable=True),
    })


def schema():
    return document("Comprobante de Donación v2 (Facturador)", {
        "identificacion": identificacion(),
        "emisor": emisor(),
        "receptor": receptor(),
        "otrosDocumentos": otros_documentos(),
        "cuerpoDocumento": array(item(), min_items=1, max_items=2000),
        "resumen": resumen(),
        "apendice": apendice(),
    }, required=["identificacion", "receptor", "emisor", "cuerpoDocumento", "resumen", "otrosDocumentos", "apendice"])
