"""Reading a company's purchases mailbox by IMAP (imaplib, the standard library's client; RFC 3501).

The mailbox is opened read-only (EXAMINE) and messages are fetched with BODY.PEEK[], so the mail
stays on the server as it was (unread, not moved): the issue asks that the mail be kept, and a
copy of each message (.eml) is kept here too (ReceivedMail). Messages are read in UID order from
the last one read; a new UIDVALIDITY (the server renumbered the folder) starts again from the
first, and the documents already received are refused as duplicates (their código de generación).

Each message's attachments go through the same intake as an upload (purchases.services): JSON,
PDF (paired with its JSON by file name or código de generación) and ZIP files."""

import email
import imaplib
from email import policy

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from purchases import reading, services
from purchases.models import Mailbox, ReceivedMail, Source

TIMEOUT_SECONDS = 30
MAX_MESSAGES = 200  # per read; the rest wait for the next one
MAX_MESSAGE_BYTES = 30 * 1024 * 1024
CLAIM_MINUTES = 15  # a worker that died while reading frees the mailbox after this


class MailboxError(Exception):
    """The mailbox could not be read (connection, login, folder): said in Spanish."""


def _connect(mailbox):
    try:
        cls = imaplib.IMAP4_SSL if mailbox.use_ssl else imaplib.IMAP4
        conn = cls(mailbox.host, mailbox.port, timeout=TIMEOUT_SECONDS)
    except OSError as exc:
        raise MailboxError(_("No se pudo conectar con %(h)s:%(p)s (%(e)s).")
                           % {"h": mailbox.host, "p": mailbox.port, "e": exc}) from exc
    try:
        conn.login(mailbox.username, mailbox.password)
    except imaplib.IMAP4.error as exc:
        _close(conn)
        raise MailboxError(_("El servidor rechazó el usuario o la contraseña del buzón.")) from exc
    typ, _data = conn.select(_quoted(mailbox.folder), readonly=True)
    if typ != "OK":
        _close(conn)
        raise MailboxError(_("La carpeta «%(f)s» no existe en el buzón.") % {"f": mailbox.folder})
    return conn


def _quoted(folder):
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _close(conn):
    try:
        conn.logout()
    except (OSError, imaplib.IMAP4.error):
        pass


def _uidvalidity(conn):
    _typ, data = conn.response("UIDVALIDITY")
    for item in data or []:
        if item:
            return int(item)
    return 0


def attachments(message):
    """(file name, bytes) of the message's JSON, PDF and ZIP attachments."""
    out = []
    for part in message.walk():
        if part.is_multipart():
            continue
        name = part.get_filename() or ""
        if not name.lower().endswith((".json", ".pdf", ".zip")):
            continue
        data = part.get_payload(decode=True)
        if data:
            out.append((reading._member_name(name), data))
    return out


def _receive_message(mailbox, uidvalidity, uid, raw):
    message = email.message_from_bytes(raw, policy=policy.default)
    with transaction.atomic():
        mail = ReceivedMail(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid,
                            message_id=str(message.get("Message-ID") or "")[:300],
                            sender=str(message.get("From") or "")[:300], subject=str(message.get("Subject") or "")[:300])
        mail.raw.save(f"{uidvalidity}-{uid}.eml", ContentFile(raw), save=False)
        try:
            with transaction.atomic():
                mail.save()
        except IntegrityError:
            return None  # read already (another worker, or a lost update of last_uid)
    files = attachments(message)
    if not files:
        outcome = _("Sin DTE adjunto (JSON, PDF o ZIP).")
    else:
        try:
            results, skipped = services.receive_upload(files=files, acting_user=None, company=mailbox.company,
                                                       source=Source.MAIL, mail=mail)
        except reading.UploadRejected as exc:
            outcome = str(exc)
        else:
            kept = sum(1 for r in results if r.document)
            outcome = " · ".join([_("%(n)d documento(s) recibido(s)") % {"n": kept}]
                                 + [r.refused for r in results if r.refused]
                                 + ([_("Sin usar: %(f)s") % {"f": ", ".join(skipped)}] if skipped else []))
    mail.outcome = outcome[:1000]
    ReceivedMail.objects.filter(pk=mail.pk).update(outcome=mail.outcome)
    return mail


def _claim(mailbox):
    now = timezone.now()
    stale = now - timezone.timedelta(minutes=CLAIM_MINUTES)
    return Mailbox.objects.filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale), pk=mailbox.pk,
                                  active=True).update(claimed_at=now) == 1


def mailbox_read(*, mailbox, limit=MAX_MESSAGES):
    """Read the messages that arrived since the last read. Returns the ReceivedMail rows made;
    records the error on the mailbox (and returns []) when it cannot be read. A mailbox another
    worker is reading is left alone."""
    if not _claim(mailbox):
        return []
    read = []
    try:
        conn = _connect(mailbox)
        try:
            uidvalidity = _uidvalidity(conn)
            last = mailbox.last_uid if mailbox.uidvalidity == uidvalidity else 0
            typ, data = conn.uid("SEARCH", None, f"UID {last + 1}:*")
            uids = sorted(int(u) for u in (data[0] or b"").split() if int(u) > last) if typ == "OK" else []
            for uid in uids[:limit]:
                typ, parts = conn.uid("FETCH", str(uid), "(BODY.PEEK[])")
                raw = next((p[1] for p in parts or [] if isinstance(p, tuple)), None) if typ == "OK" else None
                if raw is not None and len(raw) <= MAX_MESSAGE_BYTES:
                    mail = _receive_message(mailbox, uidvalidity, uid, raw)
                    if mail is not None:
                        read.append(mail)
                Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=uidvalidity, last_uid=uid)
                mailbox.uidvalidity, mailbox.last_uid = uidvalidity, uid
        finally:
            _close(conn)
    except (MailboxError, imaplib.IMAP4.error, OSError) as exc:
        message = str(exc) if isinstance(exc, MailboxError) else _("Error al leer el buzón: %(e)s") % {"e": exc}
        Mailbox.objects.filter(pk=mailbox.pk).update(last_error=message[:500], claimed_at=None, checked_at=timezone.now())
        mailbox.last_error = message[:500]
        return read
    Mailbox.objects.filter(pk=mailbox.pk).update(last_error="", claimed_at=None, checked_at=timezone.now())
    mailbox.last_error = ""
    return read
