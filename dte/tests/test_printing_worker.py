"""The whole printing path through a real worker: a document is sealed by govsim, a worker renders
its letter and ticket copies, stores them, and emails the client (both addresses) with the PDF
and the signed JSON attached."""

import email
import subprocess
from email import policy

import pytest

from dte.models import Delivery, Document, GovStatus, PrintedCopy
from dte.services.issuing import document_issue
from dte.tests.conftest import line
from tests.mh_helpers import until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]




def test_sealed_document_is_printed_and_emailed_by_the_worker(wired, make_draft, issuer, parties, celery_worker):
    client = parties["consumer"]
    client.other_emails = "compras@example.com"
    client.save()
    doc = document_issue(document=make_draft("01", [line("Café molido", "2", "11.30")], client=client), acting_user=issuer)
    sealed = until(lambda: Document.objects.filter(pk=doc.pk, status=GovStatus.SEALED).first(), "sellado")
    until(lambda: PrintedCopy.objects.filter(document=doc, state="sealed").count() == 2, "carta y tiquete")
    until(lambda: Delivery.objects.filter(document=doc, state="sent").count() == 2, "dos correos enviados")
    letter = PrintedCopy.objects.get(document=doc, layout="letter")
    text = subprocess.run(["pdftotext", letter.file.path, "-"], capture_output=True, text=True).stdout
    assert sealed.sello_recibido in text and sealed.numero_control in text
    sent = sorted(celery_worker.mail_dir.glob("*.log"))
    raw = b"".join(p.read_bytes() for p in sent)
    messages = [email.message_from_bytes(chunk.strip(), policy=policy.default)
                for chunk in raw.split(b"-" * 79) if chunk.strip()]
    # By the código de generación (its JSON attached): the same número de control comes back in
    # the next test after the database is flushed, and the worker's mail folder outlives it.
    mine = [m for m in messages if doc.numero_control in str(m["Subject"])
            and f"{doc.codigo_generacion}.json" in [part.get_filename() for part in m.iter_attachments()]]
    assert sorted(str(m["To"]) for m in mine) == ["ana@example.com", "compras@example.com"]
    names = sorted(part.get_filename() for part in mine[0].iter_attachments())
    assert names == sorted([f"{doc.numero_control}.pdf", f"{doc.codigo_generacion}.json"])
    assert Delivery.objects.filter(document=doc, automatic=True).count() == 2  # once, not per render
