"""Events: what the apps below tell through their registries, turned into an event with one delivery
per subscription that wants it and may see it, in the transaction of the change (no change, no
event; no event lost after the change committed). Registered in WebhooksConfig.ready():

- dte.hooks status observers: a document sealed, rejected or invalidated;
- dte.hooks scope opened and ended: contingency entered and ended;
- core.statemachine move observers: a document's email failed (bounced), an export or a
  documents archive ready;
- payments.hooks payment observers: a payment recorded;
- core.statemachine move observers of orders.GatewayOperation: a charge refused, a refund made;
- contingency.hooks deadline observers: a contingency deadline near or passed.

Each delivery takes the next sequence of its stream (the subject, for that subscription: one
document, one payment, one contingency period): the stream row is locked while its sequence
grows, so two events of one document get consecutive numbers in the order they committed."""

import uuid

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.selectors import establishments_for_user, points_of_sale_for_user
from contingency import selectors as contingency_selectors
from core import scope
from core.fiscal import GovStatus
from core.queue import enqueue_on_commit
from dte.models import ArchiveJob, Document, OfflineScope
from dte.models import Delivery as EmailDelivery
from orders.models import GatewayOperation, OpKind, OpState, Order
from payments.models import Payment
from reports.models import ExportJob
from webhooks.models import Delivery, Event, EventType, Stream, Subscription, SubscriptionState
from webhooks.tasks import deliver_task

GOV_EVENTS = {GovStatus.SEALED: EventType.DOCUMENT_SEALED, GovStatus.REJECTED: EventType.DOCUMENT_REJECTED,
              GovStatus.INVALIDATED: EventType.DOCUMENT_INVALIDATED}


def _listening(kind):
    """Subscriptions that want ``kind``: active ones, and paused ones (what they miss waits for them)."""
    return [s for s in Subscription.objects.select_related("scope_user__role").filter(
        state__in=[SubscriptionState.ACTIVE, SubscriptionState.PAUSED]) if kind in (s.events or [])]


def emit(kind, stream, payload, *, visible=None):
    """Record the event and its deliveries; ``visible(user)`` says whether a subscription bound to
    a key's account may hear of it (core.scope). Returns the event, or None when nobody listens."""
    subscriptions = [s for s in _listening(kind) if s.scope_user_id is None or visible is None or visible(s.scope_user)]
    if not subscriptions:
        return None
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        event = Event.objects.create(public_id=uuid.uuid4(), kind=kind, stream=stream, payload=payload)
        for subscription in subscriptions:
            row, _created = Stream.objects.get_or_create(subscription=subscription, key=stream)
            Stream.objects.filter(pk=row.pk).update(last_sequence=F("last_sequence") + 1)
            sequence = Stream.objects.select_for_update().values_list("last_sequence", flat=True).get(pk=row.pk)
            Delivery.objects.create(subscription=subscription, event=event, stream=row, sequence=sequence,
                                    next_attempt_at=now)
            enqueue_on_commit(deliver_task, row.pk)
    return event


def _can_see(model, pk):
    return lambda user: scope.rows(model, user).filter(pk=pk).exists()


# ------------------------------------------------------------------------------ what they carry


def document_data(document):
    return {"id": document.pk, "tipo_dte": document.tipo_dte, "numero_control": document.numero_control,
            "codigo_generacion": document.codigo_generacion, "status": document.status,
            "internal_status": document.internal_status, "sello_recibido": document.sello_recibido or None,
            "mh_code": document.mh_code, "mh_message": document.mh_message,
            "mh_observations": document.mh_observations or [], "establishment": document.establishment_id,
            "point_of_sale": document.point_of_sale_id, "client": document.client_id,
            "total_to_pay": str(document.total_to_pay), "issue_date": document.issue_date.isoformat(),
            "api": f"/api/v1/documentos/{document.pk}/"}


# ------------------------------------------------------------------------------------ observers


def document_status_changed(document, from_status, to_status, track):
    """dte.hooks status observer: sealed, rejected, invalidated (MH's track only)."""
    kind = GOV_EVENTS.get(to_status) if track == "gov" else None
    if kind is None:
        return
    emit(kind, f"document:{document.pk}", {"document": document_data(document)},
         visible=_can_see(Document, document.pk))


def _period_data(period):
    return {"id": period.pk, "tipo": period.tipo, "motivo": period.motivo, "automatic": period.automatic,
            "establishment": period.establishment_id, "point_of_sale": period.point_of_sale_id,
            "started_at": period.started_at.isoformat(), "ended_at": period.ended_at.isoformat() if period.ended_at else None}


def _period_visible(period):
    def visible(user):
        if user.company_wide or (period.establishment_id is None and period.point_of_sale_id is None):
            return True
        if period.point_of_sale_id:
            return points_of_sale_for_user(user=user).filter(pk=period.point_of_sale_id).exists()
        return establishments_for_user(user=user).filter(pk=period.establishment_id).exists()

    return visible


def _scope_event(kind, scope_id):
    period = OfflineScope.objects.filter(pk=scope_id).first()
    if period is not None:
        with transaction.atomic():
            emit(kind, f"contingency:{period.pk}", {"period": _period_data(period)}, visible=_period_visible(period))


def contingency_entered(scope_id):
    """dte.hooks scope_opened (after the commit that opened it)."""
    _scope_event(EventType.CONTINGENCY_ENTERED, scope_id)


def contingency_ended(scope_id):
    _scope_event(EventType.CONTINGENCY_ENDED, scope_id)


def email_moved(pk, from_state, to_state):
    """core.statemachine observer of dte.Delivery: an email to the client that failed (bounced)."""
    if to_state != "failed":
        return
    row = EmailDelivery.objects.select_related("document").get(pk=pk)
    emit(EventType.EMAIL_BOUNCED, f"document:{row.document_id}",
         {"document": document_data(row.document), "email": {"recipient": row.recipient, "error": row.error}},
         visible=_can_see(Document, row.document_id))


def export_moved(pk, from_state, to_state):
    """core.statemachine observer of reports.ExportJob: a report export ready to download."""
    if to_state != "done":
        return
    job = ExportJob.objects.get(pk=pk)
    emit(EventType.EXPORT_READY, f"export:{job.public_id}",
         {"export": {"id": str(job.public_id), "kind": "report", "report": job.report, "format": job.fmt,
                     "size": job.size, "web": f"/reportes/exportaciones/{job.public_id}/"}},
         visible=lambda user: user.pk == job.requested_by_id)


def archive_moved(pk, from_state, to_state):
    """core.statemachine observer of dte.ArchiveJob: a ZIP of a period's documents ready."""
    if to_state != "done":
        return
    job = ArchiveJob.objects.get(pk=pk)
    emit(EventType.EXPORT_READY, f"export:{job.public_id}",
         {"export": {"id": str(job.public_id), "kind": "documents_archive", "size": job.size,
                     "web": f"/documentos/archivo/{job.public_id}/"}},
         visible=lambda user: user.pk == job.requested_by_id)


def payment_recorded(payment):
    """payments.hooks observer."""
    emit(EventType.PAYMENT_RECORDED, f"payment:{payment.pk}", {"payment": {
        "id": payment.pk, "client": payment.client_id, "date": payment.date.isoformat(), "amount": str(payment.amount),
        "method": payment.method, "reference": payment.reference, "unapplied": str(payment.unapplied),
        "applications": [{"document": a.document_id, "amount": str(a.amount)} for a in payment.applications.all()]}},
        visible=_can_see(Payment, payment.pk))


def operation_moved(pk, from_state, to_state):
    """core.statemachine observer of orders.GatewayOperation: a charge the gateway refused, a
    refund it made."""
    op = GatewayOperation.objects.select_related("order").get(pk=pk)
    if to_state == OpState.FAILED and op.kind in (OpKind.SALE, OpKind.AUTHORIZE, OpKind.CAPTURE):
        kind = EventType.PAYMENT_FAILED
    elif to_state == OpState.SUCCEEDED and op.kind == OpKind.REFUND:
        kind = EventType.REFUND_COMPLETED
    else:
        return
    order = op.order
    emit(kind, f"order:{order.pk}", {"operation": {
        "id": op.pk, "kind": op.kind, "gateway": op.gateway, "amount": str(op.amount), "state": to_state,
        "message": op.message, "order": {"id": str(order.public_id), "number": order.number,
                                         "establishment": order.establishment_id, "point_of_sale": order.point_of_sale_id,
                                         "client": order.client_id, "state": order.state}}},
        visible=_can_see(Order, order.pk))


def contingency_deadline(period_id, alert):
    """contingency.hooks deadline observer: ``alert`` "event-4h", "lots-overdue"…"""
    period = OfflineScope.objects.filter(pk=period_id).first()
    if period is None:
        return
    what, _sep, when = alert.partition("-")
    due = period.event_deadline if what == "event" else contingency_selectors.lots_deadline(period)
    emit(EventType.CONTINGENCY_DEADLINE, f"contingency:{period.pk}", {
        "period": _period_data(period),
        "deadline": {"of": what, "alert": when, "due": due.isoformat() if due else None}},
        visible=_period_visible(period))
