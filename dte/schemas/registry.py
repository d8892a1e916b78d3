"""Which schema version MH expects per document type and event, per generation: data, not code
(facts §9: "build the schema version as data, per type, per effective date").

Which generation applies when is data too (dte.models.SchemaGeneration, resolved by
dte.generations); this module only says what each generation is made of. A type joins a
generation by adding its line under "dte" and its schema module under dte/schemas/types/ (as 08
CL and 09 DCL did; sv-tax-facts-2.md §6). Neither 08 nor 09 may be issued in contingency in
either generation (facts §5), so they are not in "contingency_types".
"""

from django.utils.translation import gettext as _

GENERATIONS = {
    "2023": {
        "dte": {
            "01": ("fe_fc_v1", 1),
            "03": ("fe_ccf_v3", 3),
            "04": ("fe_nr_v3", 3),
            "05": ("fe_nc_v3", 3),
            "06": ("fe_nd_v3", 3),
            "07": ("fe_cr_v1", 1),
            "08": ("fe_cl_v1", 1),
            "09": ("fe_dcl_v1", 1),
            "11": ("fe_fex_v1", 1),
            "14": ("fe_fse_v1", 1),
            "15": ("fe_cd_v1", 1),
        },
        "events": {
            "anulacion": ("anulacion_v2", 2),
            "contingencia": ("contingencia_v3", 3),
        },
        # Types MH takes in contingency (CAT-023, 2023 edition; facts §5).
        "contingency_types": ("01", "03", "04", "05", "06", "11", "14"),
        # DTEs one Evento de Contingencia may list (facts §5).
        "contingency_event_max": 1000,
        # The catalog edition the generation's codes come from (catalogs.models.Edition).
        "catalog_edition": "2023",
    },
    # Normativa v2.0 (facts §9, sv-tax-facts-2.md §2; mh-schemas-2026/SOURCES.md).
    "2026": {
        "dte": {
            "01": ("fe_f_v2", 2),
            "03": ("fe_ccf_v4", 4),
            "04": ("fe_nr_v4", 4),
            "05": ("fe_nc_v4", 4),
            "06": ("fe_nd_v4", 4),
            "07": ("fe_cr_v2", 2),
            "08": ("fe_cl_v2", 2),
            "09": ("fe_dcl_v2", 2),
            "11": ("fe_fex_v3", 3),
            "14": ("fe_fse_v2", 2),
            "15": ("fe_cd_v2", 2),
        },
        "events": {
            "anulacion": ("invalidacion_v3", 3),
            "contingencia": ("contingencia_v4", 4),
            # The events Normativa v2.0 adds (sv-tax-facts-2.md §2); the 2023 generation has none.
            "retorno": ("fe_eret_v1", 1),
            "operaciones": ("fe_eop_v1", 1),
        },
        # v2.0 adds the Comprobante de Retención (07) to contingency (facts §5).
        "contingency_types": ("01", "03", "04", "05", "06", "07", "11", "14"),
        # v2.0: at most 1,000 DTEs per event (facts §5).
        "contingency_event_max": 1000,
        "catalog_edition": "2026",
    },
}
DEFAULT_GENERATION = "2023"
EVENT_KINDS = ("anulacion", "contingencia", "retorno", "operaciones")
# Events that exist only from Normativa v2.0 on: a generation before it has no schema for them,
# and issuing one while such a generation is in force is refused (dte.events).
V2_ONLY_EVENTS = ("retorno", "operaciones")
# tipoEvento of the v2.0 events (sv-tax-facts-2.md §2; facts §1: 17, 18).
TIPO_EVENTO = {"retorno": "18", "operaciones": "17"}


class UnknownGeneration(LookupError):
    """A generation (or a type within one) this product has no schemas for; the message is
    Spanish and says what to change."""


def is_known(generation):
    return generation in GENERATIONS


def _generation(generation):
    try:
        return GENERATIONS[generation]
    except KeyError:
        raise UnknownGeneration(
            _("La generación de esquemas «%(g)s» no existe (conocidas: %(k)s). Corrija la configuración "
              "en Administración → Generaciones de esquemas MH.") % {"g": generation, "k": ", ".join(GENERATIONS)}
        ) from None


def entry(kind, generation=DEFAULT_GENERATION):
    """(schema module, version) of a DTE type ("01") or an event ("anulacion") in a generation."""
    spec = _generation(generation)
    section = "events" if kind in EVENT_KINDS else "dte"
    try:
        return spec[section][kind]
    except KeyError:
        raise UnknownGeneration(
            _("La generación de esquemas «%(g)s» no incluye el tipo «%(t)s».") % {"g": generation, "t": kind}
        ) from None


def version_for(tipo_dte, generation=DEFAULT_GENERATION):
    return entry(tipo_dte, generation)[1]


def event_version(kind, generation=DEFAULT_GENERATION):
    return entry(kind, generation)[1]


def contingency_types(generation=DEFAULT_GENERATION):
    return _generation(generation)["contingency_types"]


def contingency_event_max(generation=DEFAULT_GENERATION):
    return _generation(generation)["contingency_event_max"]


def catalog_edition(generation=DEFAULT_GENERATION):
    return _generation(generation)["catalog_edition"]


def generation_of_version(kind, version):
    """The generation whose schema for ``kind`` has this version (a stored document's or event's)."""
    for name, spec in GENERATIONS.items():
        section = "events" if kind in EVENT_KINDS else "dte"
        if spec[section].get(kind, (None, None))[1] == version:
            return name
    return None
