"""Which generation of MH's schemas a document or event is issued in (facts §9).

A new document: the SchemaGeneration row in force for its type at the moment it is issued (a
switch at 14:00 leaves the 13:59 documents in the old generation), else
settings.DTE_SCHEMA_GENERATION. An issued document keeps its own (Document.generation): what
follows from it (its correction after a rejection, a credit or debit note against it, its
invalidation event, its contingency event and lot, its reprints and downloads) is written in that
generation, so MH receives each piece in the shape the original was sealed in."""

from django.conf import settings
from django.db.models import (
    Case,
    DateTimeField,
    ExpressionWrapper,
    FloatField,
    Func,
    IntegerField,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core.fiscal import NOTE_TYPES
from dte.models import SchemaGeneration, SchemaKind
from dte.schemas import registry


class GenerationRefused(Exception):
    """No usable generation: the message says why, in Spanish."""


def _rows_in_force(kind, at):
    """The rows for ``kind`` (or all kinds) in force at ``at``, the one that applies first: the
    latest, and of two at the same moment the one for this kind."""
    return (SchemaGeneration.objects.filter(Q(kind=kind) | Q(kind=SchemaKind.ALL), effective_from__lte=at)
            .annotate(own=Case(When(kind=kind, then=Value(1)), default=Value(0), output_field=IntegerField()))
            .order_by("-effective_from", "-own").values("generation")[:1])


def generation_in_force(kind, *, at):
    """The generation configured for ``kind`` (a DTE type or an event) at ``at``, unchecked."""
    row = _rows_in_force(kind, at).first()
    return row["generation"] if row else settings.DTE_SCHEMA_GENERATION


def in_force_annotation(kind, at_microseconds):
    """``generation_in_force`` as a subquery, for the query that loads a draft to issue: the
    configured generation ("" without a row). The moment comes as microseconds since the epoch,
    an integer, so a prepared statement takes it as a parameter (dte.prepared)."""
    at = Func(ExpressionWrapper(Value(at_microseconds) / Value(1_000_000.0), output_field=FloatField()),
              function="to_timestamp", output_field=DateTimeField())
    return Coalesce(Subquery(_rows_in_force(kind, at)), Value(""))


def microseconds(moment):
    """``moment`` as in_force_annotation takes it."""
    return int(moment.timestamp() * 1_000_000)


def checked(generation, kind):
    """``generation`` if it has a schema for ``kind``; GenerationRefused otherwise."""
    try:
        registry.entry(kind, generation)
    except registry.UnknownGeneration as exc:
        raise GenerationRefused(str(exc)) from None
    return generation


def of_document(document):
    """The generation an issued document was issued in (older rows: from their version)."""
    if document.generation:
        return document.generation
    if document.version:
        found = registry.generation_of_version(document.tipo_dte, document.version)
        if found:
            return found
    return registry.DEFAULT_GENERATION


def for_issue(document, *, related=(), at, correcting=False, in_force=None):
    """The generation to issue ``document`` in (see the module's docstring). ``in_force``: what
    in_force_annotation read for it at ``at`` with the document ("" for no row), if it did."""
    if correcting and document.generation:
        return checked(document.generation, document.tipo_dte)
    if document.tipo_dte in NOTE_TYPES:
        # A note names the CCF or CR it changes; it is written in that document's generation.
        targets = {of_document(r.target) for r in related if getattr(r, "target_id", None)}
        if len(targets) > 1:
            raise GenerationRefused(_("Los documentos relacionados son de generaciones distintas (%(g)s): emita una "
                                      "nota por cada generación.") % {"g": ", ".join(sorted(targets))})
        if targets:
            return checked(targets.pop(), document.tipo_dte)
    if in_force is None:
        in_force = generation_in_force(document.tipo_dte, at=at)
    return checked(in_force or settings.DTE_SCHEMA_GENERATION, document.tipo_dte)


def catalog_edition_for(document, *, at=None):
    """The catalog edition (catalogs.models.Edition) the forms check ``document``'s MH codes
    against: its own generation's once issued (a correction keeps it), else the generation in force
    for its type now (not the global MH_CATALOG_EDITION: the codes must be the ones the document
    will be written with, registry "catalog_edition"). A generation without schemas falls back to
    the default one's edition here; issuing refuses it with its own message (for_issue)."""
    generation = document.generation or generation_in_force(document.tipo_dte, at=at or timezone.now())
    return registry.catalog_edition(generation if registry.is_known(generation) else registry.DEFAULT_GENERATION)


def for_event(kind, *, document=None, at=None):
    """An event's generation: the document's it names (invalidation), else the one in force."""
    if document is not None:
        return checked(of_document(document), kind)
    return checked(generation_in_force(kind, at=at), kind)
