"""The Comprobante de Donación (15) in either generation (sv-tax-facts-2.md §6; facts §1, §2):
v1 (2023) names the issuer ``donatario`` and the donor ``donante``; v2 (2026) calls them
``emisor`` and ``receptor``, writes distrito in addresses, drops tipoEstablecimiento and the MH
codes from the issuer and spells the item's depreciation ``tipoDepreciacion``. Neither carries
tipoContingencia/motivoContin: a CD is only issued in normal transmission (facts §5).

Kept apart from dte.builders and dte.builders_2026, which it reuses (identificacion, addresses),
because nothing of the sale documents' sections fits it."""

from catalogs import countries
from dte import arithmetic as ar
from dte import builders as b23
from dte import builders_2026 as b26
from dte.amounts import ZERO, D, amount_in_words, q2, q8

SALVADOR_2023 = "9300"  # CAT-020 (2023 edition): El Salvador
UNIT_OTHER = 99  # CAT-014 "otra": cash and services (fe-cd-v1: uniMedida const 99 for tipoDonacion 1 and 3)
_none = b23._none


def domiciled(party):
    """CAT-032: 1 domiciliado (a Salvadoran address), 2 no domiciliado (a foreign donor)."""
    return 2 if (party or {}).get("kind") == "extranjero" else 1


def _identificacion(*, version, ambiente, numero_control, codigo_generacion, fec_emi, hor_emi):
    out = b23.identificacion(tipo=ar.CD, version=version, ambiente=ambiente, numero_control=numero_control,
                             codigo_generacion=codigo_generacion, fec_emi=fec_emi, hor_emi=hor_emi)
    out.pop("tipoContingencia")
    out.pop("motivoContin")
    return out


def _issuer(company, establishment, point_of_sale, generation):
    out = {"tipoDocumento": "36", "numDocumento": company.nit, "nrc": _none(company.nrc), "nombre": company.legal_name,
           "codActividad": company.activity_code, "descActividad": company.activity_description,
           "nombreComercial": _none(company.trade_name)}
    if generation == "2023":
        out.update({"tipoEstablecimiento": establishment.establishment_type,
                    "direccion": {"departamento": establishment.departamento, "municipio": establishment.municipio,
                                  "complemento": establishment.address}})
    else:
        out["direccion"] = b26.address(establishment.departamento, establishment.municipio, establishment.distrito,
                                       establishment.address)
    out.update({"telefono": establishment.phone or company.phone, "correo": company.email})
    if generation == "2023":
        out.update({"codEstableMH": _none(establishment.cod_estable_mh), "codEstable": _none(establishment.cod_estable),
                    "codPuntoVentaMH": _none(point_of_sale.cod_punto_venta_mh),
                    "codPuntoVenta": _none(point_of_sale.cod_punto_venta)})
    else:
        out.update({"codEstable": _none(establishment.cod_estable), "codPuntoVenta": _none(point_of_sale.cod_punto_venta)})
    return out


def _donor(party, generation):
    p = party or {}
    home = domiciled(p) == 1
    country = p.get("country_code") or SALVADOR_2023
    if generation == "2023":
        address = b23._address(p.get("departamento"), p.get("municipio"), p.get("address")) if home else None
    else:
        address = b26._party_address(p) if home else None
        country = countries.iso_code(country)
    return {
        "tipoDocumento": p.get("id_type"), "numDocumento": p.get("id_number"),
        "nrc": _none(p.get("nrc")) if p.get("id_type") == "36" else None, "nombre": p.get("name"),
        # A donor without Salvadoran domicile carries neither address nor activity (fe-cd-v1).
        "codActividad": _none(p.get("activity_code")) if home else None,
        "descActividad": _none(p.get("activity_description")) if home else None,
        "direccion": address, "telefono": _none(p.get("phone")), "correo": _none(p.get("email")),
        "codDomiciliado": domiciled(p), "codPais": country,
    }


def _items(lines, totals, generation):
    depreciation_key = "depreciacion" if generation == "2023" else "tipoDepreciacion"
    out = []
    for n, (line, lo) in enumerate(zip(lines, totals.lines, strict=True), start=1):
        kind = int((line.extra or {}).get("tipoDonacion") or 0)
        out.append({"numItem": n, "tipoDonacion": kind, "cantidad": D(line.quantity), "codigo": _none(line.code),
                    "uniMedida": line.unit if kind == ar.DONATION_GOODS else UNIT_OTHER,
                    "descripcion": line.description, depreciation_key: q8(D((line.extra or {}).get("depreciacion"))),
                    "valorUni": D(line.unit_price), "valor": lo.valor})
    return out


def _pagos(document, lines, totals):
    """[G] The cash given (tipoDonacion 1) as one payment in the method the person chose (CAT-017;
    cash, 01, by default); goods and services are not paid: null when there is no cash."""
    cash = sum((lo.valor for line, lo in zip(lines, totals.lines, strict=True)
                if int((line.extra or {}).get("tipoDonacion") or 0) == ar.DONATION_CASH), ZERO)
    if cash <= 0:
        return None
    chosen = (document.payments or [{}])[0]
    return [{"codigo": chosen.get("codigo") or "01", "montoPago": q2(cash), "referencia": chosen.get("referencia")}]


def _otros(document):
    """The documents associated with the donation (CAT-021), e.g. the donatario's qualification
    (LISR art. 6); at least one, required by both generations' schemas."""
    out = []
    for entry in (document.extra or {}).get("otrosDocumentos") or []:
        out.append({"codDocAsociado": int(entry.get("codDocAsociado") or 1), "descDocumento": entry.get("descDocumento"),
                    "detalleDocumento": entry.get("detalleDocumento")})
    return out or None


def build(*, document, lines, totals, company, establishment, point_of_sale, version, ambiente, numero_control,
          codigo_generacion, hor_emi, generation, **_ignored) -> dict:
    issuer, donor = ("donatario", "donante") if generation == "2023" else ("emisor", "receptor")
    return {
        "identificacion": _identificacion(version=version, ambiente=ambiente, numero_control=numero_control,
                                          codigo_generacion=codigo_generacion, fec_emi=document.issue_date,
                                          hor_emi=hor_emi),
        issuer: _issuer(company, establishment, point_of_sale, generation),
        donor: _donor(document.counterparty, generation),
        "otrosDocumentos": _otros(document),
        "cuerpoDocumento": _items(lines, totals, generation),
        "resumen": {"valorTotal": totals.valor_total, "totalLetras": amount_in_words(totals.valor_total),
                    "pagos": _pagos(document, lines, totals)},
        "apendice": (document.extra or {}).get("apendice") or None,
    }
