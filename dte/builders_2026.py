"""The 2026 generation's JSON (Normativa v2.0; facts §9, sv-tax-facts-2.md §2, and the
differences listed in mh-schemas-2026/SOURCES.md): FE v2, CCF v4, NR v4, NC v4, ND v4, CR v2,
FEX v3, FSE v2. Same inputs and the same ``Totals`` as the 2023 builder (dte.builders), which
this module reuses wherever a section did not change; what changed is written here:

- every address carries ``distrito`` (CAT-008) and the 2024 municipio (catalogs.territory);
- ``extension`` is gone; its ``observaciones`` move into ``resumen``;
- the emisor loses tipoEstablecimiento, codEstableMH and codPuntoVentaMH (the establishment is
  in the numeroControl); CR writes codEstable/codPuntoVenta like the others;
- ``ivaRete1`` → ``ivaRete``, ``ivaPerci1`` → ``ivaPerci``; ``reteRenta`` only in FSE;
- ventaTercero gains ``codDomiciliado``; FEX gains documentoRelacionado, compraTercero,
  tipoRegimen and totalNoOnerosas and spells ``motivoContin`` like the rest;
- NC/ND v4 name the receptor by tipoDocumento/numDocumento, carry IVA, perception and retention
  per item and drop the global discounts and subTotal; they gain identificacion.fusion;
- CR v2: item tipoDoc → tipoGeneracion, resumen totalIVAretenido → totalIvaRetenido,
  totalIVAretenidoLetras → totalLetras, plus totalIva and observaciones;
- FSE v2: sujetoExcluido is called receptor; ivaRete1 is gone.

Where the schemas say a key exists but not how MH computes it, the choice is ours and marked [G]
as on the facts page.
"""

from catalogs import countries, territory
from catalogs.selectors import country_name
from dte import arithmetic as ar
from dte import builders as b23
from dte.amounts import ZERO, D, amount_in_words, q2, q8
from dte.taxes import IVA_RATE, LINE_TAXES, RETENTION_RATE

# Top-level sections per type, in the order of each schema's "required".
SECTIONS = {
    ar.FACTURA: ("identificacion", "documentoRelacionado", "emisor", "receptor", "otrosDocumentos", "ventaTercero",
                 "cuerpoDocumento", "resumen", "apendice"),
    ar.CCF: ("identificacion", "documentoRelacionado", "emisor", "receptor", "otrosDocumentos", "ventaTercero",
             "cuerpoDocumento", "resumen", "apendice"),
    ar.NR: ("identificacion", "documentoRelacionado", "emisor", "receptor", "ventaTercero", "cuerpoDocumento", "resumen",
            "apendice"),
    ar.NC: ("identificacion", "documentoRelacionado", "emisor", "receptor", "ventaTercero", "cuerpoDocumento", "resumen",
            "apendice"),
    ar.ND: ("identificacion", "documentoRelacionado", "emisor", "receptor", "ventaTercero", "cuerpoDocumento", "resumen",
            "apendice"),
    ar.CR: ("identificacion", "emisor", "receptor", "cuerpoDocumento", "resumen", "apendice"),
    ar.FEX: ("identificacion", "documentoRelacionado", "emisor", "receptor", "otrosDocumentos", "ventaTercero",
             "compraTercero", "cuerpoDocumento", "resumen", "apendice"),
    ar.FSE: ("identificacion", "emisor", "receptor", "cuerpoDocumento", "resumen", "apendice"),
}
# The CAT-006 code of the 1 % IVA retention a note carries (resumen.codigoRetencionMH, NC/ND v4).
RETENTION_1_PERCENT = "22"

_none = b23._none


def address(departamento, municipio, distrito, complemento):
    """{departamento, municipio (2024), distrito (CAT-008), complemento}, or None when the party
    has no address or it cannot be placed in the 2024 map (dte.services.problems says so before
    issuing)."""
    if not (departamento and complemento):
        return None
    distrito = distrito or territory.distrito_of_municipio_2023(departamento, municipio)
    municipio_2024 = territory.municipio_2024(departamento, distrito)
    if not municipio_2024:
        return None
    return {"departamento": departamento, "municipio": municipio_2024, "distrito": distrito, "complemento": complemento}


def _party_address(p):
    return address(p.get("departamento"), p.get("municipio"), p.get("distrito"), p.get("address"))


def identificacion(*, tipo, **kwargs):
    out = b23.identificacion(tipo=tipo, **kwargs)
    if "motivoContigencia" in out:  # FEX v3 spells it as every other type (facts §2.1)
        out = {("motivoContin" if k == "motivoContigencia" else k): v for k, v in out.items()}
    if tipo in (ar.NC, ar.ND):
        # NIT of a company absorbed in a merger (sv-tax-facts-2.md §2); none here.
        out["fusion"] = None
    return out


def emisor(tipo, company, establishment, point_of_sale, *, extra=None):
    out = {
        "nit": company.nit, "nrc": company.nrc, "nombre": company.legal_name, "codActividad": company.activity_code,
        "descActividad": company.activity_description, "nombreComercial": _none(company.trade_name),
        "direccion": address(establishment.departamento, establishment.municipio, establishment.distrito,
                             establishment.address),
        "telefono": establishment.phone or company.phone, "correo": company.email,
    }
    if tipo in (ar.NC, ar.ND):
        return out  # NC/ND carry no establishment codes
    if tipo == ar.FSE:
        out.pop("nombreComercial")
    out.update({"codEstable": _none(establishment.cod_estable), "codPuntoVenta": _none(point_of_sale.cod_punto_venta)})
    if tipo == ar.FEX:
        extra = extra or {}
        kind = int(extra.get("tipoItemExpor") or 1)
        goods = kind != 2  # services leave through no customs office and under no regime
        tipo_regimen, regimen = _regimen(extra) if goods else (None, None)
        out.update({"tipoItemExpor": kind, "recintoFiscal": _none(extra.get("recintoFiscal")) if goods else None,
                    "tipoRegimen": tipo_regimen, "regimen": regimen})
    return out


def _regimen(extra):
    """(tipoRegimen CAT-033, regimen CAT-028) in the 2026 catalog edition: the 2023 code
    "EX-1.1000.000" is written "EX-1" + "1000.000" (catalogs SOURCES: CAT-028 2026 format)."""
    regimen = _none(extra.get("regimen"))
    tipo = _none(extra.get("tipoRegimen"))
    if regimen and regimen.startswith("EX-") and "." in regimen:
        prefix, rest = regimen.split(".", 1)
        return tipo or prefix, rest
    return tipo, regimen


def receptor(tipo, party, extra=None):
    p = dict(party or {})
    if tipo in (ar.NC, ar.ND):
        # NC/ND v4 identify the buyer by document type and number instead of `nit` (sv-tax-facts-2.md §2).
        return {"tipoDocumento": p.get("id_type") or "36", "numDocumento": p.get("id_number"), "nrc": _none(p.get("nrc")),
                "nombre": p.get("name"), "codActividad": p.get("activity_code"),
                "descActividad": p.get("activity_description"), "nombreComercial": _none(p.get("trade_name")),
                "direccion": _party_address(p), "telefono": _none(p.get("phone")), "correo": _none(p.get("email"))}
    out = b23.receptor(tipo, party, extra)
    if out is None:
        return None
    if tipo == ar.FEX:
        out["codPais"] = countries.iso_code(p.get("country_code"))  # CAT-020 is ISO alpha-2 in 2026
        out["nombrePais"] = country_name(out["codPais"]) or out.get("nombrePais")  # as MH's 2026 list names it
        return out
    if "direccion" in out:
        out["direccion"] = _party_address(p)
    return out


def venta_tercero(extra):
    third = (extra or {}).get("ventaTercero")
    if not third:
        return None
    # CAT-032 domicilio fiscal of the principal: 1 domiciliado, 2 no domiciliado.
    return {"nit": _none(third.get("nit")), "nombre": third.get("nombre"),
            "codDomiciliado": int(third["codDomiciliado"]) if third.get("codDomiciliado") else None}


def items(tipo, lines, totals, related_docs=()):
    if tipo in (ar.FACTURA, ar.CCF, ar.NR, ar.FSE):
        return b23.items(tipo, lines, totals, related_docs)
    if tipo == ar.CR:
        out = []
        for item in b23.items(tipo, lines, totals, related_docs):
            item = {("tipoGeneracion" if k == "tipoDoc" else k): v for k, v in item.items()}
            out.append(item)
        return out
    if tipo == ar.FEX:
        related_default = related_docs[0].numero_documento if len(related_docs) == 1 else None
        out = []
        for n, (line, lo) in enumerate(zip(lines, totals.lines, strict=True), start=1):
            out.append({"numItem": n, "tipoItem": line.item_type,
                        "numeroDocumento": _none(line.related_code) or related_default,
                        "cantidad": D(line.quantity), "codigo": _none(line.code), "codTributo": None,
                        "uniMedida": line.unit, "descripcion": line.description, "precioUni": D(line.unit_price),
                        "montoDescu": lo.discount, "ventaGravada": lo.gravada, "tributos": lo.tributos,
                        "noGravado": lo.no_gravado})
        return out
    return _note_items(tipo, lines, totals, related_docs)


def _note_items(tipo, lines, totals, related_docs):
    """NC/ND v4 lines: each carries its IVA (13 % of its taxable sale) and, when the note has
    them, its 1 % perception and retention (sv-tax-facts-2.md §2); 8 decimals like every item
    amount. The resumen keeps its own figures, computed once on the total (dte.arithmetic)."""
    default_related = related_docs[0].numero_documento if len(related_docs) == 1 else None
    perceives, withholds = totals.iva_perci1 > 0, totals.iva_rete1 > 0
    out = []
    for n, (line, lo) in enumerate(zip(lines, totals.lines, strict=True), start=1):
        tax_line = line.item_type == 4 and line.tax_code in LINE_TAXES
        out.append({
            "numItem": n, "tipoItem": line.item_type, "numeroDocumento": _none(line.related_code) or default_related,
            "cantidad": D(line.quantity), "codigo": None if tax_line else _none(line.code),
            "codTributo": line.tax_code if tax_line else None, "uniMedida": 99 if tax_line else line.unit,
            "descripcion": line.description, "precioUni": D(line.unit_price), "montoDescu": lo.discount,
            "ventaNoSuj": lo.no_suj, "ventaExenta": lo.exenta, "ventaGravada": lo.gravada,
            # fe-nd-v4 names this key "" (an MH defect, dte.schemas.validation.corrected_official):
            # both notes send "tributos".
            "tributos": lo.tributos, "noGravado": lo.no_gravado,
            "ivaPerci": q8(lo.gravada * RETENTION_RATE) if perceives else ZERO,
            "totalIva": q8(lo.gravada * IVA_RATE),
            "ivaRete": q8(lo.gravada * RETENTION_RATE) if withholds else ZERO,
        })
    return out


def resumen(tipo, document, totals):
    t = totals
    observaciones = _none(document.observations)
    if tipo == ar.CR:
        return {"totalSujetoRetencion": t.total_sujeto_retencion,
                # [G] informative: the IVA of the withheld documents' taxable amounts.
                "totalIva": q2(t.total_sujeto_retencion * IVA_RATE),
                "totalIvaRetenido": t.total_iva_retenido, "totalLetras": amount_in_words(t.total_iva_retenido),
                "observaciones": observaciones}
    if tipo == ar.FSE:
        out = b23.resumen(tipo, document, totals)
        out.pop("ivaRete1")
        return out
    if tipo == ar.FEX:
        old = b23.resumen(tipo, document, totals)
        return {"totalGravada": old["totalGravada"], "descuGravada": old["descuento"],
                "porcentajeDescuento": old["porcentajeDescuento"], "totalDescu": old["totalDescu"],
                "seguro": old["seguro"] or ZERO, "flete": old["flete"],
                # [G] C3 is 0 %: no tax to summarise (the lines name it).
                "tributos": None,
                "montoTotalOperacion": old["montoTotalOperacion"], "totalNoGravado": old["totalNoGravado"],
                "totalNoOnerosas": ZERO,  # goods given away: none in an issued sale
                "totalPagar": old["totalPagar"], "totalLetras": old["totalLetras"], "saldoFavor": ZERO,
                "condicionOperacion": old["condicionOperacion"], "pagos": old["pagos"],
                "codIncoterms": old["codIncoterms"], "descIncoterms": old["descIncoterms"],
                "numPagoElectronico": old["numPagoElectronico"], "observaciones": observaciones}
    if tipo in (ar.NC, ar.ND):
        return _note_resumen(tipo, document, totals)
    old = b23.resumen(tipo, document, totals)
    out = {}
    for key, value in old.items():
        if key == "reteRenta":
            continue
        out[{"ivaRete1": "ivaRete", "ivaPerci1": "ivaPerci"}.get(key, key)] = value
    out["observaciones"] = observaciones
    return out


def _note_resumen(tipo, document, totals):
    """NC/ND v4. No global discounts (refused before issuing), so subTotalVentas less the lines'
    discounts is what the taxes apply to. [G] tributo 20 stays in ``tributos`` as in the CCF the
    note corrects, and ``totalIva`` repeats that IVA; montoTotalOperacion = subTotalVentas +
    Σ tributos; totalPagar = montoTotalOperacion + ivaPerci − ivaRete + totalNoGravado."""
    t = totals
    iva = next((x["valor"] for x in t.tributos if x["codigo"] == "20"), ZERO)
    out = {"totalNoSuj": t.total_no_suj, "totalExenta": t.total_exenta, "totalGravada": t.total_gravada,
           "subTotalVentas": t.sub_total_ventas, "totalDescu": t.total_descu, "tributos": t.tributos or None,
           "montoTotalOperacion": t.monto_total_operacion, "ivaPerci": t.iva_perci1, "totalIva": iva,
           "ivaRete": t.iva_rete1, "totalNoGravado": t.total_no_gravado, "totalPagar": t.total_pagar,
           "totalLetras": amount_in_words(t.monto_total_operacion), "condicionOperacion": document.condition}
    if tipo == ar.ND:
        out["numPagoElectronico"] = None
    out["observaciones"] = _none(document.observations)
    out["codigoRetencionMH"] = RETENTION_1_PERCENT if t.iva_rete1 > 0 else None
    return out


def build(*, document, lines, related_docs, totals, company, establishment, point_of_sale, version, ambiente,
          numero_control, codigo_generacion, hor_emi, contingency=None) -> dict:
    tipo = document.tipo_dte
    extra = document.extra or {}
    sections = {
        "identificacion": lambda: identificacion(tipo=tipo, version=version, ambiente=ambiente,
                                                 numero_control=numero_control, codigo_generacion=codigo_generacion,
                                                 fec_emi=document.issue_date, hor_emi=hor_emi, contingency=contingency),
        "documentoRelacionado": lambda: b23.related(related_docs),
        "emisor": lambda: emisor(tipo, company, establishment, point_of_sale, extra=extra),
        "receptor": lambda: receptor(tipo, document.counterparty, extra),
        "otrosDocumentos": lambda: extra.get("otrosDocumentos") or None,
        "ventaTercero": lambda: venta_tercero(extra),
        "compraTercero": lambda: extra.get("compraTercero") or None,
        "cuerpoDocumento": lambda: items(tipo, lines, totals, related_docs),
        "resumen": lambda: resumen(tipo, document, totals),
        "apendice": lambda: extra.get("apendice") or None,
    }
    return {name: sections[name]() for name in SECTIONS[tipo]}
