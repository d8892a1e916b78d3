from decimal import Decimal

from django import template

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
def money(value):
    """$ 1,234.50"""
    if value in (None, ""):
        return "—"
    value = Decimal(str(value)).quantize(Decimal("0.01"))
    # El Salvador writes dollars as in the United States: 1,234.50, whatever the UI language.
    return f"$ {value:,.2f}"


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (None when missing)."""
    return (mapping or {}).get(key)
