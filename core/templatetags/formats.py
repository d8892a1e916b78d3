"""Filters for ``core.formats``: how money, prices, quantities and dates read everywhere.

A builtin library (``TEMPLATES[...]["OPTIONS"]["builtins"]``), so every template has them:

    {{ doc.total_to_pay|money }}          $ 2,500.00
    {{ line.unit_price|unit_price }}      $ 22.1239
    {{ stock.quantity|quantity }}         1,250.5
    {{ doc.issue_date|local_date }}       04/12/2026
    {{ event.at|local_datetime }}         04/12/2026 10:32  (|local_datetime:"seconds" adds :11)
    {{ client.credit_limit|credit_limit }} $ 2,500.00, or "Sin límite" for 0

The argument of money, unit_price, quantity and local_date is the text for a missing value
(``|money:""`` leaves the cell blank); without it a missing value reads "—".
"""

from django import template

from core import formats

register = template.Library()


# The helpers take (value, empty) as a filter takes (value, argument): registered as they are.
register.filter("money", formats.money)
register.filter("unit_price", formats.unit_price)
register.filter("quantity", formats.quantity)
register.filter("local_date", formats.date)
register.filter("credit_limit", formats.credit_limit)


@register.filter
def local_datetime(value, seconds=""):
    return formats.datetime(value, seconds=seconds == "seconds")


# Machine forms of a date, for input values, URLs and element ids (never text for a person):
# ISO 8601 day (2026-12-04) and month (2026-12), and the weekday's name in the active language.
@register.filter
def iso_date(value):
    return (value.isoformat() if hasattr(value, "isoformat") else str(value))[:10] if value else ""


@register.filter
def iso_month(value):
    return (value.isoformat() if hasattr(value, "isoformat") else str(value))[:7] if value else ""


@register.filter
def weekday(value):
    from django.utils.dateformat import format as date_format  # noqa: PLC0415 - only this filter needs it

    return date_format(value, "l") if value else ""
