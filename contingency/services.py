"""Entering and leaving contingency (facts §5), by hand or by the system.

- By hand: a supervisor declares a period (CAT-005 reason; company, establishment or point of
  sale) and may end it.
- By the system: when MH's retry rule is exhausted for a document, its point of sale enters
  contingency; when the last calls to MH all failed (the circuit breaker), the whole company does.
- A periodic health check (a cheap authenticated call) ends automatic periods when MH answers
  again; then catching up (contingency.recovery) runs without anyone acting.
"""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contingency import selectors
from contingency.models import Event, EventState, Lot, LotState, Period, Reason

log = logging.getLogger(__name__)
PROBE_CODE = "00000000-0000-4000-8000-000000000000"  # asked about by the health check: never a real DTE


def _require(user):
    from accounts.modules import Module
    from core.modules import Action

    if user is not None and not user.can(Module.CONTINGENCIA, Action.EDIT):
        raise PermissionDenied(_("Solo un supervisor declara o termina una contingencia."))


def period_open(*, company, tipo, motivo="", establishment=None, point_of_sale=None, user=None, automatic=False,
                end_automatically=True, now=None):
    """Start a period (or return the active one that already covers the same scope). From now on
    documents of that scope are issued offline, and those waiting to be sent join the period."""
    from dte.offline import hold_in_scope

    _require(user)
    tipo = int(tipo)
    motivo = (motivo or "").strip()
    if tipo not in Reason.values:
        raise ValidationError(_("Elija el tipo de contingencia (CAT-005)."))
    if tipo == Reason.OTHER and not motivo:
        raise ValidationError(_("Describa el motivo: el tipo 5 «Otro» lo exige."))
    if point_of_sale is not None:
        establishment = point_of_sale.establishment
    now = now or timezone.now()
    with transaction.atomic():
        # One period per scope at a time; a company-wide one already covers everything.
        from accounts.models import Company

        Company.objects.select_for_update().filter(pk=company.pk).first()  # serialises concurrent openings
        existing = Period.objects.filter(company=company, ended_at__isnull=True,
                                         establishment=establishment,
                                         point_of_sale=point_of_sale).first()
        if existing is None and (establishment is not None or point_of_sale is not None):
            existing = Period.objects.filter(company=company, ended_at__isnull=True, establishment__isnull=True,
                                             point_of_sale__isnull=True).first()
        if existing is None and point_of_sale is not None:
            existing = Period.objects.filter(company=company, ended_at__isnull=True, establishment=establishment,
                                             point_of_sale__isnull=True).first()
        if existing is not None:
            return existing
        period = Period.objects.create(
            company=company, establishment=establishment,
            point_of_sale=point_of_sale, tipo=tipo, motivo=motivo[:500], automatic=automatic,
            end_automatically=end_automatically, started_at=now, opened_by=user)
        if user is not None:
            from core.audit import audit_record

            audit_record(actor=user, action="create", obj=period,
                         summary=_("Contingencia declarada: %(s)s") % {"s": period.scope_label})
        transaction.on_commit(lambda: _after_open(period.pk))
    log.warning("contingencia %s: %s (%s)", period.pk, period.scope_label, period.get_tipo_display())
    hold_in_scope(period)
    from contingency.recovery import reissue_pending

    reissue_pending(period)
    return period


def _after_open(period_id):
    from contingency.context_processors import forget_banner
    from contingency.tasks import alert_task

    forget_banner()
    try:
        alert_task.delay(period_id, "opened")
    except Exception:  # noqa: BLE001 - the tick sends it if the broker is down
        log.warning("no se pudo encolar el aviso de contingencia %s", period_id, exc_info=True)


def period_end(*, period, user=None, now=None):
    """The outage is over: the 24 h for the event start now and catching up begins."""
    _require(user)
    now = now or timezone.now()
    with transaction.atomic():
        changed = Period.objects.filter(pk=period.pk, ended_at__isnull=True).update(ended_at=now, ended_by=user)
        if not changed:
            raise ValidationError(_("La contingencia ya había terminado."))
        period.ended_at, period.ended_by = now, user
        if user is not None:
            from core.audit import audit_record

            audit_record(actor=user, action="update", obj=period, summary=_("Contingencia terminada"))
        transaction.on_commit(lambda: queue_catch_up(period.pk))
    from contingency.context_processors import forget_banner

    transaction.on_commit(forget_banner)
    return period


def queue_catch_up(period_id, countdown=None):
    from contingency.tasks import catch_up_task

    try:
        catch_up_task.apply_async((period_id,), countdown=countdown, retry=False)
    except Exception:  # noqa: BLE001 - the periodic tick runs it when the broker is back
        log.warning("no se pudo encolar la recuperación de la contingencia %s", period_id, exc_info=True)


# ---------------------------------------------------------------------------- automatic entry


def note_retry_exhausted(doc):
    """MH's retry rule was exhausted for this document (facts §3, "Retry policy": no answer, ask,
    resend at most twice, "if still failing … switch to contingency"): its point of sale enters
    contingency, reason 1 (MH unavailable). The till that failed, not more: a small shop with one
    cashier never makes the breaker's calls, and another till may still reach MH."""
    return period_open(company=doc.company, point_of_sale=doc.point_of_sale, tipo=Reason.MH_DOWN, automatic=True)


def mh_unreachable(base_url, *, now=None):
    """The circuit breaker: the last DTE_BREAKER_FAILURES calls to MH all failed without an
    answer, within the window. Read from the calls already recorded (dte.models.MHCall)."""
    from dte.selectors import recent_mh_outcomes

    now = now or timezone.now()
    wanted = settings.DTE_BREAKER_FAILURES
    recent = recent_mh_outcomes(base_url, wanted)
    if len(recent) < wanted:
        return False
    since = now - datetime.timedelta(seconds=settings.DTE_BREAKER_WINDOW_SECONDS)
    return all(outcome in ("transient", "in_doubt") and at >= since for outcome, at in recent)


def note_transient_failure(company, base_url):
    """After a failed call: if MH looks unreachable, the whole company enters contingency."""
    if selectors.period_for(company_id=company.pk, establishment_id=None, point_of_sale_id=None) is not None:
        return None
    if mh_unreachable(base_url):
        return period_open(company=company, tipo=Reason.MH_DOWN, automatic=True)
    return None


# ------------------------------------------------------------------------------ leaving it


def mh_answers(company):
    """A cheap authenticated call: ask MH about a code that never exists. Any answer from MH
    (even "not found") means it is reachable again."""
    from dte.mh.client import client_for_company
    from dte.mh.errors import MHError

    client = client_for_company(company, shared=True, timeout=float(settings.DTE_MH_TIMEOUT_SECONDS))
    try:
        client.query_dte(nit_emisor=company.nit, tipo_dte="01", codigo_generacion=PROBE_CODE)
    except MHError:
        return False
    return True


def health_check(*, now=None):
    """End the automatic periods of companies whose MH answers again. Returns the periods ended."""
    from accounts.models import Company

    ended = []
    active = Period.objects.filter(ended_at__isnull=True, end_automatically=True)
    for company in Company.objects.filter(pk__in=active.values("company_id")):
        if not mh_answers(company):
            continue
        for period in active.filter(company=company):
            try:
                ended.append(period_end(period=period, now=now))
            except ValidationError:
                continue
    return ended


# ------------------------------------------------------------------------------- by hand


def event_resend(*, event, user):
    """A rejected event is corrected (rebuilt with a new code and the current list) and sent again."""
    _require(user)
    with transaction.atomic():
        changed = Event.objects.filter(pk=event.pk, state=EventState.REJECTED).update(state=EventState.REPLACED)
        if not changed:
            raise ValidationError(_("Solo se reenvía un evento rechazado."))
        from dte.offline import list_in_event

        list_in_event(list(event.documents.values_list("pk", flat=True)), None)
        from core.audit import audit_record

        audit_record(actor=user, action="update", obj=event.period, summary=_("Evento reenviado: %(c)s") % {
            "c": event.codigo_generacion})
        Period.objects.filter(pk=event.period_id).update(last_error="")
        transaction.on_commit(lambda: queue_catch_up(event.period_id))


def lot_retry(*, lot, user):
    """A failed or unanswered lot: its documents go again (after asking MH about each)."""
    _require(user)
    with transaction.atomic():
        changed = Lot.objects.filter(pk=lot.pk, state__in=[LotState.FAILED, LotState.IN_DOUBT]).update(
            state=LotState.IN_DOUBT, available_at=timezone.now(), last_error="")
        if not changed:
            raise ValidationError(_("Solo se reintenta un lote fallido o sin respuesta."))
        from core.audit import audit_record

        audit_record(actor=user, action="update", obj=lot.event.period, summary=_("Lote reintentado: %(c)s") % {
            "c": lot.codigo_lote or lot.pk})
        from contingency.tasks import poll_lot_task

        transaction.on_commit(lambda: poll_lot_task.delay(lot.pk))
