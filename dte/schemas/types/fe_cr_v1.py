"""07 Comprobante de Retención, version 1 (2023 generation). Issued by an IVA-withholding agent to
its supplier; each line names one withheld document (facts §1, §2.5 "Retención / percepción").
No documentoRelacionado, otrosDocumentos or ventaTercero; the issuer's establishment codes use
their own key names (codigoMH, codigo, puntoVentaMH, puntoVenta; facts §2.2)."""

from dte.schemas.parts import (
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

FILE = "fe-cr-v1.json"
TIPO, VERSION = "07", 1

# CAT-009 as the CR v1 schema accepts it: no 07 (predio/patio), but 20 (otro).
ESTABLECIMIENTO_CR = ["01", "02", "04", "20"]
# CAT-022 identity documents of the withheld supplier.
DOC_RECEPTOR = ["36", "13", "37", "03", "02"]
# CAT-006: 22 = 1 % withheld, C4 = 13 %, C9 = other special cases (facts §2.5).
CODIGO_RETENCION = ["22", "C4", "C9"]
# The withheld document may be a Factura, a CCF or a Factura de Sujeto Excluido (facts §1).
DTE_RETENIDO = ["14", "03", "01"]
ACTIVIDAD_CR = "^[0-9]{5,6}$"  # CAT-019 codes, 5–6 digits in this schema


def identificacion_cr():
    """CR v1 cannot be issued in contingency (facts §2.1, §5): modelo previo, transmisión normal,
    no contingency data. MH types tipoModelo as a number here, as in the types that allow both."""
    ident = identificacion(tipo=TIPO, version=VERSION, contingency=False)
    ident["properties"]["tipoModelo"] = integer(const=1, kind="number")
    return ident


def direccion_cr():
    """The shared address, with the longer minimum complemento CR v1 asks for."""
    address = direccion()
    address["properties"]["complemento"] = string(5, 200)
    return address


def emisor():
    return obj({
        "nit": string(pattern=NIT),
        "nrc": string(pattern=NRC),  # only a registered taxpayer can be a withholding agent
        "nombre": string(1, 250),
        "codActividad": string(5, 6, pattern=ACTIVIDAD_CR),
        "descActividad": string(5, 150),
        "nombreComercial": string(1, 150, nullable=True),
        "tipoEstablecimiento": string(enum=ESTABLECIMIENTO_CR),
        "direccion": direccion_cr(),
        "telefono": string(8, 30, pattern="^[A-Z0-9]{8,30}$", nullable=True),
        "codigoMH": string(4, 4, nullable=True),
        "codigo": string(4, 4, nullable=True),
        "puntoVentaMH": string(4, 4, nullable=True),
        "puntoVenta": string(1, 15, nullable=True),
        "correo": string(3, 100, fmt="email"),
    })


def receptor():
    """The supplier whose IVA was withheld; always identified (not nullable)."""
    return obj({
        "tipoDocumento": string(enum=DOC_RECEPTOR),
        "numDocumento": string(3, 20),
        "nrc": string(2, 8, pattern=NRC, nullable=True),
        "nombre": string(1, 250),
        "codActividad": string(pattern=ACTIVIDAD_CR),
        "descActividad": string(5, 150),
        "nombreComercial": string(1, 150, nullable=True),
        "direccion": direccion_cr(),
        "telefono": string(8, 30, pattern="^[0-9+;]{8,30}$", nullable=True),
        "correo": string(max_length=100, fmt="email"),
    }, conditions=[
        # The identity number must have the shape of the document it claims to be: NIT 14 or 9
        # digits, DUI 9 digits without dash (facts §2.2).
        when({"tipoDocumento": {"const": "36"}}, {"numDocumento": {"pattern": NIT}}),
        when({"tipoDocumento": {"const": "13"}}, {"numDocumento": {"pattern": "^[0-9]{9}$"}}),
    ])


def item():
    """One withheld document (facts §1). MH's schema attaches the physical (≤20 alphanumerics) /
    electronic (UUID) format rule to a key named codGeneracion, which CR lines do not have, so the
    rule never applies to numDocumento; we agree with that published behaviour and leave the
    format check of numDocumento to the application."""
    return obj({
        "numItem": integer(minimum=1, maximum=500),
        "tipoDte": string(enum=DTE_RETENIDO),
        "tipoDoc": integer(enum=[1, 2]),  # CAT-007: 1 físico, 2 electrónico
        "numDocumento": string(),
        "fechaEmision": string(fmt="date"),
        # A retention needs a base of at least one dollar and withholds at least one cent.
        "montoSujetoGrav": amount(minimum=1),
        "codigoRetencionMH": string(enum=CODIGO_RETENCION),
        "ivaRetenido": amount(minimum=0.01),
        "descripcion": string(max_length=1000),
    })


def resumen():
    # totalSujetoRetencion = Σ montoSujetoGrav, totalIVAretenido = Σ ivaRetenido (facts §2.5).
    return obj({
        "totalSujetoRetencion": amount(),
        "totalIVAretenido": amount(),
        "totalIVAretenidoLetras": string(max_length=200),
    })


def extension():
    """Who delivers and who receives the document; CR v1 has no placaVehiculo (facts §2.3)."""
    return obj({
        "nombEntrega": string(5, 100, nullable=True),
        "docuEntrega": string(5, 25, nullable=True),
        "nombRecibe": string(5, 100, nullable=True),
        "docuRecibe": string(5, 25, nullable=True),
        "observaciones": string(max_length=3000, nullable=True),
    }, nullable=True)


def schema():
    return document("Comprobante de Retención v1 (Facturador)", {
        "identificacion": identificacion_cr(),
        "emisor": emisor(),
        "receptor": receptor(),
        "cuerpoDocumento": array(item(), min_items=1, max_items=500),
        "resumen": resumen(),
        "extension": extension(),
        "apendice": apendice(),
    })
