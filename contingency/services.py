"""Contingency's actions on an outage (facts §5): a supervisor declares or ends it (an offline
scope, dte.transmission.scopes, which also opens and ends them by itself), a rejected event is
resent, a failed lot retried. Catching up (contingency.recovery) runs when dte says a scope
ended or its documents wait (dte.hooks, registered in ContingencyConfig.ready)."""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.modules import Module
from contingency import listings
from contingency.context_processors import forget_banner
from contingency.models import Event, EventState, Lot, LotState
from contingency.states import move_events, move_lots
from core.audit import audit_record
from core.modules import Action
from dte.models import OfflineScope
from dte.transmission import scopes

log = logging.getLogger(__name__)


def _require(user):
    if user is not None and not user.can(Module.CONTINGENCIA, Action.EDIT):
        raise PermissionDenied(_("Solo un supervisor declara o termina una contingencia."))


def period_open(*, company, tipo, motivo="", establishment=None, point_of_sale=None, acting_user=None, automatic=False,
                end_automatically=True, now=None):
    """Declare an outage (or return the active one that already covers the same scope). From now
    on documents of that scope are issued offline, and those waiting to be sent join it."""
    _require(acting_user)
    return scopes.scope_open(company=company, tipo=tipo, motivo=motivo, establishment=establishment,
                             point_of_sale=point_of_sale, user=acting_user, automatic=automatic,
                             end_automatically=end_automatically, now=now)


def after_open(period_id):
    """dte opened an offline scope (dte.hooks.scope_opened, after commit): the banner shows it
    and the alert goes out."""
    from contingency.tasks import alert_task  # noqa: PLC0415 - cycle: contingency.tasks imports recovery, which imports this

    forget_banner()
    try:
        alert_task.delay(period_id, "opened")
    except Exception:  # noqa: BLE001 - the tick sends it if the broker is down
        log.warning("no se pudo encolar el aviso de contingencia %s", period_id, exc_info=True)


def period_end(*, period, acting_user=None, now=None):
    """The outage is over: the 24 h for the event start now and catching up begins."""
    _require(acting_user)
    return scopes.scope_end(scope=period, user=acting_user, now=now)


def after_end(period_id):
    """dte ended an offline scope (dte.hooks.scope_ended, after commit): catching up begins."""
    queue_catch_up(period_id)
    forget_banner()


def queue_catch_up(period_id, countdown=None):
    from contingency.tasks import catch_up_task  # noqa: PLC0415 - cycle: contingency.tasks imports recovery, which imports this

    try:
        catch_up_task.apply_async((period_id,), countdown=countdown, retry=False)
    except Exception:  # noqa: BLE001 - the periodic tick runs it when the broker is back
        log.warning("no se pudo encolar la recuperación de la contingencia %s", period_id, exc_info=True)


# ------------------------------------------------------------------------------- by hand


def event_resend(*, event, acting_user):
    """A rejected event is corrected (rebuilt with a new code and the current list) and sent again."""
    _require(acting_user)
    with transaction.atomic():
        changed = move_events(Event.objects.filter(pk=event.pk, state=EventState.REJECTED), EventState.REPLACED)
        if not changed:
            raise ValidationError(_("Solo se reenvía un evento rechazado."))
        listings.list_in_event(listings.listed_in(event), None)
        audit_record(actor=acting_user, action="update", obj=event.period, summary=_("Evento reenviado: %(c)s") % {
            "c": event.codigo_generacion})
        OfflineScope.objects.filter(pk=event.period_id).update(last_error="")
        transaction.on_commit(lambda: queue_catch_up(event.period_id))


def lot_retry(*, lot, acting_user):
    """A failed or unanswered lot: its documents go again (after asking MH about each)."""
    _require(acting_user)
    with transaction.atomic():
        changed = move_lots(Lot.objects.filter(pk=lot.pk, state__in=[LotState.FAILED, LotState.IN_DOUBT]),
                            LotState.IN_DOUBT, available_at=timezone.now(), last_error="")
        if not changed:
            raise ValidationError(_("Solo se reintenta un lote fallido o sin respuesta."))
        audit_record(actor=acting_user, action="update", obj=lot.event.period, summary=_("Lote reintentado: %(c)s") % {
            "c": lot.codigo_lote or lot.pk})
        from contingency.tasks import poll_lot_task  # noqa: PLC0415 - cycle: contingency.tasks imports recovery, which imports this

        transaction.on_commit(lambda: poll_lot_task.delay(lot.pk))
