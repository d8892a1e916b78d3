"""One definition of a catalogue's columns and how each cell is read and checked, shared by the
upload pages, the xlsx templates, the exports and the admin's import-export resources.

Cell parsers are plain functions (no form machinery) so that 100,000 rows validate in about a
second. Each returns the clean value or raises CellError with a reason in Spanish.
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.text import clean_text

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
YES = {"si", "sí", "s", "1", "true", "verdadero", "x", "yes"}
NO = {"no", "n", "0", "false", "falso", ""}


class CellError(ValueError):
    pass


def _text(value):
    """A cell as text, trimmed, without invisible control characters (core.text: the same rule
    as the forms)."""
    if value.__class__ is str:
        return clean_text(value).strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(str(value)).strip()


def text(max_length, *, required=False, min_length=0):
    def parse(value):
        # Inline for a printable text cell (most of them): no call a cell, 100,000 rows a go.
        out = value.strip() if value.__class__ is str and value.isprintable() else _text(value)
        if required and not out:
            raise CellError(_("es obligatorio"))
        if out and len(out) < min_length:
            raise CellError(_("debe tener al menos %(n)d caracteres") % {"n": min_length})
        if len(out) > max_length:
            raise CellError(_("tiene %(n)d caracteres; el máximo es %(max)d") % {"n": len(out), "max": max_length})
        return out

    return parse


def code_text(*, pattern, message, required=False):
    """A code written as text (NIT, NRC, a municipio): a number would have lost its leading zeros."""
    compiled = re.compile(pattern)

    def parse(value):
        if value.__class__ is str:
            out = value.strip() if value.isprintable() else _text(value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            raise CellError(_("está escrito como número y pierde los ceros a la izquierda: escríbalo como texto"))
        else:
            out = _text(value)
        if not out:
            if required:
                raise CellError(_("es obligatorio"))
            return ""
        if not compiled.match(out):
            raise CellError(message)
        return out

    return parse


def choice(options, *, required=True, default=None):
    """``options``: {accepted spelling (lower case): stored value}."""

    def parse(value):
        out = (value.strip() if value.__class__ is str and value.isprintable() else _text(value)).lower()
        if not out:
            if default is not None:
                return default
            if required:
                raise CellError(_("es obligatorio"))
            return ""
        if out not in options:
            shown = ", ".join(sorted({k for k in options if not k.isdigit() or len(options) < 8})[:12])
            raise CellError(_("«%(v)s» no es un valor válido (use: %(opts)s)") % {"v": _text(value), "opts": shown})
        return options[out]

    return parse


def boolean(*, default=False):
    def parse(value):
        if isinstance(value, bool):
            return value
        out = _text(value).lower()
        if out in YES:
            return True
        if out in NO:
            return default if out == "" else False
        raise CellError(_("«%(v)s» no es sí ni no") % {"v": _text(value)})

    return parse


def decimal(*, places=2, minimum=Decimal("0"), maximum=Decimal("99999999999"), required=False, from_text=True):
    quantum = Decimal(1).scaleb(-places)

    common = {}  # whole numbers already seen (a spreadsheet's numbers arrive as floats): their Decimal

    def parse(value):
        kind = value.__class__
        if kind is float or kind is int:  # never bool: True == 1 would find 1's entry
            known = common.get(value)
            if known is not None:
                return known
            if value == value // 1 and minimum <= value <= maximum:  # NaN and ±inf fail both
                number = Decimal(int(value)).quantize(quantum)
                if len(common) < 1024:
                    common[value] = number
                return number
        if value is None or value == "":
            if required:
                raise CellError(_("es obligatorio"))
            return None
        if isinstance(value, str):
            if not from_text:
                raise CellError(_("es un número escrito como texto: escríbalo como número"))
            cleaned = value.strip().replace(",", "")
            try:
                number = Decimal(cleaned)
            except InvalidOperation as exc:
                raise CellError(_("«%(v)s» no es un número") % {"v": value}) from exc
        elif isinstance(value, Decimal):
            number = value
        elif isinstance(value, bool):
            raise CellError(_("no es un número"))
        elif isinstance(value, (int, float)):
            number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        else:
            raise CellError(_("no es un número"))
        if not number.is_finite():
            raise CellError(_("no es un número"))
        if number != number.quantize(quantum):
            raise CellError(_("tiene más de %(n)d decimales") % {"n": places})
        if number < minimum or number > maximum:
            raise CellError(_("debe estar entre %(a)s y %(b)s") % {"a": minimum, "b": maximum})
        return number.quantize(quantum)

    return parse


def integer(*, minimum=0, maximum=100000, required=False, from_text=True):
    as_decimal = decimal(places=0, minimum=Decimal(minimum), maximum=Decimal(maximum), required=required,
                         from_text=from_text)

    def parse(value):
        number = as_decimal(value)
        return None if number is None else int(number)

    return parse


def email(*, required=False):
    def parse(value):
        out = _text(value)
        if not out:
            if required:
                raise CellError(_("es obligatorio"))
            return ""
        if len(out) > 100 or not _EMAIL.match(out):
            raise CellError(_("«%(v)s» no es un correo válido") % {"v": out})
        return out.lower()

    return parse


def email_list(*, max_length=300):
    """Several addresses separated by commas or semicolons, each checked; stored comma-separated."""
    def parse(value):
        out = _text(value)
        if not out:
            return ""
        found = [part.strip().lower() for part in re.split(r"[,;]", out) if part.strip()]
        for address in found:
            if len(address) > 100 or not _EMAIL.match(address):
                raise CellError(_("«%(v)s» no es un correo válido") % {"v": address})
        joined = ", ".join(found)
        if len(joined) > max_length:
            raise CellError(_("pasa de %(n)d caracteres") % {"n": max_length})
        return joined

    return parse


def date(*, required=False, from_text=True):
    def parse(value):
        if value is None or value == "":
            if required:
                raise CellError(_("es obligatorio"))
            return None
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, str) and from_text:
            for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
                try:
                    return datetime.datetime.strptime(value.strip(), fmt).date()
                except ValueError:
                    continue
        raise CellError(_("«%(v)s» no es una fecha (use AAAA-MM-DD)") % {"v": _text(value)})

    return parse


def from_validator(fn):
    """Wrap a Django validator/normalizer that raises ValidationError."""

    def parse(value):
        try:
            return fn(value)
        except ValidationError as exc:
            raise CellError(exc.messages[0]) from exc

    return parse


@dataclass
class Column:
    header: str  # as written in the template's first row
    field: str  # the model field (or a name the spec's row hook understands)
    parse: callable
    help: str = ""
    choices: list = field(default_factory=list)  # shown as a dropdown in the template
    example: object = ""
    required: bool = False
    width: int = 18
    kind: str = "text"  # text, number, date: the template's cell format
    # May the column be left out of a file? Then new rows take its default and existing rows keep
    # what they have (``writes`` names the model fields it fills, when not just ``field``).
    omissible: bool = False
    writes: tuple = ()


def escape_formula(value):
    """A cell a spreadsheet would run as a formula is written with a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
