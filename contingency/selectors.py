"""Reading contingency state: which period covers a point of sale, what is open, what waits."""

import datetime

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from contingency.models import Event, EventState, Lot, Period


def _covering(company_id, establishment_id, point_of_sale_id):
    return (Q(company_id=company_id)
            & ((Q(establishment__isnull=True) & Q(point_of_sale__isnull=True))
               | (Q(establishment_id=establishment_id) & Q(point_of_sale__isnull=True))
               | Q(point_of_sale_id=point_of_sale_id)))


def _active_covering(company_id, establishment_id, point_of_sale_id):
    return (Period.objects.filter(_covering(company_id, establishment_id, point_of_sale_id), ended_at__isnull=True)
            .order_by("started_at", "id"))


def period_for(*, company_id, establishment_id, point_of_sale_id):
    """The active period covering this point of sale (the oldest, if several), or None."""
    return _active_covering(company_id, establishment_id, point_of_sale_id).first()


def period_id_for_documents():
    """period_for as a subquery on a Document queryset (the period's id, or NULL): issuing reads it
    in the query that loads and locks the document, and loads the period only when there is one."""
    from django.db.models import OuterRef, Subquery

    return Subquery(_active_covering(OuterRef("company_id"), OuterRef("establishment_id"),
                                     OuterRef("point_of_sale_id")).values("pk")[:1])


def period_for_document(doc):
    return period_for(company_id=doc.company_id, establishment_id=doc.establishment_id,
                      point_of_sale_id=doc.point_of_sale_id)


def unfinished_periods(*, company=None):
    """Active periods and ended ones whose documents MH has not all settled yet."""
    qs = Period.objects.filter(completed_at__isnull=True).select_related("establishment", "point_of_sale__establishment")
    if company is not None:
        qs = qs.filter(company=company)
    return qs.order_by("started_at", "id")


def waiting_counts(periods):
    """{period id: documents still waiting for MH}."""
    from dte.offline import WAITING
    from dte.selectors import documents_in_periods

    ids = [p.pk for p in periods]
    if not ids:
        return {}
    return dict(documents_in_periods(ids).filter(status__in=WAITING).values("contingency_period")
                .annotate(n=Count("id")).values_list("contingency_period", "n"))


def lots_deadline(period):
    """The earliest 72 h deadline among the period's sealed events (facts §5)."""
    first = (Event.objects.filter(period=period, state=EventState.SEALED).order_by("sealed_at")
             .values_list("sealed_at", flat=True).first())
    return first + datetime.timedelta(hours=settings.DTE_CONTINGENCY_LOTS_HOURS) if first else None


def deadlines(period, *, now=None):
    """[(what, when, overdue)] the period still has to meet."""
    now = now or timezone.now()
    out = []
    if period.ended_at is None:
        return out
    events = list(Event.objects.filter(period=period).exclude(state=EventState.REPLACED).values_list("state", flat=True))
    from dte.offline import held_documents

    waiting = held_documents(period).exists()
    if waiting and (not events or any(s != EventState.SEALED for s in events)):
        out.append(("event", period.event_deadline, now > period.event_deadline))
    lots_due = lots_deadline(period)
    if lots_due and waiting:
        out.append(("lots", lots_due, now > lots_due))
    return out


def events_of(period):
    return Event.objects.filter(period=period).annotate(lot_count=Count("lots")).order_by("id")


def lots_of(period):
    return Lot.objects.filter(event__period=period).select_related("event").order_by("id")


def alert_recipients(company):
    """Supervisors and accountants: users whose role may act on contingency or invalidate."""
    from accounts.models import User
    from accounts.modules import Module
    from core.modules import Action

    return list(User.objects.filter(is_active=True).exclude(email="").filter(
        Q(role__permissions__module=Module.CONTINGENCIA, role__permissions__action=Action.EDIT)
        | Q(role__permissions__module=Module.DOCUMENTOS, role__permissions__action=Action.INVALIDATE))
        .distinct().values_list("email", flat=True))


_MEMO = {}  # company id -> (monotonic expiry, [active periods]): the pipeline asks for every document
MEMO_SECONDS = 1.0


def active_period_for(doc, *, fresh=False):
    """The active period covering the document's point of sale. The transmission pipeline asks
    this for every document, so the answer is kept for a second per process (a period opened
    within that second holds the document on its next try)."""
    import time

    now = time.monotonic()
    cached = None if fresh else _MEMO.get(doc.company_id)
    if cached is None or cached[0] < now:
        periods = list(Period.objects.filter(company_id=doc.company_id, ended_at__isnull=True).order_by("started_at", "id"))
        _MEMO[doc.company_id] = cached = (now + MEMO_SECONDS, periods)
    for period in cached[1]:
        if period.point_of_sale_id:
            if period.point_of_sale_id == doc.point_of_sale_id:
                return period
        elif period.establishment_id:
            if period.establishment_id == doc.establishment_id:
                return period
        else:
            return period
    return None
