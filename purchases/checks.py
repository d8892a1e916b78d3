"""The offline checks of a received DTE (facts-2 §4 "Offline"): the schema of its type and
version, the form of its signature (a JWS compact serialization whose payload is the document),
the 40-character sello of MH, its arithmetic, and that the receptor is this company. The issuer's
signature itself cannot be verified (issuers' keys are not published) and MH offers a receptor no
API to ask a document's status (facts-2 §4): both are left to the accountant."""

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from core.fiscal import IVA_RATE
from dte.schemas.registry import GENERATIONS
from dte.schemas.validation import parsed_errors

CENT = Decimal("0.01")
ZERO = Decimal("0")
# Keys MH adds around the signed document in the file an issuer sends (archivo DTE): not in the schema.
ENVELOPE_KEYS = ("firmaElectronica", "selloRecibido", "respuestaHacienda", "respuestaMH")
_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")
_SELLO = re.compile(r"^[A-Z0-9]{40}$")
IVA_TRIBUTO = "20"


@dataclass
class Outcome:
    generation: str = ""
    problems: list = field(default_factory=list)  # reasons to question the document, in Spanish


def generation_of(tipo, version):
    """The schema generation (dte.schemas.registry) whose version of ``tipo`` is ``version``."""
    for name, generation in GENERATIONS.items():
        entry = generation.get("dte", {}).get(tipo)
        if entry and entry[1] == version:
            return name
    return None


def _b64url_json(part):
    padded = part + "=" * (-len(part) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8"))


def signature_problems(document):
    jws = document.get("firmaElectronica")
    if jws is None:
        return [_("No trae firma electrónica (firmaElectronica).")]
    parts = jws.split(".") if isinstance(jws, str) else []
    if len(parts) != 3 or not all(_B64URL.match(p) for p in parts):
        return [_("La firma electrónica no tiene la forma de un JWS compacto (tres partes base64url).")]
    try:
        header = _b64url_json(parts[0])
        payload = _b64url_json(parts[1])
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return [_("La cabecera o el contenido de la firma no son JSON.")]
    problems = []
    if not isinstance(header, dict) or not header.get("alg"):
        problems.append(_("La cabecera de la firma no indica el algoritmo (alg)."))
    ident = document.get("identificacion") or {}
    signed = (payload.get("identificacion") or {}) if isinstance(payload, dict) else {}
    if signed.get("codigoGeneracion") != ident.get("codigoGeneracion") or signed.get("numeroControl") != ident.get("numeroControl"):
        problems.append(_("El documento firmado no es este documento (código de generación o número de control distintos)."))
    return problems


def sello_problems(document):
    sello = document.get("selloRecibido")
    if not sello:
        return [_("No trae el sello de recepción de MH (selloRecibido).")]
    if not isinstance(sello, str) or not _SELLO.match(sello):
        return [_("El sello de recepción no tiene 40 caracteres alfanuméricos.")]
    return []


def _num(value):
    return value if isinstance(value, Decimal) else Decimal(value or 0) if isinstance(value, int) else ZERO


def _far(a, b):
    return abs(_num(a) - _num(b)) > CENT


def settlement_problems(body):
    """A Documento Contable de Liquidación's settlement recomputed (sv-tax-facts-2.md §6):
    subTotal = valorOperaciones − montoSinPercepcion; ivaPercibido = 2 % of montoSujetoPercepcion;
    ivaComision = 13 % of comision; liquidoApagar = valorOperaciones − comision − ivaPercibido −
    ivaComision [C]."""
    if not isinstance(body, dict):
        return []
    value, outside = _num(body.get("valorOperaciones")), _num(body.get("montoSinPercepcion"))
    subject, perceived = _num(body.get("montoSujetoPercepcion")), _num(body.get("ivaPercibido"))
    commission, commission_iva = _num(body.get("comision")), _num(body.get("ivaComision"))
    problems = []
    if _far(body.get("subTotal"), value - outside):
        problems.append(_("subTotal no es el valor de las operaciones menos el monto sin percepción."))
    if _far(perceived, (subject * Decimal("0.02")).quantize(CENT)):
        problems.append(_("El IVA percibido (%(p)s) no es el 2 %% del monto sujeto a percepción (%(s)s).")
                        % {"p": perceived, "s": subject})
    if _far(commission_iva, (commission * IVA_RATE).quantize(CENT)):
        problems.append(_("El IVA de la comisión (%(i)s) no es el 13 %% de la comisión (%(c)s).")
                        % {"i": commission_iva, "c": commission})
    if _far(body.get("liquidoApagar"), value - commission - perceived - commission_iva):
        problems.append(_("El líquido a pagar no es el valor de las operaciones menos la comisión, el IVA percibido "
                          "y el IVA de la comisión."))
    return problems


def arithmetic_problems(document):
    """Totals recomputed from the lines, within a cent (MH rounds each figure to cents)."""
    tipo = document["identificacion"].get("tipoDte")
    if tipo == "09":
        return settlement_problems(document.get("cuerpoDocumento"))
    items = document.get("cuerpoDocumento") or []
    resumen = document.get("resumen") or {}
    if not isinstance(items, list) or not isinstance(resumen, dict):
        return []
    items = [i for i in items if isinstance(i, dict)]
    problems = []
    sums = {}
    for line_key, total_key in (("ventaNoSuj", "totalNoSuj"), ("ventaExenta", "totalExenta"), ("ventaGravada", "totalGravada")):
        if total_key not in resumen:
            continue
        sums[total_key] = sum((_num(i.get(line_key)) for i in items), ZERO)
        if _far(sums[total_key], resumen.get(total_key)):
            problems.append(_("%(k)s: el resumen dice %(r)s y las líneas suman %(s)s.")
                            % {"k": total_key, "r": resumen.get(total_key), "s": sums[total_key]})
    if tipo == "08":  # a CL's subTotalVentas adds its exports (sv-tax-facts-2.md §6)
        sums["exportaciones"] = sum((_num(i.get("exportaciones")) for i in items), ZERO)
    if "subTotalVentas" in resumen and len(sums) >= 3 and _far(sum(sums.values()), resumen["subTotalVentas"]):
        problems.append(_("subTotalVentas no es la suma de las ventas no sujetas, exentas y gravadas."))
    if tipo in ("03", "05", "06"):
        gravada = _num(resumen.get("totalGravada")) - _num(resumen.get("descuGravada"))
        iva = iva_of(resumen)
        if _far(iva, (gravada * IVA_RATE).quantize(CENT)):
            problems.append(_("El IVA (%(i)s) no es el 13 %% de las ventas gravadas (%(g)s).") % {"i": iva, "g": gravada})
        subtotal = _num(resumen.get("subTotal"))
        taxes = sum((_num(t.get("valor")) for t in resumen.get("tributos") or [] if isinstance(t, dict)), ZERO)
        if "montoTotalOperacion" in resumen and _far(subtotal + taxes, resumen["montoTotalOperacion"]):
            problems.append(_("montoTotalOperacion no es el subtotal más los tributos."))
    return problems


def iva_of(resumen):
    if "totalIva" in resumen:  # a Factura: the IVA inside the price
        return _num(resumen.get("totalIva"))
    return sum((_num(t.get("valor")) for t in resumen.get("tributos") or []
                if isinstance(t, dict) and t.get("codigo") == IVA_TRIBUTO), ZERO)


def receptor_ids(document):
    """(NIT, NRC) of the receptor; a CR names it ``receptor`` too, a Factura by tipoDocumento 36."""
    receptor = document.get("receptor") or {}
    if not isinstance(receptor, dict):
        return "", ""
    nit = receptor.get("nit") or (receptor.get("numDocumento") if receptor.get("tipoDocumento") == "36" else "")
    return str(nit or "").replace("-", ""), str(receptor.get("nrc") or "")


def receptor_problems(document, company):
    nit, nrc = receptor_ids(document)
    problems = []
    if nit != company.nit:
        problems.append(_("El receptor no es esta empresa: el NIT del receptor es «%(n)s», el de la empresa %(c)s.")
                        % {"n": nit or "—", "c": company.nit})
    elif nrc and nrc.lstrip("0") != company.nrc.lstrip("0"):
        problems.append(_("El NRC del receptor («%(n)s») no es el de la empresa (%(c)s).") % {"n": nrc, "c": company.nrc})
    return problems


def check(document, company, generation, text=None):
    """Every reason to question ``document`` (an empty list: it passes the offline checks).
    ``text``: the file's JSON text, for the schema's quick pass (parsed with floats)."""
    inner = {k: v for k, v in document.items() if k not in ENVELOPE_KEYS}
    try:
        floats = json.loads(text) if text is not None else None
    except ValueError:
        floats = None
    floats = {k: v for k, v in floats.items() if k not in ENVELOPE_KEYS} if isinstance(floats, dict) else inner
    problems = [_("Esquema de MH: %(e)s") % {"e": e} for e in parsed_errors(floats, inner, generation=generation)[:10]]
    problems += signature_problems(document)
    problems += sello_problems(document)
    problems += arithmetic_problems(document)
    problems += receptor_problems(document, company)
    return problems
