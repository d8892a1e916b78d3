"""The seed's path through a real Celery worker and govsim: the page queues the run (after
commit), the worker issues the FSEs and the client's CCF, govsim seals them, the worker renders
each PDF with its timesheet annex, stores it, emails it with the JSON to the contractor (or the
client), renders and emails the staff statement; the API hands out a signed, expiring,
revocable link whose downloads are logged."""

import email
import subprocess
from email import policy

import pytest

from conftest import govsim_schema_dirs
from dte.models import Delivery, Document, GovStatus, PrintedCopy
from tests.mh_helpers import until
from timesheets.tests.conftest import END, START

# One schema set: the module's worker keeps the content types it cached, and the database is
# flushed between the two sets (tests/test_walks.py does the same).
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True),
              pytest.mark.parametrize("govsim", list(govsim_schema_dirs())[:1], indirect=True)]


def _mails(worker):
    raw = b"".join(p.read_bytes() for p in sorted(worker.mail_dir.glob("*.log")))
    return [email.message_from_bytes(chunk.strip(), policy=policy.default)
            for chunk in raw.split(b"-" * 79) if chunk.strip()]


def test_a_run_goes_through_the_worker_to_pdfs_emails_and_links(wired, work, celery_worker, client_as):
    from timesheets.models import BillingRun, LinkDownload, RunItem, RunState

    manager = client_as(work["manager"])
    response = manager.post("/horas/emitir/", {"desde": START.isoformat(), "hasta": END.isoformat(),
                                               "punto": work["pos"].pk})
    assert response.status_code == 302
    run = until(lambda: BillingRun.objects.filter(state=RunState.DONE).first(), "corrida emitida", timeout=120)
    assert (run.total_items, run.done_items) == (4, 4)
    fse = RunItem.objects.get(kind="fse", employee=work["juan"])
    until(lambda: Document.objects.filter(pk=fse.document_id, status=GovStatus.SEALED).exists(), "FSE sellada", timeout=90)
    until(lambda: PrintedCopy.objects.filter(document_id=fse.document_id, state="sealed", layout="letter").exists(),
          "PDF de la FSE", timeout=90)
    until(lambda: Delivery.objects.filter(document_id=fse.document_id, state="sent").exists(), "correo al contratista",
          timeout=90)
    copy = PrintedCopy.objects.get(document_id=fse.document_id, layout="letter")
    text = subprocess.run(["pdftotext", copy.file.path, "-"], capture_output=True, text=True).stdout
    assert "Anexo: detalle de horas" in text and "Módulo de pagos" in text  # the timesheet annex
    mails = _mails(celery_worker)
    to_juan = [m for m in mails if str(m["To"]) == "juan@example.com"]
    assert len(to_juan) == 1
    names = sorted(p.get_filename() for p in to_juan[0].iter_attachments())
    doc = Document.objects.get(pk=fse.document_id)
    assert names == sorted([f"{doc.numero_control}.pdf", f"{doc.codigo_generacion}.json"])
    # the client's CCF goes to the client
    ccf = RunItem.objects.get(kind="client")
    until(lambda: Delivery.objects.filter(document_id=ccf.document_id, state="sent",
                                          recipient="compras@central.example").exists(), "correo al cliente", timeout=90)
    # the staff statement: rendered by the worker, stored, its location recorded, emailed
    statement = until(lambda: RunItem.objects.filter(kind="statement").exclude(file="").first(), "constancia", timeout=90)
    until(lambda: any(str(m["To"]) == "pedro@example.com" for m in _mails(celery_worker)), "correo de la constancia",
          timeout=60)
    assert statement.file.name.endswith(".pdf")

    # the contractor asks the API for a link to their FSE and opens it
    juan = client_as(work["juan_user"])
    answer = juan.post(f"/horas/documentos/{fse.pk}/enlace/").json()
    assert answer["kind"] == "signed"
    path = answer["url"].split("://", 1)[1].split("/", 1)[1]
    from django.test import Client

    opened = Client().get("/" + path)
    assert opened.status_code == 200 and b"".join(opened.streaming_content).startswith(b"%PDF")
    assert LinkDownload.objects.count() == 1
    # another contractor's document is not theirs: 404
    other = RunItem.objects.get(kind="fse", employee=work["ana"])
    assert juan.post(f"/horas/documentos/{other.pk}/enlace/").status_code == 404
    # revoked: 410
    manager.post(f"/horas/enlaces/{answer['id']}/revocar/")
    assert Client().get("/" + path).status_code == 410
