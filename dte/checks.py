"""Start-up checks of the schema generations (facts §9): a generation the product has no schemas
for must stop the start, not the first sale of the day."""

from django.conf import settings
from django.core.checks import Error
from django.db import DatabaseError

from core.fiscal import DocType
from dte.schemas import registry


def schema_generations(app_configs=None, **kwargs):
    errors = []
    default = settings.DTE_SCHEMA_GENERATION
    if not registry.is_known(default):
        errors.append(Error(
            f"DTE_SCHEMA_GENERATION={default!r}: esa generación de esquemas de MH no existe "
            f"(conocidas: {', '.join(registry.GENERATIONS)}).",
            hint="Use una de las conocidas en la variable de entorno DTE_SCHEMA_GENERATION.", id="dte.E001"))
    for name, spec in registry.GENERATIONS.items():
        missing = [t for t in DocType.values if t not in spec["dte"]]
        missing += [k for k in registry.EVENT_KINDS if k not in spec["events"] and k not in registry.V2_ONLY_EVENTS]
        if missing:
            errors.append(Error(f"La generación {name} no tiene esquema para: {', '.join(missing)}.",
                                hint="dte/schemas/registry.py debe cubrir cada tipo que el producto emite.",
                                id="dte.E002"))
    errors += _rows()
    errors += _deadline_rules()
    return errors


def _deadline_rules():
    """settings.DTE_INVALIDATION_DEADLINES (dte.deadlines): a table per known generation, each with
    a "*" rule, every rule one apply_rule understands; DTE_NON_BUSINESS_DAYS ISO dates."""
    import datetime  # noqa: PLC0415 - only this check needs it

    from dte.deadlines import apply_rule  # noqa: PLC0415 - dte.deadlines reads dte.models, not loaded yet here

    out = []
    tables = settings.DTE_INVALIDATION_DEADLINES
    for generation in registry.GENERATIONS:
        table = tables.get(generation) or {}
        if "*" not in table:
            out.append(Error(f"DTE_INVALIDATION_DEADLINES: la generación {generation} no tiene regla «*».",
                             hint="Cada generación necesita una regla para los demás tipos, p. ej. *=1d.", id="dte.E004"))
        for tipo, rule in table.items():
            try:
                apply_rule(rule, datetime.datetime(2026, 1, 1))
            except ValueError:
                out.append(Error(f"DTE_INVALIDATION_DEADLINES ({generation}, {tipo}): regla «{rule}» no válida.",
                                 hint="Use meses (3m), días (1d) o días hábiles del mes siguiente (10bd).", id="dte.E004"))
    for day in settings.DTE_NON_BUSINESS_DAYS:
        try:
            datetime.date.fromisoformat(day)
        except ValueError:
            out.append(Error(f"DTE_NON_BUSINESS_DAYS: «{day}» no es una fecha AAAA-MM-DD.", id="dte.E005"))
    return out


def _rows():
    """The configured rows (admin-editable data). Read here on purpose: a bad row must be seen
    at start-up; before the first migration the table does not exist yet and there is nothing to check."""
    from dte.models import SchemaGeneration, SchemaKind  # noqa: PLC0415 - dte.apps imports this module before models load

    try:
        rows = list(SchemaGeneration.objects.values_list("pk", "kind", "generation", "effective_from"))
    except DatabaseError:
        return []
    out = []
    for pk, kind, generation, effective_from in rows:
        # "every type and event": the v2.0-only events are not part of a generation before v2.0.
        kinds = ([k for k in SchemaKind.values if k != SchemaKind.ALL and k not in registry.V2_ONLY_EVENTS]
                 if kind == SchemaKind.ALL else [kind])
        for one in kinds:
            try:
                registry.entry(one, generation)
            except registry.UnknownGeneration as exc:
                out.append(Error(f"Generación de esquemas MH n.º {pk} ({kind}, desde {effective_from:%Y-%m-%d %H:%M}): "
                                 f"{exc}", id="dte.E003"))
                break
    return out
