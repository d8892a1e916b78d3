"""The one way Facturador writes money, prices, quantities and dates for a person to read.

El Salvador's currency is the US dollar and it is written the US way, whatever the language of
the interface (Spanish or English), on every page, PDF, email and text cell of an export:

- ``money(2500)`` → ``$ 2,500.00``: two decimals, rounded half-up (the rounding MH applies to
  ``resumen`` amounts), comma every three digits, a point before the cents. A negative amount
  reads ``-$ 2,500.00``; an amount that rounds to zero never reads ``-$ 0.00``.
- ``unit_price(22.12389381)`` → ``$ 22.1239``. The rule: **at least 2 decimals, at most 4**,
  rounded half-up, zeros after the second decimal dropped (``192.1`` → ``$ 192.10``,
  ``0.125`` → ``$ 0.125``). A price under one cent keeps up to the 8 decimals MH stores for item
  fields (``0.00012345`` → ``$ 0.00012345``), so a tiny price never reads ``$ 0.00``. The exact
  price stays in the signed JSON and in the edit forms; this is only how it reads.
- ``quantity(1250.50000000)`` → ``1,250.5``: grouped, no trailing zeros, no exponent, at most the
  8 decimals stored.
- ``date(d)`` → ``04/12/2026`` (day/month/year); ``datetime(dt)`` → ``04/12/2026 10:32`` (with
  ``seconds=True``: ``04/12/2026 10:32:11``), in El Salvador's time (``settings.TIME_ZONE``,
  America/El_Salvador) whatever the time zone of the value. ISO text (``2026-12-04``, as the
  DTE JSON carries dates) is accepted too.

A missing value (``None`` or ``""``) reads ``—``, or ``empty`` when given (``empty=""`` for a
blank cell). Anything else that is not a number or a date is returned as it came.

The template filters of the same rules are in ``accounts/templatetags/formats.py`` (a builtin
library: no ``{% load %}`` needed) and ``dte_tags.money`` delegates here.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext

DASH = "—"
CENT = Decimal("0.01")
PRICE_PLACES = Decimal("0.0001")
STORED_PLACES = Decimal("0.00000001")  # MH's item fields: multipleOf 1e-8
# Wide enough that any amount a database column holds rounds without overflowing the default 28 digits.
WIDE = Context(prec=100, rounding=ROUND_HALF_UP)


def _decimal(value):
    """``value`` as a finite Decimal, or None when it is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float | str):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            return None
    else:
        return None
    return number if number.is_finite() else None


def _missing(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _reads(parse):
    """A formatter of what ``parse`` makes of the value: a missing value reads ``empty``, one that
    does not parse comes back as it is."""
    def wrap(write):
        def formatted(value, empty=DASH, **options):
            if _missing(value):
                return empty
            parsed = parse(value)
            return value if parsed is None else write(parsed, **options)
        # Named and documented as ``write``, but with its own signature (value, empty): the one
        # Django's template filters read (so no functools.wraps, whose __wrapped__ it would follow).
        formatted.__name__, formatted.__qualname__, formatted.__doc__ = write.__name__, write.__qualname__, write.__doc__
        return formatted
    return wrap


def _grouped(number, places):
    """A non-negative Decimal quantized to ``places`` as 1,234.5678 (the digits it has)."""
    return f"{number.quantize(places, context=WIDE):,f}"


def _signed(number, text):
    return f"-{text}" if number < 0 and text.strip("$ 0.,") else text


@_reads(_decimal)
def money(number):
    """``$ 2,500.00`` (see the module)."""
    return _signed(number, f"$ {abs(number).quantize(CENT, context=WIDE):,f}")


def _trimmed(number, places, keep):
    """``number`` rounded to ``places``, without zeros after the ``keep``-th decimal."""
    text = _grouped(number, places)
    if "." not in text:
        return text + ("." + "0" * keep if keep else "")
    whole, decimals = text.split(".")
    decimals = decimals.rstrip("0").ljust(keep, "0")
    return f"{whole}.{decimals}" if decimals else whole


@_reads(_decimal)
def unit_price(number):
    """``$ 22.1239``: 2 to 4 decimals, up to 8 under one cent (see the module)."""
    size = abs(number)
    places = PRICE_PLACES if size.quantize(PRICE_PLACES, context=WIDE) >= CENT or not size else STORED_PLACES
    return _signed(number, "$ " + _trimmed(size, places, 2))


@_reads(_decimal)
def quantity(number):
    """``1,250.5``: grouped, no trailing zeros (see the module)."""
    return _signed(number, _trimmed(abs(number), STORED_PLACES, 0))


def _local(value):
    """An aware datetime in El Salvador's time; a naive one is taken as already local."""
    if value.tzinfo is not None:
        return value.astimezone(ZoneInfo(settings.TIME_ZONE))
    return value


def _temporal(value):
    """A date or datetime from ``value`` (ISO text accepted), or None."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for parse in (dt.date.fromisoformat, dt.datetime.fromisoformat) if len(text) == 10 else (dt.datetime.fromisoformat,):
            try:
                return parse(text)
            except ValueError:
                continue
    return None


@_reads(_temporal)
def date(moment):
    """``04/12/2026`` (day/month/year, El Salvador's day for a datetime)."""
    if isinstance(moment, dt.datetime):
        moment = _local(moment)
    return moment.strftime("%d/%m/%Y")


@_reads(_temporal)
def datetime(moment, seconds=False):
    """``04/12/2026 10:32`` in El Salvador's time (``seconds``: ``04/12/2026 10:32:11``); a date alone reads as ``date``."""
    if not isinstance(moment, dt.datetime):
        return moment.strftime("%d/%m/%Y")
    return _local(moment).strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")


def credit_limit(value):
    """A client's credit limit: ``$ 2,500.00``, or "Sin límite" for 0 (a limit of 0 means none is set)."""
    number = _decimal(value) if not _missing(value) else Decimal(0)
    if number is not None and not number:
        return gettext("Sin límite")
    return money(value)
