"""Which schema version MH expects per document type, per generation: data, not code.
The 2026 generation (Normativa v2.0) is added beside 2023 when its issue comes."""

GENERATIONS = {
    "2023": {
        "dte": {
            "01": ("fe_fc_v1", 1),
            "03": ("fe_ccf_v3", 3),
            "04": ("fe_nr_v3", 3),
            "05": ("fe_nc_v3", 3),
            "06": ("fe_nd_v3", 3),
            "07": ("fe_cr_v1", 1),
            "11": ("fe_fex_v1", 1),
            "14": ("fe_fse_v1", 1),
        },
        "events": {
            "anulacion": ("anulacion_v2", 2),
            "contingencia": ("contingencia_v3", 3),
        },
    },
}
DEFAULT_GENERATION = "2023"


def version_for(tipo_dte, generation=DEFAULT_GENERATION):
    return GENERATIONS[generation]["dte"][tipo_dte][1]


def event_version(kind, generation=DEFAULT_GENERATION):
    return GENERATIONS[generation]["events"][kind][1]
