"""09 Documento Contable de Liquidación, version 2 (2026 generation; sv-tax-facts-2.md §6):
porcentComision becomes a number 0–100, iva 2 decimals; the emisor's codes are codigo/puntoVenta;
the receptor's address may be null and its MH codes are gone; extension kept (the only type that
keeps it in v2.0, facts §2.3). Still modelo 1 / operación 1 only, without fusion."""

from dte.schemas.parts import NIT, NRC, amount, integer, obj, string
from dte.schemas.parts_2026 import direccion, document, porcentaje
from dte.schemas.parts_2026 import identificacion as identificacion_2026
from dte.schemas.types.fe_dcl_v1 import apendice, positive

FILE = "fe-dcl-v2.json"
TIPO, VERSION = "09", 2


def identificacion_dcl():
    ident = identificacion_2026(tipo=TIPO, version=VERSION)
    for key in ("tipoContingencia", "motivoContin"):
        ident["properties"].pop(key)
        ident["required"].remove(key)
    ident.pop("allOf", None)
    ident["properties"]["tipoModelo"] = integer(const=1, kind="number")
    ident["properties"]["tipoOperacion"] = integer(const=1)
    return ident


def emisor():
    return obj({
        "nit": string(pattern=NIT),
        "nrc": string(2, 8, pattern=NRC),
        "nombre": string(1, 250),
        "codActividad": string(5, 6),
        "descActividad": string(5, 150),
        "nombreComercial": string(1, 150, nullable=True),
        "telefono": string(8, 30),
        "correo": string(6, 100),
        "direccion": direccion(),
        "codigo": string(4, 4, nullable=True),
        "puntoVenta": string(1, 15, nullable=True),
    })


def receptor():
    return obj({
        "nit": string(pattern=NIT),
        "nrc": string(2, 8, pattern=NRC, nullable=True),
        "nombre": string(1, 250),
        "telefono": string(8, 30, nullable=True),
        "correo": string(6, 100),
        "direccion": direccion(nullable=True),
        "tipoEstablecimiento": string(enum=["01", "02", "04", "07", "20"]),  # CAT-009
        "codActividad": string(5, 6),
        "descActividad": string(5, 150),
        "nombreComercial": string(1, 150, nullable=True),
    })


def cuerpo():
    return obj({
        "periodoLiquidacionFechaInicio": string(fmt="date"),
        "periodoLiquidacionFechaFin": string(fmt="date"),
        "valorOperaciones": positive(),
        "subTotal": positive(),
        "iva": positive(),
        "montoSujetoPercepcion": positive(),
        "ivaPercibido": positive(),
        "comision": amount(),
        "porcentComision": porcentaje(),
        "ivaComision": amount(),
        "liquidoApagar": positive(),
        "codLiquidacion": string(1, 30, nullable=True),
        "cantidadDoc": {"type": ["number", "null"], "exclusiveMinimum": 0, "exclusiveMaximum": 1000000000},
        "montoSinPercepcion": amount(nullable=True),
        "descripSinPercepcion": string(1, 100, nullable=True),
        "totalLetras": string(1, 200),
        "observaciones": string(1, 1000, nullable=True),
    })


def extension():
    return obj({
        "nombEntrega": string(1, 100),
        "docuEntrega": string(1, 25),
        "codEmpleado": string(1, 15, nullable=True),
    })


def schema():
    return document("Documento Contable de Liquidación v2 (Facturador)", {
        "identificacion": identificacion_dcl(),
        "emisor": emisor(),
        "receptor": receptor(),
        "cuerpoDocumento": cuerpo(),
        "extension": extension(),
        "apendice": apendice(),
    })
