"""01 Factura (consumidor final), version 1 (2023 generation). B2C: prices include IVA, which
is reported per line in ivaItem and in total in resumen.totalIva, never as tributo 20; the
receptor may be left out below a threshold (facts §1, §2.2, §2.5).

Several parts here are looser or tighter than the shared parts.py helpers because MH's fe-fc-v1
differs from the CCF: those local variants are marked. The Factura de Exportación (fe_fex_v1)
reuses the emisor, ventaTercero and apendice written here.
"""

from dte.schemas.parts import (
    ACTIVIDAD,
    DOC_IDENTIFICACION,
    ESTABLECIMIENTO,
    ITEM_STEP,
    ITEM_TAXES,
    NIT,
    NRC,
    SPECIAL_TAXES,
    amount,
    array,
    direccion,
    document,
    documento_relacionado,
    identificacion,
    integer,
    obj,
    otros_documentos,
    pagos,
    string,
    tributos_resumen,
    when,
)

FILE = "fe-fc-v1.json"
TIPO, VERSION = "01", 1

DUI = "^[0-9]{8}-[0-9]$"  # Documento Único de Identidad, ########-# (facts §2.2)
# At or above this operation total the buyer must be identified (facts §2.2; the legal threshold
# has moved since, but the 2023 schema fixes it here).
RECEPTOR_REQUIRED_FROM = 1095
# IVA is inside a Factura's prices, so tributo 20 never appears on a line or in the resumen (facts §2.4).
FC_ITEM_TAXES = [code for code in ITEM_TAXES if code != "20"]
# Taxes summarised in a Factura's resumen: the item taxes less IVA; fe-fc-v1 also leaves out D4
# (otros impuestos, casos especiales) here.
FC_RESUMEN_TAXES = ["C3", "59", "71", "D1", "C8", "C5", "C6", "C7", "D5", "19", "28", "31", "32", "33", "34", "35",
                    "36", "37", "38", "39", "42", "43", "44", "50", "51", "52", "53", "54", "55", "58", "77", "78",
                    "79", "85", "86", "91", "92", "A1", "A5", "A7", "A9"]


def _identificacion():
    ident = identificacion(tipo=TIPO, version=VERSION)
    ident["properties"]["motivoContin"]["minLength"] = 5  # fe-fc-v1 asks for at least 5 characters
    return ident


def _documento_relacionado():
    # A Factura can refer to a Nota de Remisión or a DCL (facts §1), at most 10 of them; a
    # physical document is named by its printed correlative, at most 20 characters.
    related = documento_relacionado(["04", "09"])
    related["maxItems"] = 10
    related["items"]["allOf"].append(when({"tipoGeneracion": {"const": 1}}, {"numeroDocumento": {"maxLength": 20}}))
    return related


def emisor_properties():
    """The issuer as fe-fc-v1 and fe-fex-v1 describe it (longer names, shorter minimums than the CCF)."""
    return {
        "nit": string(pattern=NIT),
        "nrc": string(2, 8, pattern=NRC),
        "nombre": string(1, 250),
        "codActividad": string(5, 6, pattern=ACTIVIDAD),
        "descActividad": string(5, 150),
        "nombreComercial": string(5, 150, nullable=True),
        "tipoEstablecimiento": string(enum=ESTABLECIMIENTO),
        "direccion": direccion(),
        "telefono": string(8, 30),
        "correo": string(3, 100, fmt="email"),
        "codEstableMH": string(4, 4, nullable=True),
        "codEstable": string(4, 4, nullable=True),
        "codPuntoVentaMH": string(4, 4, nullable=True),
        "codPuntoVenta": string(1, 15, nullable=True),
    }


def emisor():
    return obj(emisor_properties())


def receptor():
    """A final consumer: the whole section, and every field in it, may be null (facts §2.2)."""
    address = direccion(nullable=True)
    address["properties"]["complemento"] = string(5, 200)
    return obj({
        "tipoDocumento": {**string(nullable=True), "enum": [None, *DOC_IDENTIFICACION]},
        "numDocumento": string(3, 20, nullable=True),
        "nrc": string(2, 8, pattern=NRC, nullable=True),
        "nombre": string(1, 250, nullable=True),
        "codActividad": string(5, 6, pattern=ACTIVIDAD, nullable=True),
        "descActividad": string(5, 150, nullable=True),
        "direccion": address,
        "telefono": string(8, 30, nullable=True),
        "correo": string(max_length=100, fmt="email", nullable=True),
    }, nullable=True, conditions=[
        # Identified by NIT: the number is a NIT. Only a NIT holder can be VAT-registered, so any
        # other document means no NRC (facts §2.2).
        when({"tipoDocumento": {"const": "36"}}, {"numDocumento": {"type": "string", "pattern": NIT}},
             {"nrc": {"type": "null"}}),
        when({"tipoDocumento": {"const": "13"}}, {"numDocumento": {"type": "string", "pattern": DUI}}),
    ])


def venta_tercero():
    # fe-fc-v1 and fe-fex-v1 allow principal names of 1–250 characters.
    return obj({"nit": string(pattern=NIT), "nombre": string(1, 250)}, nullable=True)


def item():
    return obj({
        "numItem": integer(minimum=1, maximum=2000),
        "tipoItem": integer(enum=[1, 2, 3, 4]),
        "numeroDocumento": string(1, 36, nullable=True),
        "codigo": string(1, 25, nullable=True),
        "codTributo": {**string(2, 2, nullable=True), "enum": SPECIAL_TAXES},
        "descripcion": string(max_length=1000),
        "cantidad": amount(ITEM_STEP, minimum=None, exclusive_minimum=0),
        "uniMedida": integer(minimum=1, maximum=99),
        "precioUni": amount(ITEM_STEP, minimum=None),  # fe-fc-v1 sets no lower bound on the unit price
        "montoDescu": amount(ITEM_STEP),
        "ventaNoSuj": amount(ITEM_STEP),
        "ventaExenta": amount(ITEM_STEP),
        "ventaGravada": amount(ITEM_STEP),
        "tributos": array(string(2, 2), min_items=1, nullable=True, unique=True),
        "psv": amount(ITEM_STEP),
        "noGravado": amount(ITEM_STEP, minimum=None, exclusive_minimum=-100000000000),
        "ivaItem": amount(ITEM_STEP),
    }, conditions=[
        # No taxed sale on the line: no taxes and no IVA inside it (facts §2.4, §2.5). Unlike the
        # CCF, a taxed line need not list anything: its IVA travels in ivaItem.
        when({"ventaGravada": {"maximum": 0}}, {"tributos": {"type": "null"}, "ivaItem": {"maximum": 0}}),
        # tipoItem 4 is a special-tax line (uniMedida 99, the tax in codTributo); other lines carry
        # no codTributo and may only list non-IVA taxes (facts §2.4).
        when({"tipoItem": {"const": 4}},
             {"uniMedida": {"const": 99}, "codTributo": {"type": "string"}, "tributos": {"type": "null"}},
             {"codTributo": {"type": "null"}, "tributos": {"items": {"enum": FC_ITEM_TAXES}}}),
    ])


def resumen():
    taxes = tributos_resumen()
    taxes["items"]["properties"]["codigo"]["enum"] = FC_RESUMEN_TAXES
    return obj({
        "totalNoSuj": amount(),
        "totalExenta": amount(),
        "totalGravada": amount(),
        "subTotalVentas": amount(),
        "descuNoSuj": amount(),
        "descuExenta": amount(),
        "descuGravada": amount(),
        "porcentajeDescuento": {"type": "number", "minimum": 0, "maximum": 100, "multipleOf": 0.01},
        "totalDescu": amount(),
        "tributos": taxes,
        "subTotal": amount(),
        "ivaRete1": amount(),
        "reteRenta": amount(),
        "montoTotalOperacion": amount(),
        "totalNoGravado": amount(minimum=None, exclusive_minimum=-100000000000),
        "totalPagar": amount(),
        "totalLetras": string(max_length=200),
        "totalIva": amount(),  # Σ ivaItem (facts §2.5)
        "saldoFavor": {"type": "number", "maximum": 0, "exclusiveMaximum": 100000000000, "multipleOf": 0.01},
        "condicionOperacion": integer(enum=[1, 2, 3], kind="number"),
        "pagos": pagos(),
        "numPagoElectronico": string(max_length=100, nullable=True),
    }, conditions=[
        # No taxed sales: no IVA to withhold (facts §2.5).
        when({"totalGravada": {"maximum": 0}}, {"ivaRete1": {"maximum": 0}}),
    ])


def extension():
    # fe-fc-v1 wants names and documents of at least 5 characters, and any plate up to 10.
    five = {key: string(5, top, nullable=True)
            for key, top in (("nombEntrega", 100), ("docuEntrega", 25), ("nombRecibe", 100), ("docuRecibe", 25))}
    return obj({**five, "observaciones": string(max_length=3000, nullable=True),
                "placaVehiculo": string(max_length=10, nullable=True)}, nullable=True)


def apendice():
    # fe-fc-v1 and fe-fex-v1 only bound the lengths from above.
    return array(obj({"campo": string(max_length=25), "etiqueta": string(max_length=50), "valor": string(max_length=150)}),
                 min_items=1, max_items=10, nullable=True)


def schema():
    doc = document("Factura v1 (Facturador)", {
        "identificacion": _identificacion(),
        "documentoRelacionado": _documento_relacionado(),
        "emisor": emisor(),
        "receptor": receptor(),
        "otrosDocumentos": otros_documentos(),
        "ventaTercero": venta_tercero(),
        "cuerpoDocumento": array(item(), min_items=1, max_items=2000),
        "resumen": resumen(),
        "extension": extension(),
        "apendice": apendice(),
    })
    # From the threshold on, the buyer is named and identified (facts §2.2).
    doc["allOf"] = [when(
        {"resumen": {"properties": {"montoTotalOperacion": {"minimum": RECEPTOR_REQUIRED_FROM}}}},
        {"receptor": {"type": "object", "properties": {key: {"type": "string"}
                                                        for key in ("tipoDocumento", "numDocumento", "nombre")}}},
    )]
    return doc
