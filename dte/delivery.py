"""Delivering a document to its client (facts §7: the signed JSON and a readable version): an
email in Spanish from the company's address with the PDF and the signed JSON attached, one
Delivery row per recipient with its state (queued, sent, failed with the reason), and a signed,
expiring link to a public page where the client sees the document and downloads both files
without an account (a tampered link answers 403, an expired one 410; every download recorded)."""

import logging
import re

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dte import jsonio
from dte.models import Delivery, DeliveryState, Document, Download, GovStatus

log = logging.getLogger(__name__)
LINK_SALT = "dte.public-link"
DELIVERABLE = {GovStatus.SEALED, GovStatus.CONTINGENCY, GovStatus.INVALIDATION_PENDING}


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


def document_for_token(token):
    """The document a link names. LinkInvalid if tampered with, LinkExpired after DTE_LINK_DAYS."""
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
    return doc


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


def deliveries_queue(*, document, emails=None, user=None, automatic=False):
    """Queue the document for these addresses (default: the client's). Returns the rows."""
    if document.status not in DELIVERABLE and document.status != GovStatus.INVALIDATED:
        raise ValidationError(_("Solo se envía un documento emitido (sellado o en contingencia)."))
    emails = recipients_of(document) if emails is None else emails
    for address in emails:
        validate_email(address)
    if not emails:
        raise ValidationError(_("El cliente no tiene correo: agréguelo en su ficha o escriba uno."))
    with transaction.atomic():
        rows = [Delivery.objects.create(document=document, recipient=address, created_by=user, automatic=automatic)
                for address in emails]
        for row in rows:
            transaction.on_commit(lambda pk=row.pk: _queue(pk))
    return rows


def deliveries_retry(*, deliveries, user=None):
    """Failed sends go again. Returns how many were queued."""
    queued = 0
    for row in deliveries:
        with transaction.atomic():
            if Delivery.objects.filter(pk=row.pk, state=DeliveryState.FAILED).update(state=DeliveryState.QUEUED,
                                                                                   error=""):
                transaction.on_commit(lambda pk=row.pk: _queue(pk))
                queued += 1
    return queued


def _queue(delivery_id):
    from dte.tasks import deliver_task

    try:
        deliver_task.delay(delivery_id)
    except Exception:  # noqa: BLE001 - stays queued; the sweep sends it
        log.warning("envío %s: no se pudo encolar", delivery_id, exc_info=True)


def auto_deliver(doc):
    """After the sealed copy is rendered: email it once, if the company wants it and the client
    has an address."""
    if doc.status != GovStatus.SEALED or not doc.company.email_documents:
        return []
    if Delivery.objects.filter(document=doc, automatic=True).exists():
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
    from dte.printing import pdf_filename
    from dte.services import signed_document

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
                              "codigo": doc.codigo_generacion, "fecha": doc.issue_date.strftime("%d/%m/%Y"),
                              "total": f"$ {total:,.2f}"},
        state, "",
        _("Adjuntos: la versión impresa (PDF) y el documento tributario electrónico firmado (JSON)."),
        _("También puede verlo y descargarlo aquí (el enlace vence en %(d)d días): %(url)s") % {
            "d": settings.DTE_LINK_DAYS, "url": url}, "",
        company.legal_name, company.email or "", company.phone or "",
    ])
    message = EmailMessage(subject=subject, body=body, from_email=_sender(company), to=[recipient],
                           reply_to=[company.email] if company.email else None)
    from dte.printing import current_pdf

    pdf = current_pdf(doc)  # in the worker: this is never a web request
    message.attach(pdf_filename(doc), pdf, "application/pdf")
    message.attach(f"{doc.codigo_generacion}.json", jsonio.dumps(signed_document(doc), indent=2).encode("utf-8"),
                   "application/json")
    return message


def send(delivery_id):
    """Send one queued delivery. True when settled (sent or failed for good)."""
    from django.db.models import F

    # Claimed first: a duplicate message (or the sweep's) finds nothing to send, so no email goes twice.
    if not Delivery.objects.filter(pk=delivery_id, state=DeliveryState.QUEUED).update(
            state=DeliveryState.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now()):
        return True
    row = Delivery.objects.select_related("document__company", "document__client").get(pk=delivery_id)
    try:
        message_for(row.document, row.recipient).send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - any SMTP or rendering failure is shown on the document
        Delivery.objects.filter(pk=row.pk).update(state=DeliveryState.FAILED, error=f"{type(exc).__name__}: {exc}"[:300])
        log.warning("envío %s a %s falló: %s", row.pk, row.recipient, exc)
        return True
    Delivery.objects.filter(pk=row.pk).update(state=DeliveryState.SENT, sent_at=timezone.now(), error="")
    return True
