from django.conf import settings
from django.db.models import Count
from django.utils.translation import gettext as _

from catalogs.models import CatalogEntry
from catalogs.territory import REFORM_2024, is_distrito


def current_edition():
    return settings.MH_CATALOG_EDITION


def catalog_entries(*, catalog, parent=None, edition=None):
    qs = CatalogEntry.objects.filter(catalog=catalog, edition=edition or current_edition(), is_active=True)
    if parent is not None:
        qs = qs.filter(parent=parent)
    return qs.order_by("code")


def catalog_choices(*, catalog, parent=None, edition=None, with_code=True):
    return [
        (e.code, f"{e.code} · {e.name}" if with_code else e.name)
        for e in catalog_entries(catalog=catalog, parent=parent, edition=edition)
    ]


def distrito_codes(departamento, municipio=None):
    """The CAT-008 distritos an address in ``departamento`` may name once ``municipio`` is chosen:
    a 2024 municipio groups several (catalogs.territory), a pre-reform one became the distrito of
    its own code; without a municipio of this departamento, all of the departamento's."""
    groups = REFORM_2024.get(departamento, {})
    if municipio and municipio in groups:
        return sorted(groups[municipio].split())
    if municipio and is_distrito(departamento, municipio):
        return [municipio]
    return sorted(code for distritos in groups.values() for code in distritos.split())


def distrito_choices(departamento, municipio=None):
    """The distritos (CAT-008) of a departamento (of its municipio, when given: distrito_codes), by
    code and name, named from the catalog (its 2026 edition, else the pre-reform municipio of the
    same code)."""
    codes = distrito_codes(departamento, municipio)
    names = dict(CatalogEntry.objects.filter(catalog="CAT-013", edition="2023", parent=departamento)
                 .values_list("code", "name"))
    names.update(CatalogEntry.objects.filter(catalog="CAT-008", parent=departamento).values_list("code", "name"))
    return [(code, f"{code} · {names[code]}" if code in names else code) for code in codes]


def catalog_has(*, catalog, code, parent=None, edition=None):
    return catalog_entries(catalog=catalog, parent=parent, edition=edition).filter(code=code).exists()


def catalog_name(*, catalog, code, parent=None, edition=None):
    entry = catalog_entries(catalog=catalog, parent=parent, edition=edition).filter(code=code).first()
    return entry.name if entry else ""


def country_name(code):
    """A CAT-020 country's name in the edition its code belongs to: a 4-digit code's in 2023, an ISO
    alpha-2 code's in 2026 (catalogs.countries); "" when the catalog does not have it."""
    code = (code or "").strip().upper()
    if not code:
        return ""
    edition = "2026" if len(code) == 2 and code.isalpha() else "2023"
    return catalog_name(catalog="CAT-020", code=code, edition=edition)


def address_errors(*, departamento, municipio, edition=None):
    """Field errors for a departamento (CAT-012) and municipio (CAT-013, per departamento)."""
    errors = {}
    if not catalog_has(catalog="CAT-012", code=departamento, edition=edition) or departamento == "00":
        errors["departamento"] = _("El departamento %(d)s no está en el catálogo CAT-012.") % {"d": departamento}
    elif not catalog_has(catalog="CAT-013", code=municipio, parent=departamento, edition=edition):
        errors["municipio"] = _("El municipio %(m)s no pertenece al departamento %(d)s (CAT-013).") % {
            "m": municipio,
            "d": departamento,
        }
    return errors


def catalog_summary(*, edition=None):
    """Rows per catalog, for the admin's catalog page."""
    qs = CatalogEntry.objects.all()
    if edition:
        qs = qs.filter(edition=edition)
    return list(qs.values("catalog", "edition").annotate(rows=Count("id")).order_by("catalog", "edition"))
