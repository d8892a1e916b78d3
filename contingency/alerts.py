"""Email alerts to supervisors and accountants: a period starts, an event is rejected, a
deadline (24 h for the event, 72 h for the lots, facts §5) is near or has passed. Each alert is
sent once per period (kept in OfflineScope.alerts_sent)."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contingency import hooks, selectors
from core import formats
from dte.models import OfflineScope

log = logging.getLogger(__name__)


def _hours(delta):
    seconds = max(0, int(delta.total_seconds()))
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def _message(period, kind, now):
    where = period.scope_label
    started = formats.datetime(period.started_at)
    lines = [_("Contingencia de %(w)s, iniciada el %(s)s (%(r)s).") % {"w": where, "s": started,
                                                                       "r": period.get_tipo_display()}]
    if kind == "opened":
        subject = _("Facturador: contingencia iniciada en %(w)s") % {"w": where}
        lines.append(_("Los documentos se emiten sin conexión y se transmitirán cuando MH vuelva."))
    elif kind.startswith("event-rejected"):
        subject = _("Facturador: MH rechazó el evento de contingencia de %(w)s") % {"w": where}
        lines.append(period.last_error or "")
        lines.append(_("Corrija y reenvíe el evento desde la página de contingencia."))
    else:
        what, _sep, when = kind.partition("-")
        due = period.event_deadline if what == "event" else selectors.lots_deadline(period)
        label = _("el evento de contingencia") if what == "event" else _("los lotes de documentos")
        if when == "overdue":
            subject = _("Facturador: VENCIDO el plazo para %(l)s (%(w)s)") % {"l": label, "w": where}
            lines.append(_("El plazo venció el %(d)s. MH exige una justificación por escrito a la DGII.") % {
                "d": formats.datetime(due)})
        else:
            subject = _("Facturador: quedan %(h)s para %(l)s (%(w)s)") % {"h": _hours(due - now), "l": label, "w": where}
            lines.append(_("Plazo: %(d)s.") % {"d": formats.datetime(due)})
    waiting = selectors.waiting_counts([period]).get(period.pk, 0)
    lines.append(_("Documentos que esperan: %(n)d.") % {"n": waiting})
    return subject, "\n".join(line for line in lines if line)


def send_alert(period_id, kind, *, now=None):
    """Send one alert unless it was sent already. Returns True if sent."""
    now = now or timezone.now()
    with transaction.atomic():
        period = OfflineScope.objects.select_for_update(of=("self",)).select_related(
            "company", "establishment", "point_of_sale__establishment").filter(
            pk=period_id).first()
        if period is None or kind in period.alerts_sent:
            return False
        recipients = selectors.alert_recipients(period.company)
        period.alerts_sent = [*period.alerts_sent, kind]
        OfflineScope.objects.filter(pk=period.pk).update(alerts_sent=period.alerts_sent)
        if kind.startswith(("event-", "lots-")) and not kind.startswith("event-rejected"):
            hooks.deadline_due(period.pk, kind)  # notifications, webhooks (contingency.hooks)
    if not recipients:
        return False
    subject, body = _message(period, kind, now)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:  # noqa: BLE001 - an alert that cannot be mailed is logged, never blocks the flow
        log.exception("aviso de contingencia %s/%s no enviado", period_id, kind)
        return False
    return True


def kinds_due(period, *, now=None):
    """The deadline alerts this period should have had by now (thresholds DTE_CONTINGENCY_ALERT_HOURS)."""
    now = now or timezone.now()
    out = []
    for what, due, overdue in selectors.deadlines(period, now=now):
        if overdue:
            out.append(f"{what}-overdue")
            continue
        left = (due - now).total_seconds() / 3600
        crossed = [h for h in settings.DTE_CONTINGENCY_ALERT_HOURS if left <= h]
        if crossed:
            out.append(f"{what}-{min(crossed):g}h")
    return out


def due_alerts(*, now=None):
    sent = 0
    for period in selectors.unfinished_periods().filter(ended_at__isnull=False):
        for kind in kinds_due(period, now=now):
            if kind not in period.alerts_sent:
                sent += send_alert(period.pk, kind, now=now)
    for period in selectors.unfinished_periods().filter(ended_at__isnull=True):
        if "opened" not in period.alerts_sent:
            sent += send_alert(period.pk, "opened", now=now)
    return sent
