"""The development email backend: each message written to the log at INFO, as a person would read
it (headers and the text body), with its attachments and HTML alternative summarised by name,
type and size instead of dumped as base64."""

import logging

from django.core.mail.backends.base import BaseEmailBackend

log = logging.getLogger("billing.mail")

HEADERS = ("From", "To", "Cc", "Reply-To", "Subject")


def _size(content):
    if content is None:
        return 0
    return len(content.encode() if isinstance(content, str) else content)


def summarise(message):
    """The text a person needs from ``message`` (an EmailMessage): never its encoded parts."""
    lines = []
    for name, value in (("From", message.from_email), ("To", ", ".join(message.to)), ("Cc", ", ".join(message.cc)),
                        ("Bcc", ", ".join(message.bcc)), ("Reply-To", ", ".join(message.reply_to)),
                        ("Subject", message.subject)):
        if value:
            lines.append(f"{name}: {value}")
    lines.append("")
    lines.append(message.body or "")
    parts = []
    for content, mimetype in getattr(message, "alternatives", []):
        parts.append(f"  (alternativa) {mimetype}, {_size(content):,} bytes")
    for attachment in message.attachments:
        if isinstance(attachment, tuple) or hasattr(attachment, "filename"):
            filename, content, mimetype = attachment[0], attachment[1], attachment[2]
        else:  # a MIMEBase part
            filename = attachment.get_filename() or "(sin nombre)"
            content, mimetype = attachment.get_payload(decode=True), attachment.get_content_type()
        parts.append(f"  {filename}, {mimetype or 'application/octet-stream'}, {_size(content):,} bytes")
    if parts:
        lines.append("")
        lines.append(f"Adjuntos ({len(parts)}):")
        lines.extend(parts)
    return "\n".join(lines)


class ConsoleSummaryBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        for message in email_messages:
            log.info("correo (no enviado: entorno de desarrollo)\n%s", summarise(message))
        return len(email_messages)
