"""What stops a document from being issued: not confirmable, it must be corrected."""

import re

from django.conf import settings
from django.utils.translation import gettext as _

from catalogs import countries
from catalogs.selectors import country_name
from core import formats
from dte import arithmetic as ar
from dte import builders_2026, builders_liquidation
from dte.amounts import ZERO, D, q2
from dte.models import Condition, GovStatus
from dte.schemas.registry import DEFAULT_GENERATION
from dte.services.cases import stock_cases
from dte.taxes import thresholds

# numeroControl's 8-character block in the 2026 generation: establishment type letter (CAT-009:
# M matriz, B bodega, S sucursal, P predio) and 3 digits, then P and 3 digits (facts §2.1;
# mh-schemas-2026/SOURCES.md).
ESTABLISHMENT_2026 = re.compile(r"^[MBSP][0-9]{3}$")
POINT_OF_SALE_2026 = re.compile(r"^P[0-9]{3}$")


def generation_problems(document, generation):
    """What the 2026 generation (Normativa v2.0) asks beyond the 2023 one."""
    out = []
    establishment, point = document.establishment, document.point_of_sale
    if not ESTABLISHMENT_2026.match(establishment.cod_estable_mh or ""):
        out.append(_("En la generación %(g)s el código MH del establecimiento es una letra (M, B, S o P) y 3 dígitos, "
                     "p. ej. M001; «%(c)s» no lo es.") % {"g": generation, "c": establishment.cod_estable_mh})
    if not POINT_OF_SALE_2026.match(point.cod_punto_venta_mh or ""):
        out.append(_("En la generación %(g)s el código MH del punto de venta es P y 3 dígitos, p. ej. P001; «%(c)s» "
                     "no lo es.") % {"g": generation, "c": point.cod_punto_venta_mh})
    if establishment.cod_estable and len(establishment.cod_estable) != 4:
        out.append(_("En la generación %(g)s el código propio del establecimiento tiene 4 caracteres; «%(c)s» no.")
                   % {"g": generation, "c": establishment.cod_estable})
    if builders_2026.address(establishment.departamento, establishment.municipio, establishment.distrito,
                             establishment.address) is None:
        out.append(_("La dirección del establecimiento no tiene un distrito de la reforma de 2024 (CAT-008): "
                     "corríjala en Configuración → Establecimientos."))
    party = document.counterparty or {}
    if party.get("departamento") and party.get("address") and builders_2026.address(
            party.get("departamento"), party.get("municipio"), party.get("distrito"), party.get("address")) is None:
        out.append(_("La dirección del receptor no tiene un distrito de la reforma de 2024 (CAT-008): corrija el "
                     "departamento, municipio o distrito del cliente."))
    if document.tipo_dte == ar.FEX and party.get("country_code") and not countries.iso_code(party["country_code"]):
        out.append(_("El país del cliente (%(c)s) no tiene código ISO conocido, que la generación %(g)s exige "
                     "(CAT-020): escriba el código ISO de dos letras en el cliente.") % {
            "c": party["country_code"], "g": generation})
    if document.tipo_dte == ar.NR and not (party.get("activity_code") and party.get("activity_description")):
        out.append(_("En la generación %(g)s una nota de remisión exige la actividad económica del receptor.")
                   % {"g": generation})
    if document.tipo_dte in (ar.NC, ar.ND) and (document.discount_no_suj or document.discount_exenta
                                                or document.discount_gravada):
        # NC/ND v4 have no global discounts in their resumen (sv-tax-facts-2.md §2).
        out.append(_("En la generación %(g)s una nota de crédito o débito no lleva descuentos globales: "
                     "aplíquelos en las líneas.") % {"g": generation})
    return out


def _party_problems(document):
    tipo, party = document.tipo_dte, document.counterparty or {}
    out = []
    if tipo in (ar.CCF, ar.NC, ar.ND):
        if document.client_id is None or party.get("id_type") != "36" or not party.get("nrc"):
            out.append(_("Un %(t)s necesita un cliente contribuyente con NIT y NRC.") % {"t": document.get_tipo_dte_display()})
        for key, label in (("activity_code", _("actividad económica")), ("address", _("dirección")),
                           ("email", _("correo electrónico"))):
            if not party.get(key):
                out.append(_("Al cliente le falta %(f)s, obligatoria en un %(t)s.") % {"f": label, "t": document.get_tipo_dte_display()})
    elif tipo == ar.FEX:
        if document.client_id is None or party.get("kind") != "extranjero" or not party.get("country_code"):
            out.append(_("Una factura de exportación necesita un cliente extranjero con país."))
        elif not party.get("activity_description") or not party.get("person_type"):
            out.append(_("Al cliente extranjero le falta la actividad o el tipo de persona."))
        elif not (party.get("country_name") or country_name(countries.iso_code(party["country_code"]))):
            out.append(_("El país del cliente (%(c)s) no está en el catálogo CAT-020 cargado: cargue los catálogos de "
                         "MH (Administración → Catálogos MH) o corrija el país.") % {"c": party["country_code"]})
        extra = document.extra or {}
        # Goods (tipoItemExpor 1 bienes, 3 ambos) leave through a customs office under a regime
        # (facts §10; fe-fex-v1 emisor.recintoFiscal CAT-027, emisor.regimen CAT-028).
        if str(extra.get("tipoItemExpor") or "1") in ("1", "3") and not (extra.get("recintoFiscal")
                                                                        and extra.get("regimen")):
            out.append(_("Una exportación de bienes necesita el recinto fiscal (CAT-027) y el régimen (CAT-028)."))
    elif tipo == ar.CR:
        if document.provider_id is None:
            out.append(_("Un comprobante de retención se emite a un proveedor."))
        else:
            for key, label in (("activity_code", _("actividad económica")), ("address", _("dirección")),
                               ("email", _("correo electrónico"))):
                if not party.get(key):
                    out.append(_("Al proveedor le falta %(f)s, obligatoria en un comprobante de retención.") % {"f": label})
    elif tipo == ar.FSE:
        if not (party.get("id_type") and party.get("id_number") and party.get("name") and party.get("address")):
            out.append(_("Indique documento, nombre y dirección del sujeto excluido."))
    elif tipo == ar.CD:
        out += _donation_problems(document, party)
    elif tipo == ar.NR:
        if not (party.get("id_number") and party.get("name") and party.get("email") and party.get("address")):
            out.append(_("Una nota de remisión necesita receptor con documento, nombre, dirección y correo."))
    elif tipo in (ar.CL, ar.DCL):
        # The mandante (08) or the affiliated merchant (09) is a VAT-registered taxpayer: fe-cl-v1 and
        # fe-dcl-v1 require its NIT, NRC, activity, address and e-mail (sv-tax-facts-2.md §6).
        if document.client_id is None or party.get("id_type") != "36" or not party.get("nrc"):
            out.append(_("Un %(t)s se emite a un contribuyente con NIT y NRC.") % {"t": document.get_tipo_dte_display()})
        for key, label in (("activity_code", _("actividad económica")), ("address", _("dirección")),
                           ("email", _("correo electrónico"))):
            if not party.get(key):
                out.append(_("Al cliente le falta %(f)s, obligatoria en un %(t)s.") % {
                    "f": label, "t": document.get_tipo_dte_display()})
    return out


# A CL lists at most 500 documents (fe-cl-v1 cuerpoDocumento maxItems; sv-tax-facts-2.md §6).
MAX_LIQUIDATED = 500


def liquidation_problems(document, lines, generation):
    """What a Comprobante de Liquidación (08) or a Documento Contable de Liquidación (09) needs
    beyond the common checks (sv-tax-facts-2.md §6)."""
    out = []
    if document.tipo_dte == ar.CL:
        if not lines:
            out.append(_("Agregue al menos un documento liquidado."))
        if len(lines) > MAX_LIQUIDATED:
            out.append(_("Un comprobante de liquidación lista hasta %(n)d documentos.") % {"n": MAX_LIQUIDATED})
        seen = {}
        for n, x in enumerate(lines, start=1):
            extra = x.extra or {}
            if not (extra.get("tipoDte") and extra.get("numeroDocumento") and extra.get("fechaGeneracion")):
                out.append(_("Línea %(n)d: indique el tipo, el número y la fecha del documento liquidado.") % {"n": n})
                continue
            if str(extra.get("tipoGeneracion")) == "1" and not re.fullmatch(r"[A-Z0-9]{1,20}", extra["numeroDocumento"]):
                out.append(_("Línea %(n)d: un documento físico se nombra por su correlativo impreso (hasta 20 letras "
                             "mayúsculas o dígitos).") % {"n": n})
            # Each document once; an invalidated one may come back once more, negative (§6).
            sign = "-" if sum((D(extra.get(k)) for k in ("ventaNoSuj", "ventaExenta", "ventaGravada",
                                                            "exportaciones")), ZERO) < 0 else "+"
            key = (extra["numeroDocumento"], sign)
            if key in seen:
                out.append(_("Línea %(n)d: el documento %(d)s ya está en la línea %(m)d.") % {
                    "n": n, "d": extra["numeroDocumento"], "m": seen[key]})
            seen.setdefault(key, n)
        return out
    s = builders_liquidation.settlement(document)
    if not (s.get("periodoInicio") and s.get("periodoFin")):
        out.append(_("Indique el inicio y el fin del período liquidado."))
    elif s["periodoInicio"] > s["periodoFin"]:
        out.append(_("El período liquidado termina antes de empezar."))
    x = (document.extra or {}).get("extension") or {}
    if len((x.get("nombEntrega") or "").strip()) < 5 or len((x.get("docuEntrega") or "").strip()) < 5:
        out.append(_("Indique quién entrega el documento: nombre y documento (al menos 5 caracteres cada uno)."))
    if generation == DEFAULT_GENERATION:
        phone = document.establishment.phone or document.company.phone
        if len(builders_liquidation.telefono8(phone)) != 8:
            out.append(_("El teléfono del establecimiento debe tener 8 dígitos para este documento («%(p)s»).")
                       % {"p": phone})
    return out


def _donation_problems(document, party):
    """A Comprobante de Donación names its donor (a client: a person or a company, Salvadoran or
    not) and at least one associated document, e.g. the donatario's qualification under LISR
    art. 6 (sv-tax-facts-2.md §6; fe-cd-v1/v2: otrosDocumentos required, 1–10)."""
    out = []
    if document.client_id is None or not (party.get("id_type") and party.get("id_number") and party.get("name")):
        out.append(_("Un comprobante de donación se emite al donante: elija el cliente que dona."))
    elif party.get("kind") != "extranjero" and not (party.get("departamento") and party.get("address")):
        out.append(_("Al donante domiciliado le falta la dirección, obligatoria en un comprobante de donación."))
    others = (document.extra or {}).get("otrosDocumentos") or []
    if not any(o.get("descDocumento") and o.get("detalleDocumento") for o in others):
        out.append(_("Indique el documento asociado a la donación (p. ej. la calificación como donatario): "
                     "identificación y descripción."))
    return out


def document_problems(document, lines, related, totals, *, generation=DEFAULT_GENERATION):
    """What stops a document from being issued (not confirmable: it must be fixed)."""
    tipo = document.tipo_dte
    out = _party_problems(document)
    if generation != DEFAULT_GENERATION:
        out += generation_problems(document, generation)
    if tipo in (ar.CL, ar.DCL):
        out += liquidation_problems(document, lines, generation)
    elif not lines:
        out.append(_("Agregue al menos una línea."))
    for n, x in enumerate(lines, start=1):
        if tipo == ar.CL:
            continue
        if tipo == ar.CR:
            extra = x.extra or {}
            if not extra.get("numDocumento") or not extra.get("fechaEmision"):
                out.append(_("Línea %(n)d: indique el número y la fecha del documento retenido.") % {"n": n})
        elif not x.description.strip():
            out.append(_("Línea %(n)d: falta la descripción.") % {"n": n})
    if tipo in (ar.NC, ar.ND):
        if not related:
            out.append(_("Indique el CCF o comprobante de retención que corrige."))
        if len({r.tipo_documento for r in related}) > 1:
            out.append(_("Los documentos relacionados deben ser todos del mismo tipo."))
        codes = {r.numero_documento for r in related}
        for n, x in enumerate(lines, start=1):
            if len(related) > 1 and x.related_code not in codes:
                out.append(_("Línea %(n)d: indique cuál de los documentos relacionados ajusta.") % {"n": n})
        for r in related:
            if r.tipo_documento not in (ar.CCF, ar.CR):
                out.append(_("Una nota solo corrige un CCF o un comprobante de retención."))
            if r.target_id and r.target.status != GovStatus.SEALED:
                out.append(_("El documento %(n)s aún no está sellado por MH.") % {"n": r.numero_documento})
    # Factura at or above the legal amount: the buyer's identification is demanded. The amount is
    # montoTotalOperacion, not what is paid (facts §2.2; fe-fc-v1's "if resumen.montoTotalOperacion
    # minimum 1095.00 then receptor.tipoDocumento, numDocumento, nombre"): retention and noGravado
    # charges move totalPagar away from it.
    if tipo == ar.FACTURA and totals.monto_total_operacion >= thresholds().factura_identification:
        party = document.counterparty or {}
        if not (party.get("id_type") and party.get("id_number") and party.get("name")):
            out.append(_("Una factura de %(a)s o más exige tipo y número de documento y nombre del comprador.")
                       % {"a": formats.money(thresholds().factura_identification)})
    if document.condition == Condition.CREDITO and not document.payment_term_days:
        out.append(_("Una venta al crédito necesita el plazo en días."))
    payments = document.payments or []
    unstated = [p for p in payments if not p.get("monto")]
    if len(payments) > 1 and unstated:
        out.append(_("Indique el monto de cada forma de pago."))
    elif payments and not unstated and tipo not in (ar.NC, ar.ND, ar.NR, ar.CR, ar.CL, ar.DCL, ar.CD):
        paid = sum((q2(p.get("monto") or 0) for p in payments), ZERO)
        if paid != q2(totals.total_pagar):
            out.append(_("Las formas de pago suman %(p)s y el total a pagar es %(t)s.") % {"p": formats.money(paid), "t": formats.money(totals.total_pagar)})
    if not settings.ALLOW_NEGATIVE_STOCK:
        out.extend(detail for code, detail in stock_cases(document, lines))
    return out
