"""Reading the document editor's form: header fields, lines (``line-<key>-<field>``, in the order
they appear) and payment rows (``pay-<key>-<field>``). Every bad value is reported with the line
and the field, in Spanish; nothing is guessed."""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from catalogs.models import Edition
from catalogs.selectors import catalog_entries
from core.text import clean_data
from dte import arithmetic as ar
from dte import generations
from dte.models import Condition, Treatment

LINE_TEXT = ("code", "description", "related_code")
LINE_DECIMAL = ("quantity", "unit_price", "discount")
CR_FIELDS = ("tipoDte", "tipoDoc", "numDocumento", "fechaEmision", "montoSujetoGrav", "codigoRetencionMH", "ivaRetenido")
# A Comprobante de Liquidación line: the liquidated document and its columns (sv-tax-facts-2.md §6).
CL_FIELDS = ("tipoDte", "tipoGeneracion", "numeroDocumento", "fechaGeneracion")
CL_AMOUNTS = ("ventaNoSuj", "ventaExenta", "ventaGravada", "exportaciones")
CL_TYPES = ("01", "03", "05", "06", "11")
# The sales an agent makes on a mandante's behalf and liquidates in a CL (facts §1: CL lines are 01/03/05/06/11).
THIRD_PARTY_TYPES = CL_TYPES
PARTY_FIELDS = ("id_type", "id_number", "name", "departamento", "municipio", "address", "phone", "email")


def _decimal(raw, label, errors, *, minimum=None, default=None):
    raw = (raw or "").strip().replace(",", "")
    if raw == "":
        if default is not None:
            return default
        errors.append(_("%(f)s: es obligatorio.") % {"f": label})
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        errors.append(_("%(f)s: «%(v)s» no es un número.") % {"f": label, "v": raw[:20]})
        return None
    if value.is_finite() and abs(value) >= Decimal("1e11"):
        errors.append(_("%(f)s: el número es demasiado grande.") % {"f": label})
        return None
    if not value.is_finite() or (minimum is not None and value < minimum):
        errors.append(_("%(f)s: debe ser al menos %(m)s.") % {"f": label, "m": minimum})
        return None
    if value.as_tuple().exponent < -8:
        errors.append(_("%(f)s: admite hasta 8 decimales.") % {"f": label})
        return None
    return value


def row_keys(post, prefix):
    """The row keys of ``prefix`` in the order the rows appear in the form."""
    seen = []
    for name in post:
        if name.startswith(prefix):
            key = name[len(prefix):].split("-", 1)[0]
            if key and key not in seen:
                seen.append(key)
    return seen


def parse_lines(post, tipo):
    post = clean_data(post)  # stored and sent to MH without invisible control characters
    lines, errors = [], []
    for n, key in enumerate(row_keys(post, "line-"), start=1):
        def get(field, key=key):
            return post.get(f"line-{key}-{field}", "")

        label = _("Línea %(n)d") % {"n": n}
        line = {"key": key}
        if tipo == ar.CL:
            lines.append(_liquidated_line(get, label, errors, key))
            continue
        if tipo == ar.CR:
            extra = {f: get(f).strip() for f in CR_FIELDS}
            for field, label_text in (("montoSujetoGrav", _("monto sujeto")), ("ivaRetenido", _("IVA retenido"))):
                if extra[field]:
                    value = _decimal(extra[field], f"{label}, {label_text}", errors, minimum=Decimal("0"))
                    extra[field] = str(value) if value is not None else ""
            if extra["codigoRetencionMH"] != "C9":
                extra["ivaRetenido"] = ""
            try:
                datetime.date.fromisoformat(extra["fechaEmision"])
            except ValueError:
                extra["fechaEmision"] = ""
            line.update(description=get("description").strip()[:1000], quantity=Decimal(1), unit_price=Decimal(0),
                        extra=extra)
            lines.append(line)
            continue
        if tipo == ar.CD:
            line["extra"] = _donation_extra(get, label, errors)
        for field in LINE_TEXT:
            line[field] = get(field).strip()
        line["quantity"] = _decimal(get("quantity"), f"{label}, {_('cantidad')}", errors, minimum=Decimal("0.00000001"))
        line["unit_price"] = _decimal(get("unit_price"), f"{label}, {_('precio')}", errors, minimum=Decimal(0),
                                      default=Decimal(0))
        line["discount"] = _decimal(get("discount"), f"{label}, {_('descuento')}", errors, minimum=Decimal(0),
                                    default=Decimal(0))
        treatment = get("treatment") or Treatment.GRAVADO
        if treatment not in Treatment.values:
            errors.append(_("%(l)s: tratamiento no válido.") % {"l": label})
            treatment = Treatment.GRAVADO
        line["treatment"] = treatment
        for field, default in (("unit", 59), ("item_type", 1)):
            try:
                line[field] = int(get(field) or default)
            except ValueError:
                line[field] = default
        line["product_id"] = int(get("product_id")) if get("product_id").isdigit() else None
        line["withhold_income"] = get("withhold_income") in ("on", "1", "true")
        # NC: the goods of the line came back (they return to stock when MH seals the note, dte.returns)
        line["returns_goods"] = tipo == ar.NC and get("returns_goods") in ("on", "1", "true")
        if None in (line["quantity"], line["unit_price"], line["discount"]):
            continue
        if line["discount"] > line["quantity"] * line["unit_price"]:
            errors.append(_("%(l)s: el descuento es mayor que el valor de la línea.") % {"l": label})
        lines.append(line)
    return lines, errors


def _liquidated_line(get, label, errors, key):
    """A Comprobante de Liquidación line: which document (type, physical or electronic, number,
    date) and its amounts; an amount may be negative (an invalidated document listed again, §6)."""
    extra = {f: get(f).strip() for f in CL_FIELDS}
    if extra["tipoDte"] not in CL_TYPES:
        errors.append(_("%(l)s: tipo de documento liquidado no válido.") % {"l": label})
        extra["tipoDte"] = "03"
    extra["tipoGeneracion"] = 1 if extra["tipoGeneracion"] == "1" else 2
    extra["numeroDocumento"] = extra["numeroDocumento"][:36].upper()
    try:
        datetime.date.fromisoformat(extra["fechaGeneracion"])
    except ValueError:
        if extra["fechaGeneracion"]:
            errors.append(_("%(l)s: la fecha no es válida.") % {"l": label})
        extra["fechaGeneracion"] = ""
    for field, text in zip(CL_AMOUNTS, (_("no sujetas"), _("exentas"), _("gravadas"), _("exportaciones")), strict=True):
        value = _decimal(get(field), f"{label}, {text}", errors, default=Decimal(0))
        extra[field] = str(value if value is not None else Decimal(0))
    return {"key": key, "description": get("description").strip()[:1000], "quantity": Decimal(1),
            "unit_price": Decimal(0), "extra": extra}


def _settlement(post, document, extra, errors):
    """A Documento Contable de Liquidación's header (sv-tax-facts-2.md §6): the period, the card
    sales settled, what is outside the perception, the commission percentage, and who delivers it
    (extension, required by fe-dcl-v1/v2)."""
    old = dict(extra.get("liquidacion") or {})
    data = {}
    for field, label in (("periodoInicio", _("Inicio del período")), ("periodoFin", _("Fin del período"))):
        raw = post.get(field, "").strip()
        try:
            data[field] = datetime.date.fromisoformat(raw).isoformat()
        except ValueError:
            if raw:
                errors.append(_("%(f)s: la fecha no es válida.") % {"f": label})
            data[field] = old.get(field, "")
    for field, label, minimum in (("valorOperaciones", _("Valor de las operaciones"), Decimal("0")),
                                  ("montoSinPercepcion", _("Monto sin percepción"), Decimal("0")),
                                  ("porcentComision", _("Porcentaje de comisión"), Decimal("0"))):
        value = _decimal(post.get(field), label, errors, minimum=minimum, default=Decimal(0))
        data[field] = str(value) if value is not None else old.get(field, "0")
    if Decimal(data["porcentComision"]) > 100:
        errors.append(_("Porcentaje de comisión: va de 0 a 100."))
        data["porcentComision"] = old.get("porcentComision", "0")
    count = post.get("cantidadDoc", "").strip()
    if count and not count.isdigit():
        errors.append(_("Cantidad de documentos: escriba un número entero."))
        count = ""
    data["cantidadDoc"] = count
    data["codLiquidacion"] = post.get("codLiquidacion", "").strip()[:30]
    data["descripSinPercepcion"] = post.get("descripSinPercepcion", "").strip()[:100]
    kind = post.get("tipoEstablecimiento", "02")[:2]
    data["tipoEstablecimiento"] = kind if kind in ("01", "02", "04", "07", "20") else "02"  # CAT-009
    extra["liquidacion"] = data
    extra["extension"] = {"nombEntrega": post.get("nombEntrega", "").strip()[:100],
                          "docuEntrega": post.get("docuEntrega", "").strip()[:25],
                          "codEmpleado": post.get("codEmpleado", "").strip()[:15]}


def _third_party(post, extra, errors):
    """ventaTercero: a sale made on behalf of a mandante (facts §2.3), whom the agent later
    liquidates with a Comprobante de Liquidación (sv-tax-facts-2.md §6)."""
    nit = post.get("tercero-nit", "").strip().replace("-", "")[:14]
    name = post.get("tercero-nombre", "").strip()[:200]
    if not nit and not name:
        extra.pop("ventaTercero", None)
        return
    if not re.fullmatch(r"\d{9}|\d{14}", nit) or len(name) < 3:
        # the mandante saved before stays until a valid one replaces it
        errors.append(_("Venta a cuenta de terceros: escriba el NIT (9 o 14 dígitos) y el nombre del mandante "
                        "(«%(n)s» no se guardó).") % {"n": nit or name})
        return
    extra["ventaTercero"] = {"nit": nit, "nombre": name}
def _donation_extra(get, label, errors):
    """A CD line's CAT-026 type and, for a donated good, its depreciation (sv-tax-facts-2.md §6):
    cash and services carry none."""
    kind = get("tipoDonacion").strip()
    if kind not in ("1", "2", "3"):
        errors.append(_("%(l)s: elija el tipo de donación (efectivo, bien o servicio).") % {"l": label})
        kind = "1"
    depreciation = _decimal(get("depreciacion"), f"{label}, {_('depreciación')}", errors, minimum=Decimal(0),
                            default=Decimal(0))
    if kind != "2" and depreciation:
        errors.append(_("%(l)s, depreciación: solo un bien donado la lleva (efectivo y servicios no).") % {"l": label})
        depreciation = Decimal(0)
    return {"tipoDonacion": int(kind), "depreciacion": str(depreciation if depreciation is not None else 0)}


def parse_payments(post):
    post = clean_data(post)
    payments, errors = [], []
    for n, key in enumerate(row_keys(post, "pay-"), start=1):
        code = post.get(f"pay-{key}-codigo", "").strip()
        if not code:
            continue
        raw = post.get(f"pay-{key}-monto", "").strip()
        entry = {"codigo": code[:2], "referencia": post.get(f"pay-{key}-referencia", "").strip()[:50] or None}
        if raw:
            amount = _decimal(raw, _("Pago %(n)d, monto") % {"n": n}, errors, minimum=Decimal("0.01"))
            if amount is not None:
                entry["monto"] = str(amount)
        payments.append(entry)
    return payments, errors


def _export_customs(post, extra, errors, document):
    """recintoFiscal (CAT-027) and regimen (CAT-028) of an export: goods (tipoItemExpor 1 or 3)
    cross a customs office under a regime (facts §10: FEX emisor needs them); services (2) carry
    neither (fe-fex-v1: both null when tipoItemExpor is 2). That goods name both is checked when
    issuing (``services.document_problems``), so a draft can be saved before they are known. The
    codes are checked against the catalog edition of the generation the document will be issued in
    (dte.generations.catalog_edition_for)."""
    if extra["tipoItemExpor"] == "2":
        extra["recintoFiscal"] = extra["regimen"] = ""
        extra.pop("tipoRegimen", None)
        return
    edition = generations.catalog_edition_for(document)
    fields = [("recintoFiscal", "CAT-027", _("Recinto fiscal")), ("regimen", "CAT-028", _("Régimen"))]
    if edition == Edition.E2026:
        # The 2026 CAT-028 codes ("1000.000") leave the regime type to CAT-033 (tipoRegimen, EX-1…).
        fields.append(("tipoRegimen", "CAT-033", _("Tipo de régimen")))
    else:
        extra.pop("tipoRegimen", None)
    for field, catalog, label in fields:
        code = post.get(field, "").strip()[:20]
        known = catalog_entries(catalog=catalog, edition=edition)
        if code and known.exists() and not known.filter(code=code).exists():
            errors.append(_("%(f)s: «%(c)s» no está en el catálogo %(k)s.") % {"f": label, "c": code, "k": catalog})
            code = ""
        elif field == "recintoFiscal" and code and len(code) != 2:
            errors.append(_("%(f)s: el código tiene 2 caracteres (CAT-027).") % {"f": label})
            code = ""
        extra[field] = code


def parse_header(post, document):
    """Header fields as draft_save wants them, and the errors."""
    errors = []
    post = clean_data(post)
    data = {"observations": post.get("observations", "").strip()[:3000]}
    try:
        data["issue_date"] = datetime.date.fromisoformat(post.get("issue_date", ""))
    except ValueError:
        errors.append(_("La fecha de emisión no es válida."))
    try:
        data["condition"] = int(post.get("condition") or Condition.CONTADO)
        if data["condition"] not in Condition.values:
            raise ValueError
    except ValueError:
        errors.append(_("Condición de la operación no válida."))
        data["condition"] = Condition.CONTADO
    term = post.get("payment_term_days", "").strip() or "0"
    if not term.isdigit() or int(term) > 3650:
        errors.append(_("El plazo debe ser un número de días."))
    else:
        data["payment_term_days"] = int(term)
    discount = _decimal(post.get("discount_gravada"), _("Descuento global"), errors, minimum=Decimal(0),
                        default=Decimal(0))
    if discount is not None:
        data["discount_gravada"] = discount
    extra = dict(document.extra or {})
    if document.tipo_dte == ar.FEX:
        for field in ("seguro", "flete"):
            value = _decimal(post.get(field), field.capitalize(), errors, minimum=Decimal(0), default=Decimal(0))
            extra[field] = str(value) if value is not None else "0"
        extra["codIncoterms"] = post.get("codIncoterms", "").strip()[:2]
        extra["descIncoterms"] = post.get("descIncoterms", "").strip()[:150]
        kind = post.get("tipoItemExpor", "1")[:1]
        extra["tipoItemExpor"] = kind if kind in ("1", "2", "3") else "1"
        _export_customs(post, extra, errors, document)
    if document.tipo_dte == ar.NR:
        extra["bienTitulo"] = post.get("bienTitulo", "01")[:2]
    if document.tipo_dte == ar.CD:
        # The document associated with the donation (CAT-021: 1 del emisor, 2 del receptor).
        code = post.get("otros-cod", "1").strip()
        extra["otrosDocumentos"] = [{"codDocAsociado": 2 if code == "2" else 1,
                                     "descDocumento": post.get("otros-desc", "").strip()[:100],
                                     "detalleDocumento": post.get("otros-detalle", "").strip()[:300]}]
    if document.tipo_dte == ar.DCL:
        _settlement(post, document, extra, errors)
    if document.tipo_dte in THIRD_PARTY_TYPES and "tercero-nit" in post:
        _third_party(post, extra, errors)
    data["extra"] = extra
    if document.tipo_dte == ar.FSE:
        data["counterparty"] = {f: post.get(f"party-{f}", "").strip()[:200] for f in PARTY_FIELDS}
    elif document.tipo_dte == ar.FACTURA and not document.client_id and "party-id_type" in post:
        data["counterparty"] = _occasional_buyer(post, errors)
    return data, errors


# CAT-022 formats a Factura's receptor is checked against (facts §2.2): DUI ########-#, NIT 9 or 14 digits.
ID_FORMATS = {"13": (re.compile(r"\d{8}-\d"), _lazy("El DUI se escribe ########-# (8 dígitos, guion, 1 dígito).")),
              "36": (re.compile(r"\d{9}|\d{14}"), _lazy("El NIT tiene 9 o 14 dígitos, sin guiones."))}


def _occasional_buyer(post, errors):
    """A Factura's buyer typed into the editor, without a client: tipoDocumento (CAT-022),
    numDocumento and nombre are what a Factura's receptor carries for a consumidor final, and
    what it must carry from the identification threshold (facts §2.2)."""
    id_type = post.get("party-id_type", "").strip()[:2]
    if id_type not in ("", "13", "36", "02", "03", "37"):
        id_type = ""
    number = post.get("party-id_number", "").strip()[:20]
    name = post.get("party-name", "").strip()[:200]
    if number and not id_type:
        errors.append(_("Comprador: indique el tipo de documento de «%(n)s».") % {"n": number})
    rule = ID_FORMATS.get(id_type)
    if rule and number and not rule[0].fullmatch(number):
        errors.append(str(rule[1]))
    return {"id_type": id_type, "id_number": number, "name": name} if (id_type or number or name) else {}
