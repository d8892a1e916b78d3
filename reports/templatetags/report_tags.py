import datetime

from django import template

from core import formats

register = template.Library()


@register.filter
def index(sequence, i):
    return sequence[i]


@register.filter
def cell(value, kind):
    """A report cell as text, as ``core.formats`` writes it: $ 2,500.00, 04/12/2026, 1,250."""
    if value is None or value == "":
        return ""
    if kind == "money":
        return formats.money(value)
    if kind in ("number", "int"):
        return formats.quantity(value)
    if isinstance(value, datetime.date):
        return formats.date(value)
    if isinstance(value, str) and value[:1] == "'" and value[1:2] in ("=", "+", "-", "@"):
        return value[1:]  # escaped for spreadsheets; on screen and paper it shows as typed
    return value
