"""The catalog numbers, their titles, and how wide MH writes their codes."""

from django.utils.translation import gettext_lazy as _

TITLES = {
    "CAT-001": _("Ambiente de destino"),
    "CAT-002": _("Tipo de documento"),
    "CAT-003": _("Modelo de facturación"),
    "CAT-004": _("Tipo de transmisión"),
    "CAT-005": _("Tipo de contingencia"),
    "CAT-006": _("Retención IVA MH"),
    "CAT-007": _("Tipo de generación del documento"),
    "CAT-008": _("Distrito"),
    "CAT-009": _("Tipo de establecimiento"),
    "CAT-010": _("Tipo de servicio (médico)"),
    "CAT-011": _("Tipo de ítem"),
    "CAT-012": _("Departamento"),
    "CAT-013": _("Municipio"),
    "CAT-014": _("Unidad de medida"),
    "CAT-015": _("Tributos"),
    "CAT-016": _("Condición de la operación"),
    "CAT-017": _("Forma de pago"),
    "CAT-018": _("Plazo"),
    "CAT-019": _("Actividad económica"),
    "CAT-020": _("País"),
    "CAT-021": _("Otros documentos asociados"),
    "CAT-022": _("Tipo de documento de identificación"),
    "CAT-023": _("Operaciones especiales / documentos en contingencia"),
    "CAT-024": _("Tipo de invalidación"),
    "CAT-025": _("Título a que se remiten los bienes"),
    "CAT-026": _("Tipo de donación"),
    "CAT-027": _("Recinto fiscal"),
    "CAT-028": _("Régimen"),
    "CAT-029": _("Tipo de persona"),
    "CAT-030": _("Transporte"),
    "CAT-031": _("INCOTERMS"),
    "CAT-032": _("Domicilio fiscal"),
    "CAT-033": _("Tipo de régimen"),
}

# MH's workbook stores many codes as Excel numbers, losing leading zeros. These catalogs are
# written zero-padded in the JSON schemas; every other numeric code stays as it is.
CODE_WIDTH = {
    "CAT-001": 2, "CAT-002": 2, "CAT-008": 2, "CAT-009": 2, "CAT-012": 2, "CAT-013": 2, "CAT-017": 2,
    "CAT-018": 2, "CAT-022": 2, "CAT-023": 2, "CAT-025": 2, "CAT-027": 2, "CAT-031": 2, "CAT-019": 5,
}

# Catalogs whose rows belong to a departamento (CAT-012).
PARENTED = {"CAT-008", "CAT-013"}


def normalize_code(catalog, raw):
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    code = str(raw).strip()
    width = CODE_WIDTH.get(catalog)
    if width and code.isdigit():
        code = code.zfill(width)
    return code
