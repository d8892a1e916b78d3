"""Delivering a document to its client (facts §7: the signed JSON and a readable version): an
email in Spanish from the company's address with the PDF and the signed JSON attached, one
Delivery row per recipient with its state (queued, sent, failed with the reason), and a signed,
expiring link to a public page where the client sees the document and downloads both files
without an account (a tampered link answers 403, an expired one 410; every download recorded)."""

import datetime
import logging
import re

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.modules import Module
from core import formats
from core.audit import audit_record
from core.fiscal import DELIVERABLE
from core.models import AuditAction, AuditEntry
from core.modules import Action
from core.queue import enqueue, enqueue_on_commit
from core.statemachine import TransitionRefused
from dte import hooks, jsonio
from dte.models import DELIVERY_MACHINE, Delivery, DeliveryState, Document, Download, GovStatus, LinkRevocation
from dte.printing import current_pdf, pdf_filename
from dte.services.issuing import signed_document

log = logging.getLogger(__name__)
LINK_SALT = "dte.public-link"


# ----------------------------------------------------------------------------------- links


def link_token(doc):
    return signing.TimestampSigner(salt=LINK_SALT).sign(doc.codigo_generacion)


def link_url(doc, *, base=None):
    path = reverse("public_document", args=[link_token(doc)])
    return f"{(base or settings.SITE_URL).rstrip('/')}{path}"


class LinkExpired(Exception):
    pass


class LinkInvalid(Exception):
    pass


class LinkRevoked(Exception):
    pass


def _signed_at(token):
    """When a verified token was signed: TimestampSigner's ``value:timestamp:signature``, the
    timestamp in whole seconds, base 62."""
    stamp = token.rsplit(signing.Signer().sep, 2)[-2]
    return datetime.datetime.fromtimestamp(signing.b62_decode(stamp), tz=datetime.UTC)


def document_for_token(token):
    """The document a link names. LinkInvalid if tampered with, LinkExpired after DTE_LINK_DAYS,
    LinkRevoked if a revocation came after it was signed (links_revoke). A link is signed to the
    second: one signed in the very second of a revocation counts as revoked."""
    signer = signing.TimestampSigner(salt=LINK_SALT)
    try:
        code = signer.unsign(token, max_age=settings.DTE_LINK_DAYS * 86400)
    except signing.SignatureExpired as exc:
        raise LinkExpired from exc
    except signing.BadSignature as exc:
        raise LinkInvalid from exc
    doc = Document.objects.select_related("company").filter(codigo_generacion=code).exclude(status=GovStatus.DRAFT).first()
    if doc is None:
        raise LinkInvalid
    if LinkRevocation.objects.filter(document=doc, revoked_at__gte=_signed_at(token)).exists():
        raise LinkRevoked
    return doc


def links_revoke(*, document, acting_user, reason=""):
    """Every public link of ``document`` sent so far stops opening it (the page answers "enlace
    revocado"); an email sent afterwards carries a link that works. Audited."""
    with transaction.atomic():
        row = LinkRevocation.objects.create(document=document, revoked_by=acting_user, reason=reason[:300])
        audit_record(actor=acting_user, action=AuditAction.UPDATE, obj=document,
                     summary=_("Enlaces públicos del documento revocados"), after={"reason": reason[:300]})
    return row


def record_download(doc, what, request):
    Download.objects.create(document=doc, what=what, ip=request.META.get("REMOTE_ADDR") or None,
                            user_agent=(request.headers.get("User-Agent") or "")[:200])


# ------------------------------------------------------------------------------ recipients


def recipients_of(doc):
    """The client's addresses (its email and its other emails), or the counterparty's."""
    found = []
    if doc.client_id:
        found = [doc.client.email, *re.split(r"[,;\s]+", doc.client.other_emails or "")]
    else:
        found = [(doc.counterparty or {}).get("email") or (doc.counterparty or {}).get("correo") or ""]
    out = []
    for address in found:
        address = (address or "").strip()
        try:
            validate_email(address)
        except ValidationError:
            continue
        if address.lower() not in (a.lower() for a in out):
            out.append(address)
    return out


def _unique(addresses):
    out = []
    for address in addresses:
        if address.lower() not in (a.lower() for a in out):
            out.append(address)
    return out


def _may_send(user):
    if not user.can(Module.DOCUMENTOS, Action.SEND):
        raise PermissionDenied("documentos:send")


def sent_today(user):
    """Emails ``user`` queued by hand since local midnight (sends and retries). Read from the audit
    trail, where each one is recorded: append-only, so the count cannot be lowered."""
    midnight = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time.min))
    return AuditEntry.objects.filter(actor=user, content_type=ContentType.objects.get_for_model(Delivery),
                                     at__gte=midnight).count()


def send_allowance(user):
    """Emails ``user`` may still queue today (DTE_SEND_DAILY_LIMIT)."""
    return max(settings.DTE_SEND_DAILY_LIMIT - sent_today(user), 0)


def _lock_allowance(user):
    """The allowance, read under a lock on the user's row: two requests of one user at once cannot
    both spend the same remainder."""
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
    return send_allowance(user)


def _limit_message(allowance):
    if allowance <= 0:
        return _("Llegó al límite de %(n)d correos por día: podrá enviar más mañana.") % {
            "n": settings.DTE_SEND_DAILY_LIMIT}
    return _("Hoy puede enviar %(r)d correo(s) más (límite diario: %(n)d).") % {
        "r": allowance, "n": settings.DTE_SEND_DAILY_LIMIT}


def _audit_send(*, row, user, document, retry=False, error=""):
    what = _("Reenvío") if retry else _("Envío")
    audit_record(actor=user, action=AuditAction.SEND, obj=row,
                 before={"state": DeliveryState.FAILED, "error": error} if retry else None,
                 after={"document": document.numero_control, "recipient": row.recipient,
                        "automatic": row.automatic, "state": DeliveryState.QUEUED},
                 object_repr=f"{document.numero_control} → {row.recipient}",
                 summary=f"{what} de {document.numero_control} a {row.recipient}")


def deliveries_queue(*, document, emails=None, acting_user=None, automatic=False):
    """Queue the document for these addresses (default: the client's). Returns the rows.

    Sent by a person (``user``, not automatic): the role needs *Documentos · Enviar*, at most
    DTE_SEND_MAX_RECIPIENTS addresses go in one request and DTE_SEND_DAILY_LIMIT a day. Every
    send is in the audit trail, in the same transaction as its rows."""
    if document.status not in DELIVERABLE and document.status != GovStatus.INVALIDATED:
        raise ValidationError(_("Solo se envía un documento emitido (sellado o en contingencia)."))
    by_hand = acting_user is not None and not automatic
    if by_hand:
        _may_send(acting_user)
    emails = recipients_of(document) if emails is None else _unique([e.strip() for e in emails if e.strip()])
    for address in emails:
        validate_email(address)
    if not emails:
        raise ValidationError(_("El cliente no tiene correo: agréguelo en su ficha o escriba uno."))
    if by_hand and len(emails) > settings.DTE_SEND_MAX_RECIPIENTS:
        raise ValidationError(_("Escriba a lo sumo %(n)d correos por envío (escribió %(m)d).") % {
            "n": settings.DTE_SEND_MAX_RECIPIENTS, "m": len(emails)})
    with transaction.atomic():
        if by_hand:
            allowance = _lock_allowance(acting_user)
            if len(emails) > allowance:
                raise ValidationError(_limit_message(allowance))
        rows = [Delivery.objects.create(document=document, recipient=address, created_by=acting_user, automatic=automatic)
                for address in emails]
        for row in rows:
            _audit_send(row=row, user=acting_user, document=document)
            enqueue_on_commit(_task(), row.pk)
    return rows


def deliveries_retry(*, deliveries, acting_user=None):
    """Failed sends go again. Returns how many were queued. Retried by a person (``user``): the
    role needs *Documentos · Enviar*, and each retry counts against DTE_SEND_DAILY_LIMIT (what
    does not fit today stays failed); each one is audited."""
    if acting_user is not None:
        _may_send(acting_user)
    queued = 0
    with transaction.atomic():
        allowance = _lock_allowance(acting_user) if acting_user is not None else None
        for row in deliveries:
            if allowance is not None and queued >= allowance:
                break
            error = row.error
            try:
                DELIVERY_MACHINE.move(row, DeliveryState.QUEUED, by=acting_user, reason=_("Reenvío"), error="")
            except TransitionRefused:
                continue  # not failed (any more): nothing to retry
            _audit_send(row=row, user=acting_user, document=row.document, retry=True, error=error)
            enqueue_on_commit(_task(), row.pk)
            queued += 1
    return queued


def _task():
    from dte.tasks import deliver_task  # noqa: PLC0415 - cycle: dte.tasks imports this module (a task wraps it)

    return deliver_task


def _queue(delivery_id):
    """Queue one send now (the sweep's re-queue); a dead broker leaves it queued for the next sweep."""
    enqueue(_task(), delivery_id)


def deliveries_sweep(*, now):
    """For the periodic sweep (dte.transmission.outbox.sweep): a send whose worker died while sending goes
    back to the queue (it may be sent twice then, which is better than never), and sends queued
    long ago whose message was lost go to the broker again."""
    DELIVERY_MACHINE.move_many(
        Delivery.objects.filter(state=DeliveryState.SENDING, claimed_at__lt=now - datetime.timedelta(minutes=15)),
        DeliveryState.QUEUED, reason="claim expired")
    stale = now - datetime.timedelta(minutes=5)
    for pk in Delivery.objects.filter(state=DeliveryState.QUEUED, created_at__lt=stale).values_list("pk", flat=True)[:200]:
        _queue(pk)


def auto_deliver(doc):
    """After the sealed copy is rendered: email it once, if the company wants it and the client
    has an address."""
    if doc.status != GovStatus.SEALED or not doc.company.email_documents:
        return []
    if Delivery.objects.filter(document=doc, automatic=True).exists():
        return []
    if hooks.delivery_held(doc):  # an app above keeps it from the client (dte.hooks)
        return []
    emails = recipients_of(doc)
    if not emails:
        return []
    return deliveries_queue(document=doc, emails=emails, automatic=True)


# ---------------------------------------------------------------------------------- sending


def _sender(company):
    name = (company.trade_name or company.legal_name).replace('"', "")
    return f'"{name}" <{company.email}>' if company.email else settings.DEFAULT_FROM_EMAIL


def message_for(doc, recipient):
    company = doc.company
    url = link_url(doc)
    total = doc.total_to_pay or doc.total_operation
    subject = _("%(tipo)s %(numero)s de %(empresa)s") % {
        "tipo": doc.get_tipo_dte_display(), "numero": doc.numero_control, "empresa": company.trade_name or company.legal_name}
    state = (_("Sellado por el Ministerio de Hacienda (sello %(s)s).") % {"s": doc.sello_recibido} if doc.sello_recibido
             else _("Emitido en contingencia: pendiente del sello del Ministerio de Hacienda."))
    body = "\n".join([
        _("Estimado cliente:"), "",
        _("Adjuntamos su %(tipo)s número de control %(numero)s, código de generación %(codigo)s, del %(fecha)s, "
          "por %(total)s.") % {"tipo": doc.get_tipo_dte_display(), "numero": doc.numero_control,
                              "codigo": doc.codigo_generacion, "fecha": formats.date(doc.issue_date),
                              "total": formats.money(total)},
        state, "",
        _("Adjuntos: la versión impresa (PDF) y el documento tributario electrónico firmado (JSON)."),
        _("También puede verlo y descargarlo aquí (el enlace vence en %(d)d días): %(url)s") % {
            "d": settings.DTE_LINK_DAYS, "url": url}, "",
        company.legal_name, company.email or "", company.phone or "",
    ])
    message = EmailMessage(subject=subject, body=body, from_email=_sender(company), to=[recipient],
                           reply_to=[company.email] if company.email else None)
    pdf = current_pdf(doc)  # in the worker: this is never a web request
    message.attach(pdf_filename(doc), pdf, "application/pdf")
    message.attach(f"{doc.codigo_generacion}.json", jsonio.dumps(signed_document(doc), indent=2).encode("utf-8"),
                   "application/json")
    return message


def _settle(row, to, **fields):
    """Record how the send ended, from whatever state the row is in now: if the sweep put a slow
    claim back in the queue meanwhile, the row is settled all the same, so the email does not go
    twice."""
    row.state = Delivery.objects.values_list("state", flat=True).get(pk=row.pk)
    try:
        DELIVERY_MACHINE.move(row, to, **fields)
    except TransitionRefused:
        log.warning("envío %s: ya estaba «%s», no se marca «%s»", row.pk, row.state, to)


def send(delivery_id):
    """Send one queued delivery. True when settled (sent or failed for good)."""
    row = Delivery.objects.select_related("document__company", "document__client").get(pk=delivery_id)
    # Claimed first: a duplicate message (or the sweep's) finds nothing to send, so no email goes twice.
    try:
        DELIVERY_MACHINE.move(row, DeliveryState.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now())
    except TransitionRefused:
        return True
    try:
        message_for(row.document, row.recipient).send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - any SMTP or rendering failure is shown on the document
        _settle(row, DeliveryState.FAILED, error=f"{type(exc).__name__}: {exc}"[:300])
        log.warning("envío %s a %s falló: %s", row.pk, row.recipient, exc)
        return True
    _settle(row, DeliveryState.SENT, sent_at=timezone.now(), error="")
    return True
