"""06 Nota de Débito, version 4 (2026 generation). Increases a sealed CCF or CR; the shape of the
NC v4 (fe_nc_v4) plus numPagoElectronico in the resumen.

MH's own fe-nd-v4.json names the tributos array of its items and of its resumen "" (an empty
key; sv-tax-facts-2.md §2 "Defect"): ours names it ``tributos``, as the NC v4 and every other
type do; dte.schemas.validation.corrected_official explains how the official file is checked."""

from dte.schemas.types.fe_nc_v4 import note_schema

FILE = "fe-nd-v4.json"
TIPO, VERSION = "06", 4


def schema():
    return note_schema("Nota de Débito v4 (Facturador)", TIPO, VERSION, pago_electronico=True)
