"""Template filters that put Spanish words where the code stores internal ones (dte.labels) and
names where MH stores catalog codes (catalogs.display)."""

from django import template

from dte import labels

register = template.Library()


@register.filter
def state_label(value, kind=None):
    """{{ doc.status|state_label }}, {{ event.state|state_label:"event" }}"""
    return labels.state_label(value, kind)


@register.filter
def mh_meaning(call):
    return labels.mh_call_meaning(call)


@register.filter
def case_label(code):
    return labels.state_label(code, "special_case")
