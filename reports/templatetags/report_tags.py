import datetime
from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def index(sequence, i):
    return sequence[i]


@register.filter
def cell(value, kind):
    """A report cell as text: dollars with two decimals, dates as dd/mm/yyyy, integers grouped."""
    if value is None or value == "":
        return ""
    if kind in ("money", "number"):
        return f"{Decimal(str(value)):,.2f}"
    if kind == "int":
        return f"{int(value):,}"
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str) and value[:1] == "'" and value[1:2] in ("=", "+", "-", "@"):
        return value[1:]  # escaped for spreadsheets; on screen and paper it shows as typed
    return value
