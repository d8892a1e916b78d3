"""Links to a run item's PDF: an app-signed, expiring, revocable link (SharedLink: its token is
signed with the site's key and its row can be revoked; every download logged), and, when the
storage is S3, a pre-signed S3 URL for the stored object (boto3's generate_presigned_url through
django-storages' ``url(name, expire=...)``; the S3 server checks the signature and expiry)."""

import datetime

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage, storages
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.models import AuditAction
from timesheets.models import LinkDownload, SharedLink

SALT = "timesheets.link"


class LinkRefused(Exception):
    """The link is tampered with, expired or revoked (``status``: 403 or 410)."""

    def __init__(self, message, status):
        super().__init__(message)
        self.status = status


def stored_name(item):
    """The stored PDF of the item: the statement, or the document's current printed copy."""
    if item.file:
        return item.file.name
    if item.document_id:
        copy = item.document.printed.filter(layout="letter").first()
        if copy is not None and copy.file:
            return copy.file.name
    return None


def is_s3():
    return type(storages["default"]).__module__.startswith("storages.backends.s3")


def link_create(*, item, acting_user=None, hours=None):
    hours = hours or settings.TIMESHEETS_LINK_HOURS
    with transaction.atomic():
        link = SharedLink.objects.create(item=item, created_by=acting_user,
                                         expires_at=timezone.now() + datetime.timedelta(hours=hours))
        audit_record(actor=acting_user, action=AuditAction.CREATE, obj=link, object_repr=str(item),
                     summary=_("Enlace de descarga creado (vence %(d)s)") % {"d": link.expires_at.isoformat()})
    return link


def link_url(link):
    token = signing.Signer(salt=SALT).sign(str(link.token))
    return f"{settings.SITE_URL.rstrip('/')}{reverse('timesheets:link', args=[token])}"


def presigned_url(item, *, seconds=None):
    """A pre-signed S3 URL for the stored PDF, or None when the storage is not S3."""
    name = stored_name(item)
    if not is_s3() or not name:
        return None
    return default_storage.url(name, expire=seconds or settings.TIMESHEETS_PRESIGNED_SECONDS)


def link_open(token, request):
    """The link a token names, checked (signature, expiry, revocation), its download logged."""
    try:
        value = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature as exc:
        raise LinkRefused(_("El enlace no es válido."), 403) from exc
    link = SharedLink.objects.select_related("item__document", "item__employee", "item__run").filter(token=value).first()
    if link is None:
        raise LinkRefused(_("El enlace no es válido."), 403)
    if link.revoked_at is not None:
        raise LinkRefused(_("El enlace fue revocado. Pida uno nuevo a la empresa."), 410)
    if link.expires_at <= timezone.now():
        raise LinkRefused(_("El enlace venció. Pida uno nuevo a la empresa."), 410)
    LinkDownload.objects.create(link=link, ip=request.META.get("REMOTE_ADDR") or None,
                                user_agent=(request.headers.get("User-Agent") or "")[:200])
    return link


def link_revoke(*, link, acting_user):
    if link.revoked_at is not None:
        raise ValidationError(_("El enlace ya estaba revocado."))
    with transaction.atomic():
        changed = SharedLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=acting_user)
        if changed:
            audit_record(actor=acting_user, action=AuditAction.UPDATE, obj=link, object_repr=str(link.item),
                         summary=_("Enlace de descarga revocado"))
    return changed
