from decimal import Decimal

from django import template

from core import formats

register = template.Library()


@register.filter
def plain(value):
    """A decimal as typed: no trailing zeros, no exponent (1.50000000 -> 1.5)."""
    if value in (None, ""):
        return ""
    value = Decimal(str(value))
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


@register.filter
def money(value, empty=formats.DASH):
    """$ 1,234.50 — the one rule of ``core.formats.money`` (kept here for templates that load dte_tags)."""
    return formats.money(value, empty=empty)


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (None when missing)."""
    return (mapping or {}).get(key)
