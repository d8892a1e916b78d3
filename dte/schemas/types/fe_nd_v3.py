"""06 Nota de Débito, version 3 (2023 generation). Increases a CCF or a Comprobante de Retención
already sealed (facts §1). Same shape as the 05 Nota de Crédito, except that the emisor's
telephone may be null and the resumen keeps `numPagoElectronico` (facts §2.5)."""

from dte.schemas.types.fe_nc_v3 import note_schema

FILE = "fe-nd-v3.json"
TIPO, VERSION = "06", 3


def schema():
    return note_schema("Nota de Débito v3 (Facturador)", TIPO, VERSION, telefono_nullable=True, pago_electronico=True)
