"""A document's amounts: the totals its JSON is built from, what it is worth, and the columns the
sales books sum."""

from dte import arithmetic as ar
from dte import builders
from dte.amounts import ZERO, q2
from dte.taxes import thresholds


def document_totals(document, lines=None):
    """The same Totals the JSON is built from: the form shows exactly what will be signed."""
    lines = list(document.lines.all()) if lines is None else lines
    return ar.compute(builders.doc_input(document, lines, company_size=document.company.taxpayer_size,
                                         settings_thresholds=thresholds()))


def total_of(document, totals):
    """The amount a document is "worth" for thresholds and credit: what the client pays."""
    if document.tipo_dte in (ar.NC, ar.ND, ar.NR):
        return totals.monto_total_operacion
    return totals.total_pagar


def book_amounts(document, totals):
    """The columns the sales books and annexes sum (see Document.amount_gravada)."""
    if document.tipo_dte == ar.CR:
        return {"amount_no_suj": ZERO, "amount_exenta": ZERO, "amount_gravada": q2(totals.total_sujeto_retencion),
                "iva_retenido": q2(totals.total_iva_retenido), "iva_percibido": ZERO, "rete_renta": ZERO}
    if document.tipo_dte == ar.DCL:
        # The card sales settled, net of IVA, and the 2 % the issuer perceived (sv-tax-facts-2.md §6).
        return {"amount_no_suj": ZERO, "amount_exenta": ZERO, "amount_gravada": q2(totals.monto_sujeto_percepcion),
                "iva_retenido": ZERO, "iva_percibido": q2(totals.iva_percibido), "rete_renta": ZERO}
    if document.tipo_dte == ar.CL:
        # The mandante's sales the agent liquidates, net of IVA (their exports count as exempt here).
        return {"amount_no_suj": q2(totals.total_no_suj), "amount_exenta": q2(totals.total_exenta + totals.total_exportacion),
                "amount_gravada": q2(totals.total_gravada), "iva_retenido": ZERO, "iva_percibido": q2(totals.iva_perci1),
                "rete_renta": ZERO}
    if document.tipo_dte == ar.FSE:
        return {"amount_no_suj": ZERO, "amount_exenta": ZERO, "amount_gravada": q2(totals.total_compra),
                "iva_retenido": ZERO, "iva_percibido": ZERO, "rete_renta": q2(totals.rete_renta)}
    return {"amount_no_suj": q2(totals.total_no_suj - totals.descu_no_suj),
            "amount_exenta": q2(totals.total_exenta - totals.descu_exenta),
            "amount_gravada": q2(totals.total_gravada - totals.descu_gravada),
            "iva_retenido": q2(totals.iva_rete1), "iva_percibido": q2(totals.iva_perci1),
            "rete_renta": q2(totals.rete_renta)}


def iva_of(document, totals):
    if document.tipo_dte in (ar.FACTURA, ar.DCL):
        return totals.total_iva
    return sum((t["valor"] for t in totals.tributos if t["codigo"] == "20"), ZERO)
