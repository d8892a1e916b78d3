"""What a Comprobante de Liquidación (08) lists (sv-tax-facts-2.md §6): the commission agent,
consignee or auctioneer liquidates to its mandante, at least once per period, its own FE, CCF, NC,
ND and FEX whose ``ventaTercero`` names that mandante, each with its amounts net of IVA and of
global discounts, each document once; one invalidated after being liquidated comes back once
more, negative."""

import calendar

from django.db.models import Q

from core.fiscal import IN_FORCE, DocType, GovStatus
from dte.amounts import ZERO, D, q2
from dte.models import DocumentLine
from dte.selectors import documents_for_user

LIQUIDATED_TYPES = (DocType.FACTURA, DocType.CCF, DocType.NC, DocType.ND, DocType.FEX)  # facts §1


def columns(doc):
    """(ventaNoSuj, ventaExenta, ventaGravada, exportaciones) of an issued document, net of IVA
    and of its global discounts (Document's book columns, dte.services.totals). A Factura's taxable
    amount includes IVA: its IVA is taken off. [G] A credit note lowers the mandante's sales, so
    its amounts are negative."""
    no_suj, exenta, gravada, export = D(doc.amount_no_suj), D(doc.amount_exenta), D(doc.amount_gravada), ZERO
    if doc.tipo_dte == DocType.FACTURA:
        gravada -= D(doc.total_iva)
    if doc.tipo_dte == DocType.FEX:
        gravada, export = ZERO, gravada
    sign = -1 if doc.tipo_dte == DocType.NC else 1
    return tuple(q2(sign * x) for x in (no_suj, exenta, gravada, export))


def _liquidated(company_id, exclude_id):
    """{codigoGeneracion: times listed, positive minus negative} over the CLs in force."""
    out = {}
    rows = (DocumentLine.objects.filter(document__company_id=company_id, document__tipo_dte=DocType.CL,
                                        document__status__in=IN_FORCE)
            .exclude(document_id=exclude_id).values_list("extra", flat=True))
    for extra in rows:
        extra = extra or {}
        code = extra.get("numeroDocumento")
        total = sum((D(extra.get(k)) for k in ("ventaNoSuj", "ventaExenta", "ventaGravada", "exportaciones")), ZERO)
        out[code] = out.get(code, 0) + (-1 if total < 0 else 1)
    return out


def _line(doc, sign=1, note=""):
    no_suj, exenta, gravada, export = (sign * x for x in columns(doc))
    return {"description": note or f"{doc.get_tipo_dte_display()} {doc.numero_control}", "quantity": D(1),
            "unit_price": ZERO, "extra": {
                "tipoDte": doc.tipo_dte, "tipoGeneracion": 2, "numeroDocumento": doc.codigo_generacion,
                "fechaGeneracion": doc.issue_date.isoformat(), "ventaNoSuj": str(no_suj), "ventaExenta": str(exenta),
                "ventaGravada": str(gravada), "exportaciones": str(export)}}


def liquidation_lines(*, user, document):
    """The lines to add to the CL ``document`` for its mandante (its client): the month's sales on
    the mandante's behalf up to the CL's date not yet liquidated, and the ones invalidated since
    they were liquidated (negative). Only documents ``user`` may see."""
    party = document.counterparty or {}
    nit = party.get("id_number")
    if not nit:
        return []
    day = document.issue_date
    start, end = day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    listed = {x.get("numeroDocumento") for x in document.lines.values_list("extra", flat=True) if x}
    done = _liquidated(document.company_id, document.pk)
    own = (documents_for_user(user=user)
           .filter(company_id=document.company_id, tipo_dte__in=LIQUIDATED_TYPES, extra__ventaTercero__nit=nit)
           .exclude(codigo_generacion__in=[c for c in listed if c]))
    out = []
    for doc in own.filter(status__in=IN_FORCE, issue_date__gte=start, issue_date__lte=min(end, day)).order_by(
            "issue_date", "numero_control"):
        if not done.get(doc.codigo_generacion):
            out.append(_line(doc))
    for doc in own.filter(Q(status=GovStatus.INVALIDATED)).order_by("issue_date", "numero_control"):
        if done.get(doc.codigo_generacion) == 1:  # liquidated once, not reversed yet
            out.append(_line(doc, -1, f"{doc.get_tipo_dte_display()} {doc.numero_control} (invalidado)"))
    return out
