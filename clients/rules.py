"""The rules a client must follow, shared by the forms, the bulk upload and the admin import.
Works on plain dicts so that it is fast enough for 100,000 rows."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.validators import normalize_dui, normalize_nit, normalize_nrc
from catalogs.selectors import catalog_entries
from catalogs.territory import municipio_2024, settle_distrito
from clients.models import ClientKind, IdType


def _fold(part):
    """Lower case without accents, in any script: "Café" → "cafe", while "شركة النور" and "☕"
    stay as they are. Only combining marks (accents, Arabic vowel signs, emoji variation
    selectors) and invisible control or format characters are dropped: encoding to ASCII would
    drop every letter outside Latin, leaving such names unfindable."""
    decomposed = _LATIN_ACCENTS.sub("", unicodedata.normalize("NFKD", part))
    if decomposed.isascii() and decomposed.isprintable():
        return decomposed  # the usual case (Spanish names), answered in C: 100,000 upload rows a go
    return "".join(ch for ch in decomposed if unicodedata.category(ch) not in _DROPPED)


_DROPPED = frozenset(("Mn", "Me", "Cc", "Cf"))
# The combining diacritical marks block (U+0300–U+036F, all category Mn): what NFKD leaves of
# Latin accents and the tilde of ñ. A regex: str.translate looks up every character of a
# non-ASCII text in its table, three times slower.
_LATIN_ACCENTS = re.compile("[\u0300-\u036f]+")


def search_text(*parts):
    """What the type-ahead searches: the parts lower-cased, accents removed, each left out when the
    text already contains it (a trade name inside the legal name, a NIT without dashes): searches
    find the same rows, and the trigram index has less to extract on every write."""
    text = ""
    for part in parts:
        if not part:
            continue
        if not part.isascii():
            part = _fold(part)
        part = " ".join(part.lower().split())
        if part and part not in text:
            text = f"{text} {part}" if text else part
    return text


def search_condition(query, field="search_text"):
    """The type-ahead filter: the normalized term, and the same without dashes or spaces (so a
    NIT or DUI matches typed either way). None when there is nothing to search for (a blank box:
    no filter); a term that normalizes to nothing (only accents or invisible characters) matches
    nothing, never everything."""
    if not (query or "").strip():
        return None
    term = search_text(query)
    if not term:
        return Q(pk__in=[])
    condition = Q(**{f"{field}__contains": term})
    bare = term.replace("-", "").replace(" ", "")
    if bare and bare != term:
        condition |= Q(**{f"{field}__contains": bare})
    return condition


# The codes as plain text: reading an enum member (IdType.NIT) costs ten times a comparison, and
# check_client makes half a dozen a row, 100,000 rows an upload.
_NIT, _DUI = IdType.NIT.value, IdType.DUI.value
_TAXPAYER, _FOREIGN = ClientKind.TAXPAYER.value, ClientKind.FOREIGN.value


def normalize_id(id_type, number):
    """The identification as MH wants it: NIT without dashes, DUI as ########-# (CAT-022)."""
    if id_type == _NIT:
        return normalize_nit(number)
    if id_type == _DUI:
        return normalize_dui(number)
    number = (number or "").strip()
    if not 3 <= len(number) <= 20:
        raise ValidationError(_("El número de documento debe tener de 3 a 20 caracteres."))
    return number


class CatalogSets:
    """The catalog codes the rules check against, loaded once (per request or per import)."""

    def __init__(self):
        self.departamentos = {e.code for e in catalog_entries(catalog="CAT-012")} - {"00"}
        self.municipios = {(e.parent, e.code) for e in catalog_entries(catalog="CAT-013")}
        self.activities = {e.code: e.name for e in catalog_entries(catalog="CAT-019")}
        self.countries = {e.code for e in catalog_entries(catalog="CAT-020")}


def _check_distrito(data, dept, muni, distrito):
    """The distrito (CAT-008) of the 2026 generation's addresses (catalogs.territory.settle_distrito):
    left blank, the one the pre-reform municipio became, so nobody types it twice."""
    data["distrito"], problem = settle_distrito(dept, muni, distrito)
    return problem


def check_client(data, catalogs):
    """Normalize ``data`` in place and return {field: error}. ``data`` holds model field names."""
    errors = {}
    kind = data.get("kind")
    id_type = data.get("id_type")
    try:
        data["id_number"] = normalize_id(id_type, data.get("id_number"))
    except ValidationError as exc:
        errors["id_number"] = exc.messages[0]
    if kind == _TAXPAYER:
        # A CCF receptor is a VAT-registered taxpayer: NIT, NRC and activity (facts §2.2).
        if id_type != _NIT:
            errors["id_type"] = _("Un contribuyente se identifica con NIT (36).")
        if not data.get("nrc"):
            errors["nrc"] = _("Un contribuyente necesita NRC.")
        if not data.get("activity_code"):
            errors["activity_code"] = _("Un contribuyente necesita su actividad económica.")
    if data.get("other_emails"):
        found = [e.strip().lower() for e in re.split(r"[,;]", data["other_emails"]) if e.strip()]
        bad = []
        for address in found:
            try:
                validate_email(address)
            except ValidationError:
                bad.append(address)
        if bad:
            errors["other_emails"] = _("No son correos válidos: %(c)s.") % {"c": ", ".join(bad)}
        data["other_emails"] = ", ".join(found)
    if data.get("nrc"):
        try:
            data["nrc"] = normalize_nrc(data["nrc"])
        except ValidationError as exc:
            errors["nrc"] = exc.messages[0]
        if id_type != _NIT and "nrc" not in errors:
            errors["nrc"] = _("El NRC solo acompaña a un NIT.")
    code = data.get("activity_code")
    if code:
        if code not in catalogs.activities:
            errors["activity_code"] = _("La actividad %(c)s no está en el catálogo CAT-019.") % {"c": code}
        elif not data.get("activity_description"):
            data["activity_description"] = catalogs.activities[code][:150]
    if kind == _FOREIGN:
        if not data.get("country_code"):
            errors["country_code"] = _("Un comprador extranjero necesita país (CAT-020).")
        elif data["country_code"] not in catalogs.countries:
            errors["country_code"] = _("El país %(c)s no está en el catálogo CAT-020.") % {"c": data["country_code"]}
        if not data.get("person_type"):
            errors["person_type"] = _("Indique si es persona natural (1) o jurídica (2).")
    else:
        dept, muni, distrito = data.get("departamento"), data.get("municipio"), data.get("distrito") or ""
        if distrito and not muni and dept:
            # Only the distrito given (the 2024 address): the municipio follows from it (catalogs.territory).
            muni = data["municipio"] = distrito if (dept, distrito) in catalogs.municipios else municipio_2024(dept, distrito)
        if dept or muni or kind == _TAXPAYER:
            if dept not in catalogs.departamentos:
                errors["departamento"] = _("El departamento %(d)s no existe (CAT-012).") % {"d": dept or "—"}
            elif (dept, muni) not in catalogs.municipios:
                errors["municipio"] = _("El municipio %(m)s no pertenece al departamento %(d)s (CAT-013).") % {
                    "m": muni or "—", "d": dept}
            else:
                distrito_error = _check_distrito(data, dept, muni, distrito)
                if distrito_error:
                    errors["distrito"] = distrito_error
        if kind == _TAXPAYER and not data.get("address"):
            errors["address"] = _("Un contribuyente necesita dirección.")
    data["search_text"] = search_text(data.get("name"), data.get("trade_name"), data.get("id_number"),
                                      (data.get("id_number") or "").replace("-", ""), data.get("nrc"))
    return errors
