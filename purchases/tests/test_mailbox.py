"""Reading a purchases mailbox over IMAP: a real TCP IMAP server (purchases.tests.imap_server)
holding three messages — a CCF with its PDF, a ZIP with two CCFs, and a mail with no DTE — read
by the product's reader (imaplib), the documents received and the mail kept."""

import io
import zipfile
from email.message import EmailMessage

import pytest

from purchases import mailbox as reader
from purchases.models import Mailbox, ReceivedDocument, ReceivedMail, ReceivedState, Source
from purchases.tasks import read_mailboxes_task
from purchases.tests.factory import as_file, ccf
from purchases.tests.imap_server import UIDVALIDITY, ImapTestServer

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n% factura del proveedor\n%%EOF\n"


def _mail(subject, attachments):
    msg = EmailMessage()
    msg["From"] = "Repuestos del Norte <dte@norte.example>"
    msg["To"] = "compras@empresa.test"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{subject.replace(' ', '-')}@norte.example>"
    msg.set_content("Adjuntamos su documento tributario electrónico.")
    for name, data, (maintype, subtype) in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def _zip(files):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files:
            zf.writestr(name, data)
    return out.getvalue()


@pytest.fixture
def server():
    with ImapTestServer() as imap:
        yield imap


@pytest.fixture
def box(company, server):
    return Mailbox.objects.create(company=company, host="127.0.0.1", port=server.port, use_ssl=False,
                                  username="compras@empresa.test", password="clave-buzon")


def test_a_mailbox_is_read_and_its_documents_registered(box, server, parties):
    first = ccf([("100.00", "0")], number=11)
    second, third = ccf([("200.00", "0")], number=12), ccf([("300.00", "0")], number=13)
    code = first["identificacion"]["codigoGeneracion"]
    server.add(_mail("DTE 11", [(f"{code}.json", as_file(first), ("application", "json")),
                                (f"{code}.pdf", PDF, ("application", "pdf"))]))
    server.add(_mail("DTE 12 y 13", [("lote.zip", _zip([("a.json", as_file(second)), ("b.json", as_file(third))]),
                                      ("application", "zip"))]))
    server.add(_mail("Saludos", []))

    result = read_mailboxes_task()  # what the beat schedule runs

    assert result == {"mails": 3}
    docs = {d.numero_control[-2:]: d for d in ReceivedDocument.objects.all()}
    assert sorted(docs) == ["11", "12", "13"]
    assert all(d.state == ReceivedState.VERIFIED and d.source == Source.MAIL for d in docs.values())
    assert docs["11"].pdf.read() == PDF  # the PDF paired with its JSON by name
    assert docs["11"].mail.subject == "DTE 11" and docs["12"].mail == docs["13"].mail
    mails = list(ReceivedMail.objects.order_by("uid"))
    assert [(m.uidvalidity, m.uid) for m in mails] == [(UIDVALIDITY, 1), (UIDVALIDITY, 2), (UIDVALIDITY, 3)]
    assert mails[0].outcome == "1 documento(s) recibido(s)" and mails[1].outcome == "2 documento(s) recibido(s)"
    assert mails[2].outcome == "Sin DTE adjunto (JSON, PDF o ZIP)."
    assert b"Adjuntamos su documento" in mails[0].raw.read()  # the mail kept as received
    # read-only: the server's mail is left as it was (EXAMINE, BODY.PEEK; never STORE or EXPUNGE)
    sent = " ".join(server.commands).upper()
    assert "EXAMINE" in sent and "BODY.PEEK[]" in sent and "STORE" not in sent and "EXPUNGE" not in sent
    box.refresh_from_db()
    assert (box.uidvalidity, box.last_uid, box.last_error) == (UIDVALIDITY, 3, "")

    # The next read takes only what arrived since; a resent document is refused as a duplicate.
    server.add(_mail("DTE 11 otra vez", [("reenvio.json", as_file(first), ("application", "json"))]))
    [again] = reader.mailbox_read(mailbox=box)
    assert again.uid == 4 and "ya se recibió" in again.outcome
    assert ReceivedDocument.objects.count() == 3


def test_wrong_password_is_recorded_on_the_mailbox(box, server):
    Mailbox.objects.filter(pk=box.pk).update(password="otra")
    box.refresh_from_db()
    assert reader.mailbox_read(mailbox=box) == []
    box.refresh_from_db()
    assert box.last_error == "El servidor rechazó el usuario o la contraseña del buzón." and box.claimed_at is None


def test_the_password_is_stored_encrypted(box):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM purchases_mailbox WHERE id = %s", [box.pk])
        stored = cursor.fetchone()[0]
    assert "clave-buzon" not in stored


def test_the_mailbox_page_saves_and_keeps_the_password_when_blank(users, client_as, company):
    browser = client_as(users["Contador"])
    form = {"host": "imap.empresa.test", "port": "993", "use_ssl": "on", "username": "compras@empresa.test",
            "folder": "INBOX", "active": "on"}
    missing = browser.post("/compras/buzon/", form)
    assert missing.status_code == 200 and "Escriba la contraseña del buzón." in missing.content.decode()
    assert browser.post("/compras/buzon/", {**form, "password": "secreta"}).status_code == 302
    assert browser.post("/compras/buzon/", {**form, "port": "143", "use_ssl": ""}).status_code == 302
    box = Mailbox.objects.get()
    assert (box.port, box.use_ssl, box.password) == (143, False, "secreta")
    page = browser.get("/compras/buzon/").content.decode()
    assert "secreta" not in page
    assert client_as(users["Vendedor"]).get("/compras/buzon/").status_code in (403, 404)


def test_notes_are_saved_on_the_document(users, client_as, parties, company):
    from purchases import services

    [result], _skipped = services.receive_upload(files=[("a.json", as_file(ccf([("10.00", "0")])))],
                                                 acting_user=users["Contador"])
    browser = client_as(users["Contador"])
    assert browser.post(f"/compras/{result.document.pk}/notas/", {"notes": "Pagar el día 15"}).status_code == 302
    result.document.refresh_from_db()
    assert result.document.notes == "Pagar el día 15"
    assert "Pagar el día 15" in browser.get(f"/compras/{result.document.pk}/").content.decode()
