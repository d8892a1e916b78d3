"""Writes of notifications: the fan-out of one event (publish), reading, preferences, and the
email channels (immediate and the daily digest).

publish() runs in the transaction of the change it reports (the observers of the lower apps are
called there): one query finds the recipients with their channels, one INSERT writes their rows,
ON CONFLICT DO NOTHING on (recipient, key). No change, no notification; the same event told twice
(a task that runs again, a hook heard twice) adds nothing."""

import logging
from itertools import groupby

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.models import AuditAction
from core.queue import enqueue_on_commit
from notifications.catalogue import CATALOGUE
from notifications.models import Channel, Kind, Notification, Preference
from notifications.selectors import recipients

log = logging.getLogger(__name__)


def event_key(kind, subject):
    return f"{kind}:{subject}"[:200]


def publish(kind, subject, *, title, body="", url="", establishment_id=None, point_of_sale_id=None, owners=(), exclude=()):
    """Tell everyone who should hear of event ``subject`` of ``kind`` (catalogue), by the channel
    each chose. Returns how many recipients it was meant for (rows already there are kept)."""
    found = recipients(kind, establishment_id=establishment_id, point_of_sale_id=point_of_sale_id, owners=owners, exclude=exclude)
    if not found:
        return 0
    key = event_key(kind, subject)
    rows = [
        Notification(
            recipient_id=pk,
            kind=str(kind),
            key=key,
            channel=channel,
            title=str(title)[:200],
            body=str(body)[:500],
            url=url[:300],
            establishment_id=establishment_id,
        )
        for pk, _email, channel in found
    ]
    with transaction.atomic(savepoint=False):
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        if any(channel == Channel.EMAIL for _pk, _email, channel in found):
            from notifications.tasks import send_immediate  # noqa: PLC0415 - tasks imports this module

            enqueue_on_commit(send_immediate, key)
    return len(rows)


def texts():
    """Titles are written once, in the site's language, whoever's request made the change."""
    return translation.override(settings.LANGUAGE_CODE)


# ------------------------------------------------------------------------------------ reading


def notification_mark_read(*, notification, acting_user):
    """Mark one of the user's own notifications read (the view fetched it through the user's inbox)."""
    with transaction.atomic():
        changed = Notification.objects.filter(pk=notification.pk, recipient=acting_user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        if changed:
            audit_record(
                actor=acting_user, action=AuditAction.UPDATE, obj=notification, summary=_("Notificación marcada como leída")
            )
    return bool(changed)


def notifications_mark_all_read(*, acting_user):
    with transaction.atomic():
        changed = Notification.objects.filter(recipient=acting_user, read_at__isnull=True).update(read_at=timezone.now())
        if changed:
            audit_record(
                actor=acting_user,
                action=AuditAction.UPDATE,
                obj=acting_user,
                summary=_("%(n)d notificaciones marcadas como leídas") % {"n": changed},
            )
    return changed


def preferences_save(*, user, choices, acting_user):
    """``choices``: {kind: channel}. A kind set to its default keeps no row."""
    with transaction.atomic():
        before = dict(Preference.objects.filter(user=user).values_list("kind", "channel"))
        after = {}
        for kind, channel in choices.items():
            kind, channel = Kind(kind), Channel(channel)
            if channel == CATALOGUE[kind].default:
                continue
            after[str(kind)] = str(channel)
        if before == after:
            return False
        Preference.objects.filter(user=user).exclude(kind__in=list(after)).delete()
        for kind, channel in after.items():
            Preference.objects.update_or_create(user=user, kind=kind, defaults={"channel": channel})
        audit_record(
            actor=acting_user,
            action=AuditAction.UPDATE,
            obj=user,
            before=before,
            after=after,
            summary=_("Preferencias de notificación cambiadas"),
        )
    return True


# -------------------------------------------------------------------------------------- email


def _link(url):
    return f"{settings.SITE_URL.rstrip('/')}{url}" if url.startswith("/") else url


def _message(template, context, to):
    with texts():
        subject = " ".join(render_to_string(f"notifications/email/{template}_subject.txt", context).split())
        text = render_to_string(f"notifications/email/{template}.txt", context)
        html = render_to_string(f"notifications/email/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    return message


def _claim(queryset):
    """The rows of ``queryset`` no other sender holds, locked and marked mailed in this transaction."""
    rows = list(
        queryset.filter(emailed_at__isnull=True)
        .select_related("recipient")
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("recipient_id", "created_at", "id")
    )
    if rows:
        Notification.objects.filter(pk__in=[n.pk for n in rows]).update(emailed_at=timezone.now())
    return rows


def send_immediate(*, key=None, older_than=None):
    """Email the notifications of channel "email" not yet mailed: those of one event (``key``,
    the task queued after its commit), or every one made before ``older_than`` (the sweep, for a
    message the broker lost). The rows are claimed and the mail sent in one transaction: a failure
    to send rolls the claim back for the next sweep. Returns the number of emails."""
    qs = Notification.objects.filter(channel=Channel.EMAIL)
    if key is not None:
        qs = qs.filter(key=key)
    if older_than is not None:
        qs = qs.filter(created_at__lt=older_than)
    with transaction.atomic():
        rows = [n for n in _claim(qs) if n.recipient.email and n.recipient.is_active]
        messages = [_message("immediate", {"n": n, "link": _link(n.url), "user": n.recipient}, n.recipient.email) for n in rows]
        if messages:
            get_connection().send_messages(messages)
    return len(messages)


def send_digests(*, now=None):
    """One email per user with every "digest" notification not yet mailed, oldest first."""
    now = now or timezone.now()
    sent = 0
    with transaction.atomic():
        rows = _claim(Notification.objects.filter(channel=Channel.DIGEST, created_at__lte=now))
        messages = []
        for _user_id, group in groupby(rows, key=lambda n: n.recipient_id):
            items = list(group)
            user = items[0].recipient
            if not user.email or not user.is_active:
                continue
            context = {
                "user": user,
                "items": [{"n": n, "link": _link(n.url)} for n in items],
                "count": len(items),
                "inbox": _link("/notificaciones/"),
                "now": now,
            }
            messages.append(_message("digest", context, user.email))
        if messages:
            sent = get_connection().send_messages(messages) or len(messages)
    return sent
