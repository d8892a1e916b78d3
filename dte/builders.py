"""From a document (its lines, related documents and counterparty) to the exact JSON of its MH
schema: every key present, null where unused (facts §2). One function per section; the per-type
differences are tables, not copies.

``doc_input`` turns a Document into the arithmetic's input; ``build`` assembles the JSON from the
same ``Totals`` the form shows."""


from catalogs.selectors import catalog_name, country_name
from dte import arithmetic as ar
from dte.amounts import ZERO, D, amount_in_words, q2
from dte.schemas.registry import DEFAULT_GENERATION
from dte.taxes import LINE_TAXES

WITH_OTHER_DOCS = {ar.FACTURA, ar.CCF, ar.FEX}
WITH_RELATED = {ar.FACTURA, ar.CCF, ar.NR, ar.NC, ar.ND}
WITH_THIRD_PARTY = {ar.FACTURA, ar.CCF, ar.NR, ar.NC, ar.ND, ar.FEX}
WITH_EXTENSION = {ar.FACTURA, ar.CCF, ar.NR, ar.NC, ar.ND, ar.CR}
# A Comprobante de Liquidación line's columns (DocumentLine.extra), in the arithmetic's order.
LIQUIDATED_COLUMNS = ("ventaNoSuj", "ventaExenta", "ventaGravada", "exportaciones")


def _none(value):
    return value if value not in ("", None) else None


def _address(dept, muni, complement):
    if not (dept and muni and complement):
        return None
    return {"departamento": dept, "municipio": muni, "complemento": complement}


def _catalog_name(catalog, code):
    if not code:
        return ""
    return catalog_name(catalog=catalog, code=code)


def party_snapshot(*, client=None, provider=None):
    """The counterparty as it will be printed, frozen at issue time."""
    if client is not None:
        return {
            "id_type": client.id_type, "id_number": client.id_number, "nrc": client.nrc, "name": client.name,
            "trade_name": client.trade_name, "activity_code": client.activity_code,
            "activity_description": client.activity_description or _catalog_name("CAT-019", client.activity_code),
            "departamento": client.departamento, "municipio": client.municipio, "distrito": client.distrito,
            "address": client.address,
            "phone": client.phone, "email": client.email, "country_code": client.country_code,
            "country_name": country_name(client.country_code), "person_type": client.person_type,
            "taxpayer_size": client.taxpayer_size, "kind": client.kind,
        }
    if provider is not None:
        return {
            "id_type": provider.id_type, "id_number": provider.id_number, "nrc": provider.nrc, "name": provider.name,
            "trade_name": "", "activity_code": provider.activity_code,
            "activity_description": _catalog_name("CAT-019", provider.activity_code),
            "departamento": provider.departamento, "municipio": provider.municipio, "distrito": provider.distrito,
            "address": provider.address, "phone": provider.phone,
            "email": provider.email, "taxpayer_size": "otro",
        }
    return {}


def doc_input(document, lines, *, company_size, settings_thresholds):
    """The arithmetic's view of a document (drafts and issued documents alike)."""
    extra = document.extra or {}
    buyer_size = (document.counterparty or {}).get("taxpayer_size") or "otro"
    return ar.DocIn(
        tipo_dte=document.tipo_dte,
        lines=[ar.LineIn(quantity=D(x.quantity), unit_price=D(x.unit_price), discount=D(x.discount),
                         treatment=x.treatment, item_type=x.item_type, special_taxes=tuple(x.special_taxes or ()),
                         no_gravado=D(x.no_gravado), withhold_income=x.withhold_income,
                         retention_base=D((x.extra or {}).get("montoSujetoGrav")),
                         retention_code=(x.extra or {}).get("codigoRetencionMH", ""),
                         retention_amount=(D(x.extra["ivaRetenido"]) if (x.extra or {}).get("ivaRetenido") not in
                                           (None, "") else None),
                         donation_type=int((x.extra or {}).get("tipoDonacion") or 0),
                         depreciation=D((x.extra or {}).get("depreciacion")),
                         liquidated=tuple(D((x.extra or {}).get(k)) for k in LIQUIDATED_COLUMNS)
                         if document.tipo_dte == ar.CL else ())
               for x in lines],
        discount_no_suj=D(document.discount_no_suj), discount_exenta=D(document.discount_exenta),
        discount_gravada=D(document.discount_gravada), discount=D(extra.get("descuento")),
        insurance=D(extra.get("seguro")), freight=D(extra.get("flete")),
        company_size=company_size, buyer_size=buyer_size,
        retention_threshold=settings_thresholds.retention_base, income_tax_rate=settings_thresholds.income_tax_rate,
        settlement=(extra.get("liquidacion") or {}) if document.tipo_dte == ar.DCL else {},
    )


# ------------------------------------------------------------------------------------ sections


def identificacion(*, tipo, version, ambiente, numero_control, codigo_generacion, fec_emi, hor_emi,
                   contingency=None):
    """tipoOperacion 1 ⇒ tipoModelo 1 and no contingency fields; 2 ⇒ modelo 2 (facts §2.1)."""
    tipo_contingencia = motivo = None
    modelo = operacion = 1
    if contingency:
        modelo = operacion = 2
        tipo_contingencia = contingency["tipo"]
        motivo = contingency.get("motivo") or None
    out = {
        "version": version, "ambiente": ambiente, "tipoDte": tipo, "numeroControl": numero_control,
        "codigoGeneracion": codigo_generacion, "tipoModelo": modelo, "tipoOperacion": operacion,
        "tipoContingencia": tipo_contingencia,
        # FEX v1 spells it motivoContigencia (facts §2.1).
        ("motivoContigencia" if tipo == ar.FEX else "motivoContin"): motivo,
        "fecEmi": fec_emi.isoformat(), "horEmi": hor_emi.strftime("%H:%M:%S"), "tipoMoneda": "USD",
    }
    return out


def emisor(tipo, company, establishment, point_of_sale, *, extra=None):
    base = {
        "nit": company.nit, "nrc": company.nrc, "nombre": company.legal_name, "codActividad": company.activity_code,
        "descActividad": company.activity_description, "nombreComercial": _none(company.trade_name),
        "tipoEstablecimiento": establishment.establishment_type,
        "direccion": {"departamento": establishment.departamento, "municipio": establishment.municipio,
                      "complemento": establishment.address},
        "telefono": establishment.phone or company.phone, "correo": company.email,
    }
    codes = {"codEstableMH": establishment.cod_estable_mh, "codEstable": _none(establishment.cod_estable),
             "codPuntoVentaMH": point_of_sale.cod_punto_venta_mh, "codPuntoVenta": _none(point_of_sale.cod_punto_venta)}
    if tipo in (ar.NC, ar.ND):
        return base  # NC/ND carry no establishment codes
    if tipo == ar.CR:
        return {**base, "codigoMH": codes["codEstableMH"], "codigo": codes["codEstable"],
                "puntoVentaMH": codes["codPuntoVentaMH"], "puntoVenta": codes["codPuntoVenta"]}
    if tipo == ar.FSE:
        base.pop("nombreComercial")
        base.pop("tipoEstablecimiento")
        return {**base, **codes}
    out = {**base, **codes}
    if tipo == ar.FEX:
        extra = extra or {}
        kind = int(extra.get("tipoItemExpor") or 1)
        goods = kind != 2  # services carry no customs office nor regime (fe-fex-v1: null when 2)
        out.update({"tipoItemExpor": kind, "recintoFiscal": _none(extra.get("recintoFiscal")) if goods else None,
                    "regimen": _none(extra.get("regimen")) if goods else None})
    return out


def _id_number(tipo, id_type, number):
    """CR and FSE write a DUI as 9 digits without the dash; the other types as ########-#."""
    if id_type == "13" and number and tipo in (ar.CR, ar.FSE):
        return number.replace("-", "")
    return number


def receptor(tipo, party, extra=None):
    p = dict(party or {})
    p["id_number"] = _id_number(tipo, p.get("id_type"), p.get("id_number"))
    if tipo == ar.FACTURA:
        if not p.get("id_number") and not p.get("name"):
            return None
        is_nit = p.get("id_type") == "36"
        return {
            "tipoDocumento": _none(p.get("id_type")), "numDocumento": _none(p.get("id_number")),
            "nrc": _none(p.get("nrc")) if is_nit else None, "nombre": _none(p.get("name")),
            "codActividad": _none(p.get("activity_code")), "descActividad": _none(p.get("activity_description")),
            "direccion": _address(p.get("departamento"), p.get("municipio"), p.get("address")),
            "telefono": _none(p.get("phone")), "correo": _none(p.get("email")),
        }
    if tipo in (ar.CCF, ar.NC, ar.ND):
        return {
            "nit": p.get("id_number"), "nrc": p.get("nrc"), "nombre": p.get("name"),
            "codActividad": p.get("activity_code"), "descActividad": p.get("activity_description"),
            "nombreComercial": _none(p.get("trade_name")),
            "direccion": _address(p.get("departamento"), p.get("municipio"), p.get("address")),
            "telefono": _none(p.get("phone")), "correo": p.get("email"),
        }
    if tipo in (ar.NR, ar.CR):
        out = {
            "tipoDocumento": p.get("id_type"), "numDocumento": p.get("id_number"),
            "nrc": _none(p.get("nrc")) if p.get("id_type") == "36" else None, "nombre": p.get("name"),
            "codActividad": _none(p.get("activity_code")), "descActividad": _none(p.get("activity_description")),
            "nombreComercial": _none(p.get("trade_name")),
            "direccion": _address(p.get("departamento"), p.get("municipio"), p.get("address")),
            "telefono": _none(p.get("phone")), "correo": p.get("email"),
        }
        if tipo == ar.NR:
            out["bienTitulo"] = (extra or {}).get("bienTitulo") or "01"
        return out
    if tipo == ar.FEX:
        return {
            "nombre": p.get("name"), "tipoDocumento": p.get("id_type"), "numDocumento": p.get("id_number"),
            "nombreComercial": _none(p.get("trade_name")), "codPais": p.get("country_code"),
            "nombrePais": p.get("country_name"), "complemento": p.get("address"),
            "tipoPersona": int(p["person_type"]) if p.get("person_type") else None,
            "descActividad": p.get("activity_description"), "telefono": _none(p.get("phone")),
            "correo": _none(p.get("email")),
        }
    if tipo == ar.FSE:
        return {
            "tipoDocumento": p.get("id_type"), "numDocumento": p.get("id_number"), "nombre": p.get("name"),
            "codActividad": _none(p.get("activity_code")), "descActividad": _none(p.get("activity_description")),
            "direccion": _address(p.get("departamento"), p.get("municipio"), p.get("address")),
            "telefono": _none(p.get("phone")), "correo": _none(p.get("email")),
        }
    raise ValueError(tipo)


def related(related_docs):
    if not related_docs:
        return None
    return [{"tipoDocumento": r.tipo_documento, "tipoGeneracion": r.tipo_generacion,
             "numeroDocumento": r.numero_documento, "fechaEmision": r.fecha_emision.isoformat()} for r in related_docs]


def items(tipo, lines, totals, related_docs=()):
    # An NC/ND line says which related document it adjusts; with only one, it is that one.
    default_related = related_docs[0].numero_documento if tipo in (ar.NC, ar.ND) and len(related_docs) == 1 else None
    out = []
    for n, (line, lo) in enumerate(zip(lines, totals.lines, strict=True), start=1):
        if tipo == ar.CR:
            x = line.extra or {}
            out.append({"numItem": n, "tipoDte": x.get("tipoDte"), "tipoDoc": int(x.get("tipoDoc") or 2),
                        "numDocumento": x.get("numDocumento"), "fechaEmision": x.get("fechaEmision"),
                        "montoSujetoGrav": lo.gravada, "codigoRetencionMH": x.get("codigoRetencionMH"),
                        "ivaRetenido": lo.iva_retenido,
                        # The schema wants a description: say what was withheld when the user left it blank.
                        "descripcion": line.description or f"Retención {x.get('codigoRetencionMH')} sobre documento "
                                                           f"{x.get('tipoDte')} {x.get('numDocumento')}"})
            continue
        common = {"cantidad": D(line.quantity), "codigo": _none(line.code), "uniMedida": line.unit,
                  "descripcion": line.description, "precioUni": D(line.unit_price), "montoDescu": lo.discount}
        if tipo == ar.FSE:
            out.append({"numItem": n, "tipoItem": line.item_type, **common, "compra": lo.compra})
            continue
        if tipo == ar.FEX:
            out.append({"numItem": n, **common, "ventaGravada": lo.gravada, "tributos": lo.tributos,
                        "noGravado": lo.no_gravado})
            continue
        tax_line = line.item_type == 4 and line.tax_code in LINE_TAXES
        item = {"numItem": n, "tipoItem": line.item_type,
                "numeroDocumento": _none(line.related_code) or default_related, "codigo": None if tax_line else _none(line.code),
                "codTributo": line.tax_code if tax_line else None, "descripcion": line.description,
                "cantidad": D(line.quantity), "uniMedida": 99 if tax_line else line.unit,
                "precioUni": D(line.unit_price), "montoDescu": lo.discount, "ventaNoSuj": lo.no_suj,
                "ventaExenta": lo.exenta, "ventaGravada": lo.gravada, "tributos": lo.tributos}
        if tipo in (ar.FACTURA, ar.CCF):
            item["psv"] = ZERO
            item["noGravado"] = lo.no_gravado
        if tipo == ar.FACTURA:
            item["ivaItem"] = lo.iva_item
        out.append(item)
    return out


def pagos(document, total):
    """`pagos` consistent with the total: the methods entered (their amounts must add up), or the
    whole amount in cash; crédito carries the term in days (CAT-018 "01")."""
    if total <= 0:
        return None
    entries = document.payments or [{"codigo": "01", "monto": str(total), "referencia": None}]
    out = []
    for entry in entries:
        item = {"codigo": entry["codigo"], "montoPago": q2(entry.get("monto") or total),
                "referencia": entry.get("referencia"), "plazo": None, "periodo": None}
        if document.condition == 2:
            item["plazo"], item["periodo"] = "01", int(document.payment_term_days or 0)
        out.append(item)
    return out


def resumen(tipo, document, totals):
    t = totals
    letras = amount_in_words(t.total_pagar if tipo not in (ar.NC, ar.ND, ar.NR) else t.monto_total_operacion)
    condicion = document.condition if t.total_pagar > 0 or tipo in (ar.NC, ar.ND) else 1  # schema: total 0 ⇒ contado
    if tipo == ar.CR:
        return {"totalSujetoRetencion": t.total_sujeto_retencion, "totalIVAretenido": t.total_iva_retenido,
                "totalIVAretenidoLetras": amount_in_words(t.total_iva_retenido)}
    if tipo == ar.FSE:
        return {"totalCompra": t.total_compra, "descu": t.descuento, "totalDescu": t.total_descu, "subTotal": t.sub_total,
                "ivaRete1": t.iva_rete1, "reteRenta": t.rete_renta, "totalPagar": t.total_pagar, "totalLetras": letras,
                "condicionOperacion": condicion, "pagos": pagos(document, t.total_pagar),
                "observaciones": _none(document.observations)}
    if tipo == ar.FEX:
        extra = document.extra or {}
        return {"totalGravada": t.total_gravada, "descuento": t.descuento, "porcentajeDescuento": t.porcentaje_descuento,
                "totalDescu": t.total_descu, "seguro": t.seguro, "flete": t.flete,
                "montoTotalOperacion": t.monto_total_operacion, "totalNoGravado": t.total_no_gravado,
                "totalPagar": t.total_pagar, "totalLetras": letras, "condicionOperacion": condicion,
                "pagos": pagos(document, t.total_pagar), "codIncoterms": _none(extra.get("codIncoterms")),
                "descIncoterms": _none(extra.get("descIncoterms")), "numPagoElectronico": None,
                "observaciones": _none(document.observations)}
    out = {"totalNoSuj": t.total_no_suj, "totalExenta": t.total_exenta, "totalGravada": t.total_gravada,
           "subTotalVentas": t.sub_total_ventas, "descuNoSuj": t.descu_no_suj, "descuExenta": t.descu_exenta,
           "descuGravada": t.descu_gravada, "porcentajeDescuento": t.porcentaje_descuento, "totalDescu": t.total_descu,
           "tributos": t.tributos or None, "subTotal": t.sub_total}
    if tipo == ar.NR:
        out.update({"montoTotalOperacion": t.monto_total_operacion, "totalLetras": letras})
        return out
    if tipo in (ar.CCF, ar.NC, ar.ND):
        out["ivaPerci1"] = t.iva_perci1
    out.update({"ivaRete1": t.iva_rete1, "reteRenta": t.rete_renta, "montoTotalOperacion": t.monto_total_operacion})
    if tipo in (ar.NC, ar.ND):
        out.pop("porcentajeDescuento")
        out.update({"totalLetras": letras, "condicionOperacion": condicion})
        if tipo == ar.ND:
            out["numPagoElectronico"] = None
        return out
    out.update({"totalNoGravado": t.total_no_gravado, "totalPagar": t.total_pagar, "totalLetras": letras})
    if tipo == ar.FACTURA:
        out["totalIva"] = t.total_iva
    # numPagoElectronico: the electronic payment's reference when a gateway took the money
    # (orders: the gateway's authorisation code; facts §2.5), else null.
    out.update({"saldoFavor": ZERO, "condicionOperacion": condicion, "pagos": pagos(document, t.total_pagar),
                "numPagoElectronico": (document.extra or {}).get("numPagoElectronico") or None})
    return out


def extension(document):
    x = (document.extra or {}).get("extension") or {}
    out = {"nombEntrega": _none(x.get("nombEntrega")), "docuEntrega": _none(x.get("docuEntrega")),
           "nombRecibe": _none(x.get("nombRecibe")), "docuRecibe": _none(x.get("docuRecibe")),
           "observaciones": _none(document.observations)}
    if document.tipo_dte in (ar.FACTURA, ar.CCF):  # only these carry the vehicle plate
        out["placaVehiculo"] = _none(x.get("placaVehiculo"))
    return out


def build(*, document, lines, related_docs, totals, company, establishment, point_of_sale, version, ambiente,
          numero_control, codigo_generacion, hor_emi, contingency=None, generation=DEFAULT_GENERATION) -> dict:
    """The whole document, in the key order of its schema, in ``generation`` (dte.generations)."""
    if document.tipo_dte in (ar.CL, ar.DCL):
        from dte import builders_liquidation  # noqa: PLC0415 - cycle: it builds on this module's sections

        return builders_liquidation.build(document=document, lines=lines, totals=totals, company=company,
                                          establishment=establishment, point_of_sale=point_of_sale,
                                          generation=generation, version=version, ambiente=ambiente,
                                          numero_control=numero_control, codigo_generacion=codigo_generacion,
                                          fec_emi=document.issue_date, hor_emi=hor_emi, contingency=contingency)
    if document.tipo_dte == ar.CD:
        from dte import builders_cd  # noqa: PLC0415 - cycle: it builds on this module's sections

        return builders_cd.build(document=document, lines=lines, totals=totals, company=company,
                                 establishment=establishment, point_of_sale=point_of_sale, version=version,
                                 ambiente=ambiente, numero_control=numero_control, codigo_generacion=codigo_generacion,
                                 hor_emi=hor_emi, generation=generation)
    if generation != DEFAULT_GENERATION:
        from dte import builders_2026  # noqa: PLC0415 - cycle: it builds on this module's sections

        return builders_2026.build(document=document, lines=lines, related_docs=related_docs, totals=totals,
                                   company=company, establishment=establishment, point_of_sale=point_of_sale,
                                   version=version, ambiente=ambiente, numero_control=numero_control,
                                   codigo_generacion=codigo_generacion, hor_emi=hor_emi, contingency=contingency)
    tipo = document.tipo_dte
    out = {"identificacion": identificacion(tipo=tipo, version=version, ambiente=ambiente, numero_control=numero_control,
                                            codigo_generacion=codigo_generacion, fec_emi=document.issue_date,
                                            hor_emi=hor_emi, contingency=contingency)}
    if tipo in WITH_RELATED:
        out["documentoRelacionado"] = related(related_docs)
    out["emisor"] = emisor(tipo, company, establishment, point_of_sale, extra=document.extra)
    out["sujetoExcluido" if tipo == ar.FSE else "receptor"] = receptor(tipo, document.counterparty, document.extra)
    if tipo in WITH_OTHER_DOCS:
        out["otrosDocumentos"] = (document.extra or {}).get("otrosDocumentos") or None
    if tipo in WITH_THIRD_PARTY:
        out["ventaTercero"] = (document.extra or {}).get("ventaTercero") or None
    out["cuerpoDocumento"] = items(tipo, lines, totals, related_docs)
    out["resumen"] = resumen(tipo, document, totals)
    if tipo in WITH_EXTENSION:
        out["extension"] = extension(document)
    out["apendice"] = (document.extra or {}).get("apendice") or None
    return out
