"""MH's minimum tests before a company may issue in production: how many documents of each type
and how many events must obtain a seal (sello) in the test environment (ambiente 00). Loaded into
``onboarding.TestRequirement`` by migration 0002 and editable in the admin (audited), so a count
MH changes is changed without a release.

Sources (checked for this release, ../shared/spec):
- The per-type DTE counts: MH's *Manual Funcional del Sistema de Transmisión* v1.1 (2023), as
  transcribed in sv-dte-facts.md §8, and confirmed unchanged in the manual's v1.2 (10/2025) and
  v2.0 (05/2026) §XXIV (sv-tax-facts-2.md §1, source class [D]: MH's own document, read as a
  copy in github.com/Josue92-lab/dte-platform docs/mh/).
- The events: invalidación 5, contingencia 5 (same manuals), and the v2.0 events retorno 5 and
  operaciones especiales 5 (Manual Funcional v2.0 §XXIV). Invalidation tests are always required;
  a company on the Sistema de Transmisión (this product) also needs the contingency tests
  (Manual para la obtención de la Autorización como Emisor 1.0, sv-tax-facts-2.md §1 step 5).
- Only documents and events that obtained a seal count (Guía del Proceso de Incorporación 1.3).
- Disagreeing public figures: one implementer's README (github.com/Alfredo-medrano/Back-DTE)
  lists NR 25 and FEX 25 and no figures for CR/CL/DCL/CD; it cites no MH document, so MH's
  manual is followed. A search of public pages, documentation and issue trackers (2026) found no
  other published table. The portal's "Inicio" page shows MH's own count per type: if it asks
  for more than this table, raise the count in the admin.
"""

from collections import namedtuple

Requirement = namedtuple("Requirement", "code kind name required mandatory generation source")

MANUAL = "MH, Manual Funcional del Sistema de Transmisión v1.1 (2023), v1.2 y v2.0 §XXIV"
MANUAL_V2 = "MH, Manual Funcional del Sistema de Transmisión v2.0 (05/2026) §XXIV"

REQUIREMENTS = [
    # code, kind, name (Spanish, as MH names it), sealed documents required, always required,
    # generation it exists in ("" every one), source
    Requirement("01", "dte", "Factura", 90, False, "", MANUAL),
    Requirement("03", "dte", "Comprobante de Crédito Fiscal", 75, False, "", MANUAL),
    Requirement("04", "dte", "Nota de Remisión", 50, False, "", MANUAL),
    Requirement("05", "dte", "Nota de Crédito", 50, False, "", MANUAL),
    Requirement("06", "dte", "Nota de Débito", 25, False, "", MANUAL),
    Requirement("07", "dte", "Comprobante de Retención", 50, False, "", MANUAL),
    Requirement("08", "dte", "Comprobante de Liquidación", 75, False, "", MANUAL),
    Requirement("09", "dte", "Documento Contable de Liquidación", 50, False, "", MANUAL),
    Requirement("11", "dte", "Factura de Exportación", 90, False, "", MANUAL),
    Requirement("14", "dte", "Factura de Sujeto Excluido", 25, False, "", MANUAL),
    Requirement("15", "dte", "Comprobante de Donación", 25, False, "", MANUAL),
    Requirement("invalidacion", "event", "Evento de invalidación", 5, True, "", MANUAL),
    Requirement("contingencia", "event", "Evento de contingencia", 5, True, "", MANUAL),
    Requirement("retorno", "event", "Evento de retorno", 5, False, "2026", MANUAL_V2),
    Requirement("operaciones_especiales", "event", "Evento de operaciones especiales", 5, False, "2026", MANUAL_V2),
]


def load(model):
    """Create the rows that are missing (an admin's edits are kept). ``model`` is the historical
    model in a migration, the real one elsewhere (tests reseed after a flush)."""
    for position, r in enumerate(REQUIREMENTS, start=1):
        model.objects.get_or_create(code=r.code, defaults={
            "kind": r.kind, "name": r.name, "required": r.required, "mandatory": r.mandatory,
            "generation": r.generation, "source": r.source, "position": position})
