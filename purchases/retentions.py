"""Retention matching (issue 23; facts-2 §5): a client that is a designated agent withholds 1 % of
the IVA base of the company's CCFs (CT arts. 162 and 112; Ley IVA 94) and gives a Comprobante de
Retención (07) naming each withheld document (its cuerpoDocumento: tipoDte, tipoDoc 2 = electronic
with numDocumento its código de generación, the amount subject and the IVA withheld). The CRs
received are matched here to the company's own documents by that código; unmatched CR lines and the
company's CCFs whose retention never arrived are listed for the accountant to follow up. The
supplier credits what was withheld through Anexo 7 (casilla 162)."""

import datetime
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Q

from core import scope
from core.fiscal import NOT_IN_FORCE, DocType
from dte import hooks
from dte.models import Document
from purchases.models import ReceivedDocument, ReceivedState

ZERO = Decimal("0.00")
RETENTION_1 = "22"  # CAT-006


@dataclass
class CRLine:
    cr: ReceivedDocument
    number: int
    tipo_dte: str
    reference: str  # the withheld document: código de generación (electronic) or its number
    date: str
    base: Decimal
    withheld: Decimal
    code: str
    document: Document | None = None


@dataclass
class Matching:
    matched: list = field(default_factory=list)  # CRLine with .document
    unmatched_lines: list = field(default_factory=list)  # CRLine that names no document of ours
    missing: list = field(default_factory=list)  # our Documents a CR should name and none does
    withheld_total: Decimal = ZERO


def _amount(value):
    try:
        return Decimal(str(value or 0)).quantize(Decimal("0.01"))
    except ArithmeticError:
        return ZERO


def cr_lines(cr):
    try:
        data = json.loads(cr.raw)
    except ValueError:
        return []
    out = []
    for i, item in enumerate(data.get("cuerpoDocumento") or [], start=1):
        if not isinstance(item, dict):
            continue
        out.append(CRLine(cr=cr, number=int(item.get("numItem") or i), tipo_dte=str(item.get("tipoDte") or ""),
                          reference=str(item.get("numDocumento") or "").upper(), date=str(item.get("fechaEmision") or ""),
                          base=_amount(item.get("montoSujetoGrav")), withheld=_amount(item.get("ivaRetenido")),
                          code=str(item.get("codigoRetencionMH") or "")))
    return out


def retention_matching(*, user, month):
    """The CRs received with a date in ``month`` (its first day) matched to our documents; and our
    CCFs of the month a client should have withheld on (the CCF shows the retention, or the client
    is a large taxpayer and the base reaches DTE_RETENTION_THRESHOLD) that no CR received names."""
    end = (month + datetime.timedelta(days=32)).replace(day=1)
    crs = (scope.rows(ReceivedDocument, user).filter(tipo_dte=DocType.CR, issue_date__gte=month, issue_date__lt=end)
           .exclude(state__in=(ReceivedState.INVALIDATED, ReceivedState.QUESTIONED)).order_by("issue_date", "id"))
    lines = [line for cr in crs for line in cr_lines(cr)]
    ours = scope.rows(Document, user).exclude(status__in=NOT_IN_FORCE)
    by_code = {d.codigo_generacion.upper(): d for d in ours.filter(
        codigo_generacion__in={line.reference for line in lines}).select_related("client")}
    out = Matching()
    for line in lines:
        line.document = by_code.get(line.reference)
        (out.matched if line.document is not None else out.unmatched_lines).append(line)
        if line.code == RETENTION_1:
            out.withheld_total += line.withheld
    named = {line.document.pk for line in out.matched}
    threshold = Decimal(settings.DTE_RETENTION_THRESHOLD)
    expected = (ours.filter(tipo_dte=DocType.CCF, issue_date__gte=month, issue_date__lt=end)
                .filter(Q(iva_retenido__gt=0) | Q(client__taxpayer_size="grande", amount_gravada__gte=threshold))
                .select_related("client").order_by("issue_date", "id"))
    out.missing = [d for d in expected if d.pk not in named]
    for doc in out.missing:  # what the CCF shows, or 1 % of its base (CT art. 162)
        doc.expected_retention = doc.iva_retenido or (doc.amount_gravada * Decimal("0.01")).quantize(Decimal("0.01"))
    return out


APPLIED_STATES = (ReceivedState.VERIFIED, ReceivedState.REGISTERED)


def line_reference(line):
    """The one name of a CR line, the same every time it is told (dte.hooks.RetentionMatch)."""
    return f"CR {line.cr.codigo_generacion} #{line.number}"


def retentions_apply(*, cr, acting_user, withdrawn=False):
    """Tell the apps above (dte.hooks.retention_matched: payments closes the client's balance
    difference) of every line of ``cr`` that names one of our documents in force. Harmless twice:
    the observers know a line by its reference. ``withdrawn``: the CR was invalidated. Only a CR
    verified or registered counts (a questioned one waits for the accountant). Returns the total
    the observers applied (negative: withdrawn)."""
    if cr.tipo_dte != DocType.CR or (not withdrawn and cr.state not in APPLIED_STATES):
        return ZERO
    lines = [line for line in cr_lines(cr) if line.withheld > 0]
    ours = {d.codigo_generacion.upper(): d for d in Document.objects.filter(
        company_id=cr.company_id, codigo_generacion__in={line.reference for line in lines})
        .exclude(status__in=NOT_IN_FORCE).select_related("client")}
    total = ZERO
    for line in lines:
        doc = ours.get(line.reference)
        if doc is None:
            continue
        answers = hooks.retention_matched(hooks.RetentionMatch(
            document=doc, amount=line.withheld, reference=line_reference(line), acting_user=acting_user,
            date=datetime.date.fromisoformat(str(cr.issue_date)), withdrawn=withdrawn))
        total += sum((a for a in answers if a), ZERO)
    return total


def retentions_apply_month(*, user, month):
    """The accountant's button: every CR of the month (in the user's scope) applied again (CRs
    read by the mailbox worker, which acts for nobody, are applied here). Returns the total."""
    end = (month + datetime.timedelta(days=32)).replace(day=1)
    crs = scope.rows(ReceivedDocument, user).filter(tipo_dte=DocType.CR, issue_date__gte=month, issue_date__lt=end,
                                                    state__in=APPLIED_STATES)
    return sum((retentions_apply(cr=cr, acting_user=user) for cr in crs), ZERO)
