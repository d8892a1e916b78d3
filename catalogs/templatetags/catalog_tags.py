"""MH catalog codes shown by name (catalogs.display):
{{ p.codigo|catalog_name:"CAT-017" }}, {% place dept muni %}, {{ rec.tipoDocumento|id_document:rec.numDocumento }}."""

from django import template

from catalogs import display

register = template.Library()


@register.filter
def catalog_name(code, catalog):
    """The name of ``code`` in ``catalog``, or the code itself when the catalog lacks it."""
    return display.name(catalog, code) or ("" if code is None else code)


@register.simple_tag
def place(departamento, municipio):
    return display.place(departamento, municipio)


@register.filter
def id_document(tipo, numero):
    return display.id_document(tipo, numero)


@register.simple_tag
def plazo(code, periodo):
    return display.plazo(code, periodo)
