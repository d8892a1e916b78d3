"""The subscribers: what the apps below tell through their registries, turned into one
notification per recipient (services.publish). Registered in NotificationsConfig.ready():

- dte.hooks status observers: a document sealed, rejected or invalidated;
- dte.hooks scope opened and ended: contingency entered and ended;
- contingency.hooks deadline observers: an event's or lots' deadline near or passed;
- core.statemachine move observers: approval requested and decided (dte.SpecialCase), an email
  to the client that bounced (dte.Delivery), an import finished (bulk.ImportJob), an export or a
  documents archive finished (reports.ExportJob, dte.ArchiveJob), a charge refused and a refund
  made (orders.GatewayOperation);
- payments.hooks payment observers: a payment received;
- the hold scan (tasks.scan_holds): a hold of funds about to expire;
- reconciliation.hooks difference observers: reconciliation_differences, below.

Each event's key names the change, not the moment it is heard: told twice, it is one row."""

import datetime
import hashlib
import json

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bulk.models import ImportJob, ImportStatus
from contingency import selectors as contingency_selectors
from core import formats
from core.fiscal import GovStatus
from core.models import StateChange as MoveRow
from dte.models import ArchiveJob, CaseState, OfflineScope, SpecialCase, StatusChange
from dte.models import Delivery as EmailDelivery
from notifications.models import Kind
from notifications.services import publish, texts
from orders.models import GatewayOperation, OpKind, OpState, Order, OrderState
from payments.models import BalanceHold, HoldState
from reports.models import ExportJob

DOC_KINDS = {
    GovStatus.SEALED: Kind.DOCUMENT_SEALED,
    GovStatus.REJECTED: Kind.DOCUMENT_REJECTED,
    GovStatus.INVALIDATED: Kind.DOCUMENT_INVALIDATED,
}


def _doc_url(document_id):
    return reverse("dte:detail", args=[document_id])


def _doc_name(document):
    return document.numero_control or _("borrador %(n)s") % {"n": document.pk}


def _place(document):
    return {"establishment_id": document.establishment_id, "point_of_sale_id": document.point_of_sale_id}


# ------------------------------------------------------------------------------------ documents


def document_status_changed(document, from_status, to_status, track):
    """dte.hooks status observer, inside the transaction of the move."""
    kind = DOC_KINDS.get(to_status) if track == "gov" else None
    if kind is None or getattr(document, "is_authorisation_test", False):
        return  # MH's authorisation test set (onboarding) reports its own progress
    # A rejected document may be corrected and rejected again: the n-th rejection is its own event
    # (the history row of this move is already written, so it counts itself).
    # Sealed and invalidated happen once to a document: no count on the hot path of sealing.
    n = 1
    if kind == Kind.DOCUMENT_REJECTED:
        n = StatusChange.objects.filter(document_id=document.pk, track="gov", to_status=to_status).count()
    with texts():
        if kind == Kind.DOCUMENT_REJECTED:
            title = _("MH rechazó %(d)s") % {"d": _doc_name(document)}
            body = " ".join(filter(None, [document.mh_code, document.mh_message]))
        elif kind == Kind.DOCUMENT_SEALED:
            title, body = _("MH selló %(d)s") % {"d": _doc_name(document)}, ""
        else:
            title, body = _("Documento invalidado: %(d)s") % {"d": _doc_name(document)}, ""
    publish(
        kind,
        f"document:{document.pk}:{n}",
        title=title,
        body=body,
        url=_doc_url(document.pk),
        owners=[document.created_by_id],
        **_place(document),
    )


def case_moved(pk, from_state, to_state):
    """core.statemachine observer of dte.SpecialCase: sent for approval, approved or refused."""
    if to_state not in (CaseState.REQUESTED, CaseState.APPROVED, CaseState.REFUSED):
        return
    case = SpecialCase.objects.select_related("document").get(pk=pk)
    document = case.document
    with texts():
        if to_state == CaseState.REQUESTED:
            publish(
                Kind.APPROVAL_REQUESTED,
                f"case:{pk}:{case.confirmed_at.isoformat() if case.confirmed_at else ''}",
                title=_("Aprobación pendiente: %(c)s") % {"c": case.code_label},
                body=f"{_doc_name(document)} · {case.detail}",
                url=reverse("dte:approvals"),
                exclude=[case.confirmed_by_id],
                **_place(document),
            )
            return
        # the case's own reason is saved just after its move: the move's history row carries it already
        reason = (MoveRow.objects.filter(model="dte.specialcase", object_id=str(pk), to_state=to_state)
                  .order_by("-id").values_list("reason", flat=True).first() or "")
        verdict = _("aprobada") if to_state == CaseState.APPROVED else _("denegada")
        publish(
            Kind.APPROVAL_DECIDED,
            f"case:{pk}:{case.decided_at.isoformat() if case.decided_at else ''}",
            title=_("Aprobación %(v)s: %(c)s") % {"v": verdict, "c": case.code_label},
            body=f"{_doc_name(document)} · {reason}",
            url=_doc_url(document.pk),
            owners=[case.confirmed_by_id, document.created_by_id],
            exclude=[case.decided_by_id],
            **_place(document),
        )


def email_moved(pk, from_state, to_state):
    """core.statemachine observer of dte.Delivery: an email to the client that failed."""
    if to_state != "failed":
        return
    row = EmailDelivery.objects.select_related("document").get(pk=pk)
    with texts():
        title = _("Correo rebotado: %(d)s a %(r)s") % {"d": _doc_name(row.document), "r": row.recipient}
    publish(
        Kind.EMAIL_BOUNCED,
        f"delivery:{pk}:{row.attempts}",
        title=title,
        body=row.error,
        url=_doc_url(row.document_id),
        owners=[row.document.created_by_id, row.created_by_id],
        **_place(row.document),
    )


# ---------------------------------------------------------------------------------- contingency


def _period_place(period):
    establishment = period.establishment_id
    if establishment is None and period.point_of_sale_id:
        establishment = period.point_of_sale.establishment_id
    return {"establishment_id": establishment, "point_of_sale_id": period.point_of_sale_id}


def _period_event(kind, scope_id, title, subject_suffix=""):
    period = OfflineScope.objects.select_related("establishment", "point_of_sale__establishment").filter(pk=scope_id).first()
    if period is None:
        return
    with texts():
        text = title % {"w": period.scope_label}
        body = _("Desde %(s)s.") % {"s": formats.datetime(period.started_at)}
    with transaction.atomic():  # scope hooks run after the commit that opened or ended the period
        publish(
            kind,
            f"period:{period.pk}{subject_suffix}",
            title=text,
            body=body,
            url=reverse("contingency:detail", args=[period.pk]),
            **_period_place(period),
        )


def contingency_entered(scope_id):
    _period_event(Kind.CONTINGENCY_ENTERED, scope_id, _("Contingencia iniciada en %(w)s"))


def contingency_ended(scope_id):
    _period_event(Kind.CONTINGENCY_ENDED, scope_id, _("Contingencia terminada en %(w)s"))


def contingency_deadline(period_id, alert):
    """contingency.hooks deadline observer: ``alert`` is "event-4h", "lots-overdue"…, heard once
    per period and alert (inside the transaction that records it as sent)."""
    what, _sep, when = alert.partition("-")
    period = OfflineScope.objects.select_related("establishment", "point_of_sale__establishment").get(pk=period_id)
    due = period.event_deadline if what == "event" else contingency_selectors.lots_deadline(period)
    with texts():
        label = _("el evento de contingencia") if what == "event" else _("los lotes de documentos")
        if when == "overdue":
            title = _("Venció el plazo para %(l)s (%(w)s)") % {"l": label, "w": period.scope_label}
        else:
            title = _("Plazo cercano para %(l)s (%(w)s)") % {"l": label, "w": period.scope_label}
        body = _("Plazo: %(d)s.") % {"d": formats.datetime(due)} if due else ""
    publish(
        Kind.CONTINGENCY_DEADLINE,
        f"period:{period.pk}:{alert}",
        title=title,
        body=body,
        url=reverse("contingency:detail", args=[period.pk]),
        **_period_place(period),
    )


# ------------------------------------------------------------------------------- jobs and files


FINISHED_IMPORTS = {
    ImportStatus.VALIDATED,
    ImportStatus.INVALID,
    ImportStatus.REJECTED,
    ImportStatus.APPLIED,
    ImportStatus.FAILED,
}


def import_moved(pk, from_state, to_state):
    """core.statemachine observer of bulk.ImportJob: a review or an application finished."""
    if to_state not in FINISHED_IMPORTS:
        return
    job = ImportJob.objects.get(pk=pk)
    with texts():
        title = _("Carga de %(c)s: %(s)s") % {"c": job.catalogue, "s": ImportStatus(to_state).label}
        body = _("%(f)s · %(r)d filas, %(w)d con errores") % {"f": job.file_name, "r": job.rows, "w": job.wrong}
    publish(
        Kind.IMPORT_FINISHED,
        f"import:{job.public_id}:{to_state}",
        title=title,
        body=body,
        url=reverse("bulk:job", args=[job.catalogue, job.public_id]),
        owners=[
            job.applied_by_id
            if to_state in (ImportStatus.APPLIED, ImportStatus.FAILED) and job.applied_by_id
            else job.uploaded_by_id
        ],
    )


def export_moved(pk, from_state, to_state):
    """core.statemachine observer of reports.ExportJob."""
    if to_state not in ("done", "failed"):
        return
    job = ExportJob.objects.get(pk=pk)
    with texts():
        title = (_("Exportación lista: %(t)s") if to_state == "done" else _("Exportación fallida: %(t)s")) % {
            "t": job.title or job.report
        }
    publish(
        Kind.EXPORT_FINISHED,
        f"export:{job.public_id}:{to_state}",
        title=title,
        url=reverse("reports:job", args=[job.public_id]),
        owners=[job.requested_by_id],
    )


def archive_moved(pk, from_state, to_state):
    """core.statemachine observer of dte.ArchiveJob: a ZIP of a period's documents."""
    if to_state not in ("done", "failed"):
        return
    job = ArchiveJob.objects.get(pk=pk)
    with texts():
        title = _("Archivo de documentos listo") if to_state == "done" else _("Archivo de documentos fallido")
    publish(
        Kind.EXPORT_FINISHED,
        f"archive:{job.public_id}:{to_state}",
        title=title,
        url=reverse("dte:archive_job", args=[job.public_id]),
        owners=[job.requested_by_id],
    )


# ----------------------------------------------------------------------------------- payments


def payment_recorded(payment):
    """payments.hooks observer, inside the transaction that records it."""
    client = payment.client
    with texts():
        title = _("Pago recibido: %(a)s de %(c)s") % {"a": formats.money(payment.amount), "c": client.name}
    publish(
        Kind.PAYMENT_RECEIVED,
        f"payment:{payment.pk}",
        title=title,
        body=payment.reference,
        url=reverse("payments:client", args=[client.pk]),
        establishment_id=client.establishment_id,
        owners=[client.sales_rep_id],  # the client's own rep hears of his payments
        exclude=[payment.created_by_id],
    )


def operation_moved(pk, from_state, to_state):
    """core.statemachine observer of orders.GatewayOperation: a charge refused, a refund made."""
    op = GatewayOperation.objects.select_related("order__client").get(pk=pk)
    order = op.order
    charge = op.kind in (OpKind.SALE, OpKind.AUTHORIZE, OpKind.CAPTURE)
    if to_state == OpState.FAILED and charge:
        kind = Kind.PAYMENT_FAILED
        with texts():
            title = _("Cobro rechazado: pedido %(o)s (%(a)s)") % {"o": order.number, "a": formats.money(op.amount)}
        owners = [order.created_by_id]
    elif to_state == OpState.SUCCEEDED and op.kind == OpKind.REFUND:
        kind = Kind.REFUND_COMPLETED
        with texts():
            title = _("Reembolso hecho: pedido %(o)s (%(a)s)") % {"o": order.number, "a": formats.money(op.amount)}
        refund_by = getattr(getattr(op, "refund", None), "created_by_id", None)
        owners = [order.created_by_id, refund_by]
    else:
        return
    publish(
        kind,
        f"operation:{op.pk}",
        title=title,
        body=f"{order.client.name} · {op.gateway} · {op.message}".strip(" ·"),
        url=reverse("orders:detail", args=[order.pk]),
        owners=owners,
        establishment_id=order.establishment_id,
        point_of_sale_id=order.point_of_sale_id,
    )


def scan_holds(*, now=None):
    """Holds of funds that expire within NOTIFY_HOLD_WARN_HOURS: orders authorised but not
    captured (the gateway's hold) and balance holds. Run by Celery beat; each hold's expiry is one
    event (its key carries the expiry), so running it again, or twice at once, adds nothing."""
    now = now or timezone.now()
    until = now + datetime.timedelta(hours=settings.NOTIFY_HOLD_WARN_HOURS)
    told = 0
    orders = Order.objects.select_related("client").filter(
        state=OrderState.AUTHORIZED, hold_expires_at__gt=now, hold_expires_at__lte=until
    )
    for order in orders:
        with texts():
            title = _("La retención del pedido %(o)s vence el %(d)s") % {
                "o": order.number,
                "d": formats.datetime(order.hold_expires_at),
            }
        with transaction.atomic():
            told += publish(
                Kind.HOLD_EXPIRING,
                f"order:{order.pk}:{order.hold_expires_at.isoformat()}",
                title=title,
                body=f"{order.client.name} · {formats.money(order.amount_authorized)}",
                url=reverse("orders:detail", args=[order.pk]),
                owners=[order.created_by_id],
                establishment_id=order.establishment_id,
                point_of_sale_id=order.point_of_sale_id,
            )
    holds = BalanceHold.objects.select_related("client").filter(state=HoldState.HELD, expires_at__gt=now, expires_at__lte=until)
    for hold in holds:
        with texts():
            title = _("La retención %(r)s de %(c)s vence el %(d)s") % {
                "r": hold.reference,
                "c": hold.client.name,
                "d": formats.datetime(hold.expires_at),
            }
        with transaction.atomic():
            told += publish(
                Kind.HOLD_EXPIRING,
                f"balance-hold:{hold.pk}:{hold.expires_at.isoformat()}",
                title=title,
                body=formats.money(hold.amount),
                url=reverse("payments:client", args=[hold.client_id]),
                owners=[hold.created_by_id],
                establishment_id=hold.client.establishment_id,
            )
    return told


# ----------------------------------------------------------------------------- reconciliation


def reconciliation_differences(period, differences):
    """reconciliation.hooks difference observer (``callback(period, differences)``): a bank
    reconciliation or a gateway settlement (``period`` None) found lines that do not match. Heard by
    company-wide roles with the reports grant (catalogue). The key is the period (or settlement) and
    a digest of the differences, so the same differences found again are not told again, and new
    ones are."""
    differences = list(differences or [])
    if not differences:
        return
    digest = hashlib.sha256(json.dumps([str(d) for d in differences], sort_keys=True).encode()).hexdigest()[:16]
    counts = {}
    for difference in differences:
        counts[difference.get("kind")] = counts.get(difference.get("kind"), 0) + 1
    with texts():
        labels = {"missing": _("faltantes"), "extra": _("sobrantes"), "different": _("con otro monto")}
        body = ", ".join(f"{n} {labels.get(kind, kind)}" for kind, n in counts.items())
        if period is None:  # a gateway settlement (reconciliation.hooks.settlement_differences)
            settlement = differences[0].get("settlement")
            key = f"settlement:{settlement}:{digest}"
            url = reverse("payments:settlement", args=[settlement]) if settlement else ""
            title = ngettext("Liquidación de pasarela: %(n)d diferencia", "Liquidación de pasarela: %(n)d diferencias",
                             len(differences)) % {"n": len(differences)}
        else:
            key = f"reconciliation:{period.pk or ''}:{period.account_id}:{period.start}:{digest}"
            url = reverse("reconciliation:period", args=[period.pk]) if period.pk else ""
            title = ngettext("Conciliación %(a)s, %(d)s–%(h)s: %(n)d diferencia",
                             "Conciliación %(a)s, %(d)s–%(h)s: %(n)d diferencias", len(differences)) % {
                "a": period.account, "d": formats.date(period.start), "h": formats.date(period.end),
                "n": len(differences)}
    with transaction.atomic():
        publish(Kind.RECONCILIATION_DIFFERENCES, key, title=title, body=body, url=url)
