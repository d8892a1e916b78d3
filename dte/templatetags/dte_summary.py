"""The summary rows of dte.summary in templates: {% with s=totals|summary_of_totals:doc.tipo_dte %}
in the editor (no JSON yet), {% with s=body.resumen|summary_of_resumen:doc.tipo_dte %} elsewhere."""

from django import template

from dte import summary

register = template.Library()


@register.filter
def summary_of_totals(totals, tipo):
    return summary.rows(summary.from_totals(totals), tipo) if totals else []


@register.filter
def summary_of_resumen(resumen, tipo):
    return summary.rows(resumen, tipo)
