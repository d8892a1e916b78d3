"""The dashboards: figures for today, this month and a chosen period, what needs action now, and
the charts. Each role sees its own view, scoped to what it may see:

- accountant (edits documents, or reads reports without approving): every establishment it may see;
- supervisor (approves special cases): the same scope, plus approvals waiting;
- sales rep: only the documents it issued.

Two grouped queries read the period's documents once each; everything else is a small count."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Establishment, User
from accounts.modules import Module
from contingency import selectors
from core.fiscal import IN_FORCE, SALES_TYPES
from core.modules import Action
from core.scope import rows as rows_of
from dte.models import CaseState, Delivery, DeliveryState, DocType, GovStatus, InternalStatus, SpecialCase
from purchases.models import ReceivedDocument, ReceivedState
from reports.base import ZERO, documents_in_scope, money, month_bounds, net_sales, signed, sum_of

MAX_DAYS = 370


def view_of(user):
    if user.can(Module.DOCUMENTOS, Action.EDIT) or (user.can(Module.REPORTES, Action.VIEW)
                                                     and not user.can(Module.DOCUMENTOS, Action.APPROVE)):
        return "accountant"
    if user.can(Module.DOCUMENTOS, Action.APPROVE):
        return "supervisor"
    return "rep"


def scope(user, view):
    qs = documents_in_scope(user)
    return qs.filter(created_by=user) if view == "rep" else qs


@dataclass
class Cell:
    documents: int = 0
    amount: Decimal = ZERO


@dataclass
class Board:
    view: str
    today: datetime.date
    month: tuple
    period: tuple
    by_status: list = field(default_factory=list)  # [(value, label, [Cell today, month, period])]
    by_internal: list = field(default_factory=list)
    totals: list = field(default_factory=list)  # [Cell today, month, period]: documents in force, net sales
    action: list = field(default_factory=list)  # [(key, label, count, url, level)]
    contingency: list = field(default_factory=list)  # [(period, waiting, deadlines)]
    charts: dict = field(default_factory=dict)
    iva: "IvaPosition | None" = None  # the month's IVA position (company-wide accountants)


@dataclass
class IvaPosition:
    """The month's IVA as the F-07 adds it up (manual v14 casillas; facts-2 §3, §5): débito fiscal
    of the sales in force (Facturas' IVA included in the price, CCFs and debit notes, credit notes
    subtracting) less the crédito fiscal of the purchases registered in the month's tax period
    (credit notes received subtracting), less the 1 % retentions (Anexo 7, casilla 162) and
    perceptions (Anexo 8, casilla 163) suffered. Positive: tax to pay; negative: a remanente."""

    debit: Decimal = ZERO
    credit: Decimal = ZERO
    retentions: Decimal = ZERO
    perceptions: Decimal = ZERO

    @property
    def position(self):
        return self.debit - self.credit - self.retentions - self.perceptions


def parse_period(data, today):
    """The chosen period from ?desde=&hasta= (default: the last 30 days), at most a year."""
    errors = []
    start, end = today - datetime.timedelta(days=29), today
    for key in ("desde", "hasta"):
        value = (data.get(key) or "").strip()
        if not value:
            continue
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            errors.append(_("La fecha «%(v)s» no es válida (AAAA-MM-DD).") % {"v": value})
            continue
        if key == "desde":
            start = day
        else:
            end = day
    if start > end:
        start, end = end, start
        errors.append(_("La fecha inicial era posterior a la final: se invirtieron."))
    if (end - start).days > MAX_DAYS:
        start = end - datetime.timedelta(days=MAX_DAYS)
        errors.append(_("El periodo se limitó a un año."))
    return (start, end), errors


def board(user, period, *, today=None):
    today = today or timezone.localdate()
    view = view_of(user)
    month = month_bounds(today)
    out = Board(view=view, today=today, month=month, period=period)
    docs = scope(user, view).exclude(status=GovStatus.DRAFT)
    ranges = [(today, today), month, period]
    low, high = min(r[0] for r in ranges), max(r[1] for r in ranges)

    # 1. documents and amounts by government and internal status, in the three ranges at once
    measures = {}
    for i, (a, b) in enumerate(ranges):
        inside = Q(issue_date__gte=a, issue_date__lte=b)
        measures[f"n{i}"] = Count("id", filter=inside)
        measures[f"s{i}"] = _sum_in(inside, F("total_operation"))
        measures[f"v{i}"] = _sum_in(inside & Q(tipo_dte__in=SALES_TYPES), net_sales())
    grouped = list(docs.filter(issue_date__gte=low, issue_date__lte=high)
                   .values("status", "internal_status").annotate(**measures).order_by())
    status_cells, internal_cells, live = {}, {}, [Cell(), Cell(), Cell()]
    for row in grouped:
        for i in range(3):
            cell = Cell(row[f"n{i}"], row[f"s{i}"] or ZERO)
            for target, key in ((status_cells, row["status"]), (internal_cells, row["internal_status"])):
                cells = target.setdefault(key, [Cell(), Cell(), Cell()])
                cells[i].documents += cell.documents
                cells[i].amount += cell.amount
            if row["status"] in IN_FORCE:  # the cards: documents in force and net sales
                live[i].documents += cell.documents
                live[i].amount += row[f"v{i}"] or ZERO
    out.by_status = [(v, label, status_cells[v]) for v, label in GovStatus.choices if v in status_cells]
    out.by_internal = [(v, label, internal_cells[v]) for v, label in InternalStatus.choices if v in internal_cells]
    out.totals = live

    # 2. the charts, over the chosen period's sales
    sales = (docs.filter(issue_date__gte=period[0], issue_date__lte=period[1], status__in=IN_FORCE, tipo_dte__in=SALES_TYPES)
             .values("issue_date", "tipo_dte", "establishment_id", "created_by_id")
             .annotate(net=sum_of(net_sales())).order_by())
    by_day, by_type, by_est, by_rep = {}, {}, {}, {}
    for row in sales:
        for target, key in ((by_day, row["issue_date"]), (by_type, row["tipo_dte"]), (by_est, row["establishment_id"]),
                            (by_rep, row["created_by_id"])):
            target[key] = target.get(key, ZERO) + row["net"]
    out.charts = _charts(by_day, by_type, by_est, by_rep, period)
    out.action = _needs_action(user, view, docs)
    if view != "rep" and user.can(Module.CONTINGENCIA, Action.VIEW):
        out.contingency = _contingency()
    if view == "accountant" and user.company_wide:
        out.iva = iva_position(user, month[0])
    return out


def iva_position(user, month_start):
    """IvaPosition of the month beginning ``month_start`` (purchases by their tax period)."""
    start, end = month_bounds(month_start)
    debit = (documents_in_scope(user).filter(status__in=IN_FORCE, issue_date__gte=start, issue_date__lte=end,
                                             tipo_dte__in=(DocType.FACTURA, DocType.CCF, DocType.ND, DocType.NC))
             .aggregate(s=sum_of(signed(F("total_iva")))))["s"]
    registered = rows_of(ReceivedDocument, user).filter(state=ReceivedState.REGISTERED, tax_period=start)
    purchases = registered.filter(tipo_dte__in=(DocType.CCF, DocType.ND, DocType.NC)).aggregate(
        credit=sum_of(signed(F("iva"))), perceptions=sum_of(signed(F("iva_percibido"))))
    retentions = registered.filter(tipo_dte=DocType.CR).aggregate(s=sum_of("iva_retenido"))["s"]
    return IvaPosition(debit=debit, credit=purchases["credit"], retentions=retentions, perceptions=purchases["perceptions"])


def _sum_in(condition, expression):
    return Coalesce(Sum(expression, filter=condition), Value(ZERO), output_field=money())


def _charts(by_day, by_type, by_est, by_rep, period):
    days, day = [], period[0]
    while day <= period[1]:
        days.append(day)
        day += datetime.timedelta(days=1)
    names = {e.pk: f"{e.cod_estable_mh} · {e.name}" for e in Establishment.objects.filter(pk__in=list(by_est))}
    reps = {u.pk: u.get_full_name() or u.username for u in User.objects.filter(pk__in=list(by_rep))}
    top_reps = sorted(by_rep.items(), key=lambda kv: -kv[1])[:10]
    return {
        "day": {"labels": [d.strftime("%d/%m") for d in days], "values": [float(by_day.get(d, ZERO)) for d in days]},
        # a doughnut cannot show a negative slice: credit notes by their size, named as such
        "type": {"labels": [f"{k} · {DocType(k).label}" + (" (−)" if by_type[k] < 0 else "") for k in sorted(by_type)],
                 "values": [float(abs(by_type[k])) for k in sorted(by_type)]},
        "establishment": {"labels": [names.get(k, str(k)) for k in sorted(by_est, key=lambda k: names.get(k, ""))],
                          "values": [float(by_est[k]) for k in sorted(by_est, key=lambda k: names.get(k, ""))]},
        "rep": {"labels": [reps.get(k, str(k)) for k, _v in top_reps], "values": [float(v) for _k, v in top_reps]},
    }


def _needs_action(user, view, docs):
    counts = docs.filter(status__in=[GovStatus.REJECTED, GovStatus.IN_DOUBT]).values("status").annotate(n=Count("id")).order_by()
    counts = {row["status"]: row["n"] for row in counts}
    listing = reverse("dte:list")
    out = [("rejected", _("Rechazados por MH: corregir y emitir de nuevo"), counts.get("rejected", 0),
            f"{listing}?estado=rejected", "danger"),
           ("in_doubt", _("En duda: MH no confirmó si los recibió"), counts.get("in_doubt", 0),
            f"{listing}?estado=in_doubt", "warning")]
    failed = Delivery.objects.filter(state=DeliveryState.FAILED, document__in=docs).count()
    out.append(("emails", _("Correos a clientes que fallaron"), failed, listing, "warning"))
    if view == "supervisor" or user.can(Module.DOCUMENTOS, Action.APPROVE):
        waiting = SpecialCase.objects.filter(state=CaseState.REQUESTED, document__in=docs).count()
        out.append(("approvals", _("Casos esperando su aprobación"), waiting, reverse("dte:approvals"), "primary"))
    if view == "rep":
        drafts = docs.model.objects.filter(created_by=user, status=GovStatus.DRAFT).count()
        out.append(("drafts", _("Mis borradores"), drafts, reverse("dte:new"), "secondary"))
    return out


def _contingency():
    periods = list(selectors.unfinished_periods())
    waiting = selectors.waiting_counts(periods)
    return [(p, waiting.get(p.pk, 0), selectors.deadlines(p)) for p in periods]
