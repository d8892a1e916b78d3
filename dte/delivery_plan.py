"""What the client of a document was sent and what will be sent to him: the one answer the
document page's contingency note and deliveries card both give."""

import datetime

from django.utils import timezone

from core.fiscal import GovStatus
from dte.delivery import recipients_of

# How long after the seal an open page keeps expecting the automatic email.
AUTO_EMAIL_WINDOW = datetime.timedelta(minutes=5)


def delivery_plan(doc, deliveries):
    """What the client was actually sent and what will be sent, for the two blocks of the page
    that talk about it (the contingency note and the deliveries card) to say the same thing. A
    copy emailed before the seal is the pending-seal copy; the sealed one goes out automatically
    only when the company emails documents and the client has an address (dte.delivery.auto_deliver).
    Marks each of ``deliveries`` with ``pending_copy``."""
    sealed_at = doc.history.filter(track="gov", to_status=GovStatus.SEALED).values_list("at", flat=True).last()
    for d in deliveries:
        d.pending_copy = d.state == "sent" and (sealed_at is None or (d.sent_at is not None and d.sent_at < sealed_at))
    recipients = recipients_of(doc)
    waiting = doc.status in (GovStatus.CONTINGENCY, GovStatus.PENDING, GovStatus.TRANSMITTING, GovStatus.IN_DOUBT)
    queued = [d for d in deliveries if d.state in ("queued", "sending")]
    # The automatic email follows the sealed copy's rendering by a few seconds: an open page keeps
    # asking for its deliveries while one is queued or that email is still to come (for a while).
    auto_due = (doc.status == GovStatus.SEALED and sealed_at is not None and doc.company.email_documents
                and bool(recipients) and not any(d.automatic for d in deliveries)
                and timezone.now() - sealed_at < AUTO_EMAIL_WINDOW)
    return {"sent": [d for d in deliveries if d.state == "sent"], "queued": queued,
            "follow": bool(queued) or auto_due,
            "recipients": recipients, "waiting_seal": waiting,
            "auto_on_seal": waiting and doc.company.email_documents and bool(recipients)
            and not any(d.automatic for d in deliveries)}
