"""Reading contingency state: what is open, what waits, which deadlines near. Which scope covers
a point of sale is dte's to say (dte.transmission.scopes)."""

import datetime

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from accounts.modules import Module
from contingency.models import Event, EventState, Lot
from core.modules import Action
from dte.models import OfflineScope
from dte.selectors import documents_in_periods
from dte.transmission.offline import WAITING, held_documents


def unfinished_periods(*, company=None):
    """Active periods and ended ones whose documents MH has not all settled yet."""
    qs = OfflineScope.objects.filter(completed_at__isnull=True).select_related("establishment", "point_of_sale__establishment")
    if company is not None:
        qs = qs.filter(company=company)
    return qs.order_by("started_at", "id")


def waiting_counts(periods):
    """{period id: documents still waiting for MH}."""
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
    return list(User.objects.filter(is_active=True).exclude(email="").filter(
        Q(role__permissions__module=Module.CONTINGENCIA, role__permissions__action=Action.EDIT)
        | Q(role__permissions__module=Module.DOCUMENTOS, role__permissions__action=Action.INVALIDATE))
        .distinct().values_list("email", flat=True))
