"""The JSON of the two liquidation types, in both generations (sv-tax-facts-2.md §6): the
Comprobante de Liquidación (08: fe-cl-v1 / fe-cl-v2) and the Documento Contable de Liquidación
(09: fe-dcl-v1 / fe-dcl-v2). Called by dte.builders.build for these types; reuses its sections
(and dte.builders_2026's) wherever the liquidation's are the same, and writes here only what
differs: neither type carries contingency keys (modelo 1 / operación 1 only, facts §2.1, §5), the
CL lists the liquidated documents, the DCL's body is one object, its codes have their own names.

Inputs: a CL line's ``extra`` holds the liquidated document (tipoDte, tipoGeneracion,
numeroDocumento, fechaGeneracion and its columns); a DCL's ``document.extra["liquidacion"]`` the
period and the amounts entered, ``document.extra["extension"]`` who delivers it."""

import re

from dte import arithmetic as ar
from dte import builders as b23
from dte import builders_2026 as b26
from dte.amounts import amount_in_words, q2

_none = b23._none


def _identificacion(generation, **kwargs):
    out = (b26.identificacion if generation != "2023" else b23.identificacion)(**kwargs)
    out.pop("tipoContingencia")
    out.pop("motivoContin")
    return out


def settlement(document):
    """The DCL's entered values (period, amounts, codes), as the form stored them."""
    return (document.extra or {}).get("liquidacion") or {}


def telefono8(phone):
    """DCL v1 wants exactly 8 characters of digits, + or ; (fe-dcl-v1): a local number without
    its dash. Anything else is left as is, for dte.services.problems to name."""
    digits = re.sub(r"[^0-9+;]", "", phone or "")
    return digits if len(digits) == 8 else (phone or "")


# ----------------------------------------------------------------------------------------- 08 CL


def _cl_receptor(party, generation):
    p = party or {}
    if generation == "2023":
        return b23.receptor(ar.CCF, p)  # the mandante, as a CCF's receptor (fe-cl-v1 has the same keys)
    return {"tipoDocumento": p.get("id_type") or "36", "numDocumento": p.get("id_number"),
            # CAT-032: the mandante is domiciled here (a foreign principal has no NIT to liquidate to)
            "codDomiciliado": 1, "nrc": _none(p.get("nrc")), "nombre": p.get("name"),
            "codActividad": p.get("activity_code"), "descActividad": p.get("activity_description"),
            "nombreComercial": _none(p.get("trade_name")),
            "direccion": b26.address(p.get("departamento"), p.get("municipio"), p.get("distrito"), p.get("address")),
            "telefono": _none(p.get("phone")), "correo": _none(p.get("email"))}


def _cl_items(lines, totals, generation):
    out = []
    for n, (line, lo) in enumerate(zip(lines, totals.lines, strict=True), start=1):
        x = line.extra or {}
        note = line.description or None
        item = {"numItem": n, "tipoDte": x.get("tipoDte"), "tipoGeneracion": int(x.get("tipoGeneracion") or 2),
                "numeroDocumento": x.get("numeroDocumento"),
                ("fechaGeneracion" if generation == "2023" else "fechaEmision"): x.get("fechaGeneracion"),
                "ventaNoSuj": lo.no_suj, "ventaExenta": lo.exenta, "ventaGravada": lo.gravada,
                "exportaciones": lo.exportacion, "tributos": lo.tributos, "ivaItem": lo.iva_item}
        if generation == "2023":
            # obsItem is required, 3–3000 characters: say which document the line is when left blank.
            item["obsItem"] = note if note and len(note) >= 3 else f"Documento {x.get('tipoDte')} {x.get('numeroDocumento')}"
        else:
            item["observaciones"] = note
        out.append(item)
    return out


def _cl_resumen(document, totals, generation):
    t = totals
    condicion = document.condition if t.total_pagar > 0 else 1  # nothing to pay: al contado (fe-cl-v1)
    out = {"totalNoSuj": t.total_no_suj, "totalExenta": t.total_exenta, "totalGravada": t.total_gravada,
           ("totalExportacion" if generation == "2023" else "exportacion"): t.total_exportacion,
           "subTotalVentas": t.sub_total_ventas, "tributos": t.tributos or None,
           "montoTotalOperacion": t.monto_total_operacion, "ivaPerci": t.iva_perci1, "total": t.total_pagar,
           "totalLetras": amount_in_words(t.total_pagar), "condicionOperacion": condicion}
    if generation != "2023":
        out["observaciones"] = _none(document.observations)
    return out


def build_cl(*, document, lines, totals, company, establishment, point_of_sale, generation, ident):
    out = {"identificacion": _identificacion(generation, tipo=ar.CL, **ident)}
    if generation == "2023":
        out["emisor"] = b23.emisor(ar.CL, company, establishment, point_of_sale)
    else:
        out["identificacion"]["fusion"] = None  # no merger (sv-tax-facts-2.md §2)
        out["emisor"] = b26.emisor(ar.CL, company, establishment, point_of_sale)
    out["receptor"] = _cl_receptor(document.counterparty, generation)
    out["cuerpoDocumento"] = _cl_items(lines, totals, generation)
    out["resumen"] = _cl_resumen(document, totals, generation)
    if generation == "2023":
        out["extension"] = b23.extension(document)
    out["apendice"] = (document.extra or {}).get("apendice") or None
    return out


# ---------------------------------------------------------------------------------------- 09 DCL


def _dcl_emisor(company, establishment, point_of_sale, generation):
    out = {"nit": company.nit, "nrc": company.nrc, "nombre": company.legal_name, "codActividad": company.activity_code,
           "descActividad": company.activity_description, "nombreComercial": _none(company.trade_name)}
    phone = establishment.phone or company.phone
    if generation == "2023":
        out.update({"tipoEstablecimiento": establishment.establishment_type, "telefono": telefono8(phone),
                    "correo": company.email,
                    "direccion": {"departamento": establishment.departamento, "municipio": establishment.municipio,
                                  "complemento": establishment.address},
                    "codigoMH": establishment.cod_estable_mh, "codigo": _none(establishment.cod_estable),
                    "puntoVentaMH": point_of_sale.cod_punto_venta_mh,
                    "puntoVentaContri": _none(point_of_sale.cod_punto_venta)})
        return out
    out.update({"telefono": phone, "correo": company.email,
                "direccion": b26.address(establishment.departamento, establishment.municipio, establishment.distrito,
                                         establishment.address),
                "codigo": _none(establishment.cod_estable), "puntoVenta": _none(point_of_sale.cod_punto_venta)})
    return out


def _dcl_receptor(party, extra, generation):
    """The affiliated merchant; its establishment type (CAT-009) is entered on the form."""
    p = party or {}
    kind = (extra or {}).get("liquidacion", {}).get("tipoEstablecimiento") or "02"
    out = {"nit": p.get("id_number"), "nrc": p.get("nrc") if generation == "2023" else _none(p.get("nrc")),
           "nombre": p.get("name")}
    if generation == "2023":
        out.update({"telefono": _none(telefono8(p.get("phone"))), "correo": p.get("email"),
                    "direccion": b23._address(p.get("departamento"), p.get("municipio"), p.get("address")),
                    "tipoEstablecimiento": kind, "codActividad": p.get("activity_code"),
                    "descActividad": p.get("activity_description"), "nombreComercial": _none(p.get("trade_name")),
                    # the merchant's MH codes are its own business: unknown to the card issuer
                    "codigoMH": None, "puntoVentaMH": None})
        return out
    out.update({"telefono": _none(p.get("phone")), "correo": p.get("email"),
                "direccion": b26.address(p.get("departamento"), p.get("municipio"), p.get("distrito"), p.get("address")),
                "tipoEstablecimiento": kind, "codActividad": p.get("activity_code"),
                "descActividad": p.get("activity_description"), "nombreComercial": _none(p.get("trade_name"))})
    return out


def _dcl_cuerpo(document, totals, generation):
    t, s = totals, settlement(document)
    count = s.get("cantidadDoc")
    out = {"periodoLiquidacionFechaInicio": s.get("periodoInicio"), "periodoLiquidacionFechaFin": s.get("periodoFin"),
           "codLiquidacion": _none(s.get("codLiquidacion")), "cantidadDoc": int(count) if count else None,
           "valorOperaciones": t.valor_operaciones, "montoSinPercepcion": t.monto_sin_percepcion,
           "descripSinPercepcion": _none(s.get("descripSinPercepcion")), "subTotal": t.sub_total,
           "iva": q2(t.total_iva), "montoSujetoPercepcion": t.monto_sujeto_percepcion, "ivaPercibido": t.iva_percibido,
           "comision": t.comision,
           # v1 writes the percentage as text, v2 as a number 0–100 (sv-tax-facts-2.md §6)
           "porcentComision": f"{t.porcent_comision}" if generation == "2023" else t.porcent_comision,
           "ivaComision": t.iva_comision, "liquidoApagar": t.total_pagar,
           "totalLetras": amount_in_words(t.total_pagar), "observaciones": _none(document.observations)}
    return out


def _dcl_extension(document):
    x = (document.extra or {}).get("extension") or {}
    return {"nombEntrega": x.get("nombEntrega") or "", "docuEntrega": x.get("docuEntrega") or "",
            "codEmpleado": _none(x.get("codEmpleado"))}


def build_dcl(*, document, lines, totals, company, establishment, point_of_sale, generation, ident):
    return {"identificacion": _identificacion(generation, tipo=ar.DCL, **ident),
            "emisor": _dcl_emisor(company, establishment, point_of_sale, generation),
            "receptor": _dcl_receptor(document.counterparty, document.extra, generation),
            "cuerpoDocumento": _dcl_cuerpo(document, totals, generation),
            "extension": _dcl_extension(document),
            "apendice": (document.extra or {}).get("apendice") or None}


def build(*, document, lines, totals, company, establishment, point_of_sale, generation, **ident):
    maker = build_cl if document.tipo_dte == ar.CL else build_dcl
    return maker(document=document, lines=lines, totals=totals, company=company, establishment=establishment,
                 point_of_sale=point_of_sale, generation=generation, ident=ident)
