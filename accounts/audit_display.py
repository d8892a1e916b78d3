"""An audit row's before/after as a person reads it: each changed field by its label (the model
field's verbose_name, or a Spanish name for the keys services write by hand), and each value
readable: Sí/No, a related row by its name, dates and times in local time (04/12/2026 10:32),
money as $ 100.00, a payment's applications as "documento DTE-…: $ 100.00", a role's grants as
"Clientes · Ver". The stored JSON stays as written (the trail is append-only); only the page changes.

The related rows a page needs are read once per model for the whole page, not once per value."""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import models
from django.utils import dateformat, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts.modules import Module
from core import formats
from core.audit import SECRET_MARK
from core.fiscal import DocType
from core.modules import Action

EMPTY = "—"
DATETIME_FORMAT = "d/m/Y H:i"
DATE_FORMAT = "d/m/Y"
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Apps above this one teach the audit log their own words (dte: document states and special
# cases) from their AppConfig.ready(), so this module names none of them: a labeler takes
# (key, value) and answers the words to show, or None when the value is not its own.
VALUE_LABELERS = []


def register_value_labeler(labeler):
    VALUE_LABELERS.append(labeler)
    return labeler


# Keys whose value maps rows of a model to amounts, {pk: amount}, shown as "<word> <row's name>:
# <amount>": a payment's applications to documents (registered by payments). The rows' names are
# read with the page's other related rows.
AMOUNT_MAPS = {}


def register_amount_map(key, model, word):
    AMOUNT_MAPS[key] = (model, word)


# Keys that services write by hand (not model fields): their Spanish names.
KEY_LABELS = {
    "grants": _("Permisos"),
    "applications": _("Aplicado a"),
    "amount": _("Monto"),
    "date": _("Fecha"),
    "method": _("Forma de pago (CAT-017)"),
    "reference": _("Referencia"),
    "establecimientos": _("Establecimientos"),
    "puntos_de_venta": _("Puntos de venta"),
    "state": _("Estado"),
    "recipient": _("Destinatario"),
    "automatic": _("Automático"),
    "document": _("Documento"),
    "error": _("Error"),
    "estado": _("Estado"),
    "estado_interno": _("Estado interno"),
    "motivo": _("Motivo"),
    "tipo": _("Tipo"),
    "evento": _("Evento"),
    "reemplazo": _("Documento que lo reemplaza"),
    "responsable": _("Responsable"),
    "solicitante": _("Solicitante"),
    "caso": _("Caso especial"),
    "casos": _("Casos especiales"),
    "detalle": _("Detalle"),
    "tipo_dte": _("Tipo de documento"),
    "numero_control": _("Número de control"),
    "codigo_generacion": _("Código de generación"),
    "total": _("Total"),
    "sha256_firmado": _("Huella SHA-256 del documento firmado"),
    "edition": _("Edición"),
    "source": _("Origen"),
    "catalogs": _("Catálogos"),
    "reporte": _("Reporte"),
    "parametros": _("Parámetros"),
}
# Amounts of money, whether a model field or a key written by hand.
MONEY_KEYS = {"amount", "total", "unapplied", "credit_limit", "price", "cost", "total_to_pay", "total_operation"}


@dataclass
class Change:
    label: str
    before: str | None  # None: the row has no "before" (a creation)
    after: str


def annotate(entries):
    """Set ``entry.changes`` (a list of Change) on each audit entry of ``entries`` (a page)."""
    entries = list(entries)
    plans = [(entry, _changed(entry)) for entry in entries]
    names = _Names()
    for entry, changed in plans:  # first pass: which related rows the page names
        model = _model_of(entry)
        for key, before, after in changed:
            for value in (before, after):
                names.want(model, key, value)
    names.load()
    for entry, changed in plans:
        model = _model_of(entry)
        has_before = entry.before is not None
        entry.changes = [
            Change(label=_label(model, key), before=_show(model, key, before, names) if has_before else None,
                   after=_show(model, key, after, names))
            for key, before, after in changed
        ]
    return entries


def _blank(value):
    return value is None or value == "" or value == [] or value == {}


def _changed(entry):
    """(key, before, after) for what changed, in the model's field order (then the rest)."""
    before, after = entry.before or {}, entry.after or {}
    keys = list(dict.fromkeys([*after, *before]))
    model = _model_of(entry)
    if model is not None:
        order = {f.name: i for i, f in enumerate(model._meta.concrete_fields)}
        keys.sort(key=lambda k: order.get(k, len(order)))
    return [(k, before.get(k), after.get(k)) for k in keys
            if before.get(k) != after.get(k) and not (_blank(before.get(k)) and _blank(after.get(k)))]


def _model_of(entry):
    return entry.content_type.model_class() if entry.content_type_id else None


def _field(model, key):
    if model is None:
        return None
    try:
        field = model._meta.get_field(key)
    except Exception:  # noqa: BLE001 - FieldDoesNotExist: a key written by hand
        return None
    return field if getattr(field, "concrete", False) else None


def _label(model, key):
    field = _field(model, key)
    # A field without a verbose_name of its own is called by its (English) attribute name: the
    # Spanish name given here wins over that.
    if field is not None and not (key in KEY_LABELS and str(field.verbose_name) == field.name.replace("_", " ")):
        return capfirst(str(field.verbose_name))
    if key in KEY_LABELS:
        return str(KEY_LABELS[key])
    return capfirst(key.replace("_", " "))


class _Names:
    """Names of related rows, read once per model for the page."""

    def __init__(self):
        self.wanted = {}  # model -> set of pks
        self.names = {}  # (model, str(pk)) -> name

    def want(self, model, key, value):
        related = _related_model(model, key)
        if related is not None and not _blank(value) and not isinstance(value, (dict, list)):
            self.wanted.setdefault(related, set()).add(str(value))
        if key in AMOUNT_MAPS and isinstance(value, dict):
            self.wanted.setdefault(AMOUNT_MAPS[key][0], set()).update(str(pk) for pk in value)

    def load(self):
        for model, pks in self.wanted.items():
            ids = [pk for pk in pks if pk.isdigit()] if isinstance(model._meta.pk, models.AutoField) else list(pks)
            for obj in model._base_manager.filter(pk__in=ids):
                self.names[(model, str(obj.pk))] = _name_of(obj)

    def get(self, model, pk):
        if (model, str(pk)) not in self.names and isinstance(model._meta.pk, models.AutoField) \
                and not str(pk).isdigit():
            return str(pk)  # written as a name (a número de control), not as a key
        return self.names.get((model, str(pk)), _("#%(pk)s (ya no existe)") % {"pk": pk})


def _name_of(obj):
    numero = getattr(obj, "numero_control", None)
    if numero:  # a document is known by its control number
        return numero
    return str(obj)


def _related_model(model, key):
    field = _field(model, key)
    if field is not None and field.many_to_one:
        return field.related_model
    return None


def _show(model, key, value, names):
    if _blank(value):
        return EMPTY
    if value == SECRET_MARK:
        return value
    field = _field(model, key)
    if isinstance(value, bool):
        return str(_("Sí") if value else _("No"))
    for labeler in VALUE_LABELERS:
        shown = labeler(key, value)
        if shown is not None:
            return str(shown)
    related = _related_model(model, key)
    if related is not None:
        return names.get(related, value)
    if field is not None and field.flatchoices and not isinstance(value, (list, dict)):
        return str(dict(field.flatchoices).get(value, value))
    if key == "grants" and isinstance(value, list):
        return ", ".join(_grant_label(g) for g in value)
    if key in AMOUNT_MAPS and isinstance(value, dict):
        model, word = AMOUNT_MAPS[key]
        return "; ".join(f"{word} {names.get(model, pk)}: {_money(amount)}" for pk, amount in value.items())
    choices = _list_choices(key)
    if choices and isinstance(value, str):
        return str(choices.get(value, value))
    if isinstance(value, list):
        return ", ".join(str(choices.get(v, v)) if choices else _show(None, "", v, names) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{_label(None, str(k))}: {_show(None, str(k), v, names)}" for k, v in value.items())
    if key in MONEY_KEYS:
        return _money(value)
    if isinstance(value, str):
        return _when(value, field) or value
    return str(value)


def _when(value, field=None):
    """An ISO date or date-time as the page writes them; None when ``value`` is neither."""
    if isinstance(field, models.DateTimeField) or _ISO_DATETIME.match(value):
        moment = parse_datetime(value)
        if moment is not None:
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return dateformat.format(moment, DATETIME_FORMAT)
    if isinstance(field, models.DateField) or _ISO_DATE.match(value):
        day = parse_date(value)
        if isinstance(day, datetime.date):
            return dateformat.format(day, DATE_FORMAT)
    return None


def _money(value):
    try:
        Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return formats.money(value)  # the one way the product writes an amount


def _grant_label(grant):
    module, _sep, action = str(grant).partition(":")
    try:
        return f"{Module(module).label} · {Action(action).label}"
    except ValueError:
        return str(grant)


def _list_choices(key):
    # Special cases ("approval_cases", "casos", "caso") are dte's words: its labeler shows them.
    if key == "document_types":
        return dict(DocType.choices)
    return {}
