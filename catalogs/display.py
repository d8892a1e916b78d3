"""Catalog codes as a person reads them: names instead of MH's codes on pages and paper
("San Salvador, San Salvador" for 06-14, "Billetes y monedas" for forma de pago 01, "Unidad" for
unidad de medida 59, "DUI 01234567-8" for a document of type 13)."""

import functools
import time

from django.utils.translation import gettext_lazy as _

from catalogs.models import CatalogEntry
from catalogs.names import normalize_code
from catalogs.selectors import current_edition

# CAT-018 (plazo) is not in the seed; its three values are fixed (facts §2.5).
PLAZOS = {"01": _("días"), "02": _("meses"), "03": _("años")}


def name(catalog, code, parent=None):
    """The entry's name in the current edition, else in any edition (a document keeps the codes
    of the generation it was issued in); "" when the catalog does not have it."""
    if code in (None, ""):
        return ""
    parent = normalize_code("CAT-012", parent) if parent not in (None, "") else ""
    # A document names the same unit on every line: asked once a minute, not once a line.
    return _lookup(catalog, normalize_code(catalog, code), parent, current_edition(), int(time.monotonic() // 60))


@functools.lru_cache(maxsize=1024)
def _lookup(catalog, code, parent, edition, _minute):
    qs = CatalogEntry.objects.filter(catalog=catalog, code=code)
    if parent:
        qs = qs.filter(parent=parent)
    names = dict(qs.values_list("edition", "name"))
    return names.get(edition) or next(iter(names.values()), "")


def place(departamento, municipio):
    """"Municipio, Departamento" (CAT-013 under CAT-012); what the catalogs know of it."""
    dept = name("CAT-012", departamento)
    muni = name("CAT-013", municipio, parent=departamento) if departamento else ""
    return ", ".join(part for part in (muni, dept) if part)


def id_document(tipo, numero):
    """A person's or company's document with its kind (CAT-022): "DUI 01234567-8"."""
    if not numero:
        return ""
    kind = name("CAT-022", tipo) if tipo not in (None, "") else ""
    return f"{kind} {numero}" if kind else str(numero)


def plazo(code, periodo):
    unit = PLAZOS.get(normalize_code("CAT-018", code) if code else "")
    return f"{periodo} {unit}" if unit and periodo not in (None, "") else ""
