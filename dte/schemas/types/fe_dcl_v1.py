"""09 Documento Contable de Liquidación, version 1 (2023 generation). The card issuer or
administrator (agente perceptor) settles with an affiliated merchant the card sales of a period
and perceives 2 % of their net value (sv-tax-facts-2.md §6; facts §1: cuerpoDocumento is a single
object). The issuer's and the merchant's establishment codes use their own key names (codigoMH,
codigo, puntoVentaMH, puntoVentaContri; facts §2.2). Only modelo 1 / operación 1 (facts §2.1, §5).
The extension (who delivers it) is required, not nullable."""

from dte.schemas.parts import (
    ACTIVIDAD,
    ESTABLECIMIENTO,
    ITEM_STEP,
    LIMIT,
    NIT,
    NRC,
    amount,
    array,
    direccion,
    document,
    integer,
    obj,
    string,
)
from dte.schemas.types.fe_cl_v1 import identificacion_cl

FILE = "fe-dcl-v1.json"
TIPO, VERSION = "09", 1
TELEFONO = "^[0-9+;]{8,8}$"  # DCL v1: exactly 8 characters


def identificacion_dcl():
    ident = identificacion_cl()
    ident["properties"]["tipoDte"] = string(const=TIPO)
    ident["properties"]["version"] = integer(const=VERSION)
    ident["properties"]["numeroControl"] = string(31, 31, pattern=f"^DTE-{TIPO}-[A-Z0-9]{{8}}-[0-9]{{15}}$")
    return ident


def emisor():
    return obj({
        "nit": string(pattern=NIT),
        "nrc": string(pattern=NRC),
        "nombre": string(3, 200),
        "codActividad": string(5, 6, pattern=ACTIVIDAD),
        "descActividad": string(5, 150),
        "nombreComercial": string(5, 150, nullable=True),
        "tipoEstablecimiento": string(enum=ESTABLECIMIENTO),
        "telefono": string(8, 8, pattern=TELEFONO),
        "correo": string(3, 100, fmt="email"),
        "direccion": direccion(),
        "codigoMH": string(4, 4, nullable=True),
        "codigo": string(4, 4, nullable=True),
        "puntoVentaMH": string(4, 4, nullable=True),
        "puntoVentaContri": string(1, 15, nullable=True),
    })


def receptor():
    """The affiliated merchant: a VAT-registered taxpayer, with its own establishment."""
    return obj({
        "nit": string(pattern=NIT),
        "nrc": string(pattern=NRC),
        "nombre": string(1, 250),
        "telefono": string(8, 8, pattern=TELEFONO, nullable=True),
        "correo": string(max_length=100, fmt="email"),
        "direccion": direccion(),
        "tipoEstablecimiento": string(enum=ESTABLECIMIENTO),
        "codActividad": string(5, 6, pattern=ACTIVIDAD),
        "descActividad": string(5, 150),
        "nombreComercial": string(5, 150, nullable=True),
        "codigoMH": string(4, 4, nullable=True),
        "puntoVentaMH": string(4, 4, nullable=True),
    })


def positive(step=0.01):
    return amount(step, minimum=None, exclusive_minimum=0)


def cuerpo():
    return obj({
        "periodoLiquidacionFechaInicio": string(1, 200, fmt="date"),
        "periodoLiquidacionFechaFin": string(1, 200, fmt="date"),
        "valorOperaciones": positive(),
        "subTotal": positive(),
        "iva": positive(ITEM_STEP),
        "montoSujetoPercepcion": positive(),
        "ivaPercibido": positive(),
        "comision": amount(),
        "porcentComision": string(1, 100, nullable=True),
        "ivaComision": amount(),
        "liquidoApagar": positive(),
        "codLiquidacion": string(1, 30, nullable=True),
        "cantidadDoc": {"type": ["number", "null"], "exclusiveMaximum": LIMIT, "exclusiveMinimum": 0, "multipleOf": 1},
        "montoSinPercepcion": amount(),
        "descripSinPercepcion": string(1, 100, nullable=True),
        "totalLetras": string(8, 200),
        "observaciones": string(max_length=200, nullable=True),
    })


def extension():
    return obj({
        "nombEntrega": string(5, 100),
        "docuEntrega": string(5, 25),
        "codEmpleado": string(1, 15, nullable=True),
    })


def apendice():
    return array(obj({"campo": string(2, 25), "etiqueta": string(3, 50), "valor": string(1, 150)}),
                 min_items=1, max_items=10, nullable=True)


def schema():
    return document("Documento Contable de Liquidación v1 (Facturador)", {
        "identificacion": identificacion_dcl(),
        "emisor": emisor(),
        "receptor": receptor(),
        "cuerpoDocumento": cuerpo(),
        "extension": extension(),
        "apendice": apendice(),
    })
