"""The printed version and its delivery: the PDF's text (pdftotext) carries the codes, the seal and
the totals; its QR code (rendered with pdftoppm, decoded with zbarimg) leads to MH's public
consultation; contingency and invalidated documents are marked; the email carries both files;
the public link works, expires and refuses tampering, and every download is recorded."""


import json
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core import mail

from conftest import require
from dte.delivery import deliveries_queue, link_token, send
from dte.models import Delivery, Download, GovStatus, PrintedCopy
from dte.printing import render_and_store, render_pdf
from dte.services.issuing import document_issue
from dte.tests.conftest import line
from dte.transitions import transition

SELLO = "2026B7C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F6A7"


def _tools():
    for tool in ("pdftotext", "pdftoppm", "zbarimg"):
        require(shutil.which(tool) is not None, f"{tool} (poppler-utils / zbar-tools)")


def _text(pdf, tmp_path, name="doc.pdf"):
    path = tmp_path / name
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _qr(pdf, tmp_path):
    path = tmp_path / "qr.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")], check=True)
    image = next(tmp_path.glob("page*.png"))
    out = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(image)],
                         capture_output=True, text=True)
    return out.stdout.strip()


def _seal(doc, sello=SELLO):
    transition(doc, GovStatus.TRANSMITTING)
    return transition(doc, GovStatus.SEALED, sello_recibido=sello)


@pytest.fixture
def sealed_factura(make_draft, issuer, parties):
    # 2 × 11.30 (IVA included) = 22.60, minus nothing: total 22.60; IVA inside = 22.60 × 13/113 = 2.60
    doc = document_issue(document=make_draft("01", [line("Café molido", "2", "11.30")], client=parties["consumer"]),
                         acting_user=issuer)
    return _seal(doc)


@pytest.mark.django_db
def test_the_pdf_carries_codes_seal_and_totals(sealed_factura, tmp_path):
    _tools()
    text = _text(render_pdf(sealed_factura), tmp_path)
    flat = " ".join(text.split())
    for expected in ("DOCUMENTO TRIBUTARIO ELECTRÓNICO", "FACTURA", sealed_factura.codigo_generacion,
                     sealed_factura.numero_control, SELLO, "Café molido", "Ana López"):
        assert expected in flat, expected
    assert "Total a pagar $ 22.60" in flat
    assert "IVA incluido en el total $ 2.60" in flat
    assert "VEINTIDÓS DÓLARES CON 60/100" in flat
    assert "Modelo de Facturación Previo" in flat and "Tipo de Transmisión Normal" in flat
    assert "PENDIENTE DE SELLO" not in flat


@pytest.mark.django_db
def test_the_qr_code_leads_to_mhs_public_consultation(sealed_factura, tmp_path):
    _tools()
    code, day = sealed_factura.codigo_generacion, sealed_factura.issue_date.isoformat()
    expected = f"https://admin.factura.gob.sv/consultaPublica?ambiente=00&codGen={code}&fechaEmi={day}"
    assert _qr(render_pdf(sealed_factura), tmp_path) == expected


@pytest.mark.django_db
def test_govsim_page_in_development(sealed_factura, tmp_path):
    _tools()
    company = sealed_factura.company
    company.mh_api_url = "http://127.0.0.1:8800"
    company.save()
    sealed_factura.company.refresh_from_db()
    assert _qr(render_pdf(sealed_factura), tmp_path).startswith("http://127.0.0.1:8800/consultaPublica?ambiente=00&")


@pytest.mark.django_db
def test_contingency_copy_is_pending_then_sealed_then_invalidated(make_draft, issuer, users, tmp_path):
    from accounts.models import Company
    from contingency.services import period_open

    _tools()
    period_open(company=Company.objects.get(), tipo=3, acting_user=users["Supervisor"])
    doc = document_issue(document=make_draft("01", [line()]), acting_user=issuer)
    render_and_store(doc.pk)
    letter = PrintedCopy.objects.get(document=doc, layout="letter")
    assert letter.state == "contingency"
    pending = " ".join(_text(letter.file.read(), tmp_path, "p.pdf").split())
    assert "EMITIDO EN CONTINGENCIA — PENDIENTE DE SELLO DE MH" in pending and "Modelo de Facturación Diferido" in pending
    assert render_and_store(doc.pk) == []  # nothing new to print
    transition(doc, GovStatus.SEALED, sello_recibido=SELLO)
    render_and_store(doc.pk)
    letter.refresh_from_db()
    sealed = " ".join(_text(letter.file.read(), tmp_path, "s.pdf").split())
    assert letter.state == "sealed" and SELLO in sealed and "PENDIENTE DE SELLO" not in sealed
    transition(doc, GovStatus.INVALIDATION_PENDING)
    transition(doc, GovStatus.INVALIDATED)
    render_and_store(doc.pk)
    letter.refresh_from_db()
    assert letter.state == "invalidated" and "INVALIDADO" in _text(letter.file.read(), tmp_path, "i.pdf")
    ticket = PrintedCopy.objects.get(document=doc, layout="ticket")
    info = subprocess.run(["pdfinfo", ticket.file.path], capture_output=True, text=True).stdout
    width = float(info.split("Page size:")[1].split("x")[0])
    assert abs(width - 80 / 25.4 * 72) < 1  # 80 mm: a point-of-sale roll


@pytest.mark.django_db
def test_email_with_pdf_and_signed_json_to_every_address(sealed_factura, parties):
    client = parties["consumer"]
    client.other_emails = "contabilidad@example.com; ana@example.com, no-es-correo"
    client.save()
    sealed_factura.client.refresh_from_db()
    rows = deliveries_queue(document=sealed_factura)
    assert [r.recipient for r in rows] == ["ana@example.com", "contabilidad@example.com"]  # deduplicated, valid only
    for row in rows:
        assert send(row.pk)
        assert send(row.pk)  # a duplicate message finds it sent: no second email
    assert set(Delivery.objects.values_list("state", flat=True)) == {"sent"}
    assert len(mail.outbox) == 2
    message = mail.outbox[0]
    assert message.from_email == '"Prueba" <empresa@example.com>' and message.to == ["ana@example.com"]
    names = [a[0] for a in message.attachments]
    assert names == [f"{sealed_factura.numero_control}.pdf", f"{sealed_factura.codigo_generacion}.json"]
    assert message.attachments[0][1][:5] == b"%PDF-"
    signed = json.loads(message.attachments[1][1])
    assert signed["selloRecibido"] == SELLO and signed["firmaElectronica"] == sealed_factura.jws
    assert signed["resumen"]["totalPagar"] == 22.6
    import re

    from dte.delivery import document_for_token

    token = re.search(r"/d/([^/\s]+)/", message.body).group(1)
    assert document_for_token(token) == sealed_factura and "30 días" in message.body


@pytest.mark.django_db
def test_a_failed_send_keeps_the_reason_and_can_be_retried(sealed_factura, settings, client_as, users):
    settings.EMAIL_BACKEND = "dte.tests.test_printing.BrokenBackend"
    row = deliveries_queue(document=sealed_factura, emails=["ana@example.com"])[0]
    send(row.pk)
    row.refresh_from_db()
    assert row.state == "failed" and "SMTP caído" in row.error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    page = client_as(users["Contador"]).get(f"/documentos/{sealed_factura.pk}/").content.decode()
    assert "SMTP caído" in page and "Reintentar los fallidos" in page
    listing = client_as(users["Contador"]).get("/documentos/").content.decode()
    assert "Reintentar 1 correo fallido" in listing
    response = client_as(users["Contador"]).post("/documentos/envios/reintentar/", {"next": "/documentos/"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.state == "queued"
    send(row.pk)
    row.refresh_from_db()
    assert row.state == "sent" and len(mail.outbox) == 1


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionError("SMTP caído")


@pytest.mark.django_db
def test_public_link_works_expires_and_refuses_tampering(sealed_factura, client, settings):
    token = link_token(sealed_factura)
    page = client.get(f"/d/{token}/")
    assert page.status_code == 200 and SELLO in page.content.decode()
    render_and_store(sealed_factura.pk, layouts=("letter",))
    pdf = client.get(f"/d/{token}/documento.pdf")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content)[:5] == b"%PDF-"
    data = client.get(f"/d/{token}/documento.json")
    assert json.loads(data.content)["selloRecibido"] == SELLO
    assert list(Download.objects.order_by("at", "id").values_list("what", flat=True)) == ["page", "pdf", "json"]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(f"/d/{tampered}/").status_code == 403
    assert client.get(f"/d/{tampered}/documento.json").status_code == 403
    settings.DTE_LINK_DAYS = 0
    import time

    time.sleep(1.1)
    assert client.get(f"/d/{token}/").status_code == 410
    assert client.get(f"/d/{token}/documento.pdf").status_code == 410
    assert Download.objects.count() == 3  # refusals download nothing


@pytest.mark.django_db
def test_public_links_revoked_from_the_document_page(sealed_factura, client, client_as, users):
    """The links emailed so far stop opening the document ("Enlace revocado", 410), from the
    detail page, with the grant that sends; a link signed afterwards opens."""
    from django.core import signing

    token = link_token(sealed_factura)
    assert client.get(f"/d/{token}/").status_code == 200
    assert client_as(users["outsider"]).post(f"/documentos/{sealed_factura.pk}/enlaces/revocar/").status_code == 403
    assert client.get(f"/d/{token}/").status_code == 200
    web = client_as(users["Administrador"])
    assert "Revocar los enlaces enviados" in web.get(f"/documentos/{sealed_factura.pk}/").content.decode()
    response = web.post(f"/documentos/{sealed_factura.pk}/enlaces/revocar/")
    assert response.status_code == 302 and response["Location"] == f"/documentos/{sealed_factura.pk}/"
    for path in ("", "documento.pdf", "documento.json"):
        gone = client.get(f"/d/{token}/{path}")
        assert gone.status_code == 410 and "Enlace revocado" in gone.content.decode(), path
    import time

    later = time.time() + 2
    original = signing.time.time
    signing.time.time = lambda: later
    try:
        fresh = link_token(sealed_factura)
    finally:
        signing.time.time = original
    assert client.get(f"/d/{fresh}/").status_code == 200


@pytest.mark.django_db
def test_staff_downloads_follow_access(sealed_factura, client_as, users, make_draft):
    from accounts.models import PointOfSale

    render_and_store(sealed_factura.pk)
    rep = client_as(users["Vendedor"])
    response = rep.get(f"/documentos/{sealed_factura.pk}/documento.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    ticket = rep.get(f"/documentos/{sealed_factura.pk}/documento.pdf?formato=ticket")
    assert ticket["Content-Disposition"].endswith('-ticket.pdf"')
    assert client_as(users["outsider"]).get(f"/documentos/{sealed_factura.pk}/documento.pdf").status_code == 403
    other = users["Vendedor"].__class__.objects.create_user("otro", role=users["Vendedor"].role)
    from accounts.services import user_assign_locations

    pos = PointOfSale.objects.get(cod_punto_venta_mh="P001", establishment__cod_estable_mh="S001")
    user_assign_locations(user=other, establishments=[pos.establishment], points_of_sale=[pos],
                          acting_user=users["Administrador"])
    assert client_as(other).get(f"/documentos/{sealed_factura.pk}/documento.pdf").status_code == 404
    assert Decimal(sealed_factura.total_to_pay) == Decimal("22.60")


@pytest.mark.django_db
def test_accountant_zip_of_a_date_range(sealed_factura, make_draft, issuer, users, client_as):
    import datetime
    import io
    import zipfile

    from dte.archive import build
    from dte.models import ArchiveJob, Document

    old = document_issue(document=make_draft("01", [line()]), acting_user=issuer)
    Document.objects.filter(pk=old.pk).update(issue_date=sealed_factura.issue_date - datetime.timedelta(days=40))
    web = client_as(users["Contador"])
    bad = web.post("/documentos/archivo/", {"desde": "2026-11-30", "hasta": "2026-11-01"})
    assert "posterior" in bad.content.decode() and not ArchiveJob.objects.exists()
    day = sealed_factura.issue_date.isoformat()
    response = web.post("/documentos/archivo/", {"desde": day, "hasta": day})
    job = ArchiveJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/documentos/archivo/{job.public_id}/"
    assert web.get(f"/documentos/archivo/{job.public_id}/descargar/").status_code == 302  # not ready yet
    assert build(job.pk)
    job.refresh_from_db()
    assert (job.state, job.total, job.done, job.percent) == ("done", 1, 1, 100)
    data = b"".join(web.get(f"/documentos/archivo/{job.public_id}/descargar/").streaming_content)
    names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    folder = f"{sealed_factura.issue_date:%Y-%m}/01"
    json_name = f"{folder}/{sealed_factura.codigo_generacion}.json"
    assert names == {json_name, f"{folder}/{sealed_factura.numero_control}.pdf"}  # the old document is not in it
    assert json.loads(zipfile.ZipFile(io.BytesIO(data)).read(json_name))["selloRecibido"] == SELLO
    assert client_as(users["Vendedor"]).get(f"/documentos/archivo/{job.public_id}/").status_code == 403
    page = web.get(f"/documentos/archivo/{job.public_id}/").content.decode()
    assert "archive-download" in page and "100 %" in page


@pytest.mark.django_db
def test_client_other_emails_are_checked(users, client_as):
    from clients.rules import CatalogSets, check_client

    data = {"kind": "consumidor", "id_type": "13", "id_number": "00016297-5", "name": "Ana",
            "other_emails": "Uno@Example.com; dos@example.com"}
    assert "other_emails" not in check_client(data, CatalogSets())
    assert data["other_emails"] == "uno@example.com, dos@example.com"
    data["other_emails"] = "uno@example.com, no es correo"
    assert "no es correo" in check_client(data, CatalogSets())["other_emails"]


@pytest.fixture
def s3_store(settings):
    """An S3-compatible server (moto's, over HTTP) and the default storage pointed at it."""
    import socket

    import boto3
    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                 aws_secret_access_key="test").create_bucket(Bucket="documentos")  # noqa: S106 - a local fake
    settings.AWS_STORAGE_BUCKET_NAME, settings.AWS_S3_ENDPOINT_URL = "documentos", endpoint
    settings.AWS_S3_REGION_NAME, settings.AWS_ACCESS_KEY_ID, settings.AWS_SECRET_ACCESS_KEY = "us-east-1", "test", "test"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage"}}
    yield boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                       aws_secret_access_key="test")  # noqa: S106
    server.stop()


@pytest.mark.django_db
def test_copies_go_to_an_s3_compatible_store_through_settings(sealed_factura, s3_store, client_as, users):
    render_and_store(sealed_factura.pk)
    keys = sorted(o["Key"] for o in s3_store.list_objects_v2(Bucket="documentos")["Contents"])
    code = sealed_factura.codigo_generacion
    assert keys == [f"dte/{sealed_factura.number_year}/01/{code}-letter-sealed.pdf",
                    f"dte/{sealed_factura.number_year}/01/{code}-ticket-sealed.pdf"]
    response = client_as(users["Contador"]).get(f"/documentos/{sealed_factura.pk}/documento.pdf")
    body = b"".join(response.streaming_content)
    stored = s3_store.get_object(Bucket="documentos", Key=keys[0])["Body"].read()
    assert body == stored and body[:5] == b"%PDF-"


@pytest.mark.django_db
def test_every_type_prints_with_its_title_and_total(make_draft, issuer, parties, tmp_path):
    _tools()
    ccf = _seal(document_issue(document=make_draft("03", [line("Silla", "4", "100.00")], client=parties["taxpayer"]),
                               acting_user=issuer))
    related = [{"tipo_documento": "03", "tipo_generacion": 2, "numero_documento": ccf.codigo_generacion,
                "fecha_emision": ccf.issue_date, "target_id": ccf.pk}]
    retention = [line("Retención 1 % CCF 123", "1", "0", extra={
        "tipoDte": "03", "tipoDoc": 1, "numDocumento": "23CC000451", "fechaEmision": "2026-11-03",
        "montoSujetoGrav": "1500.00", "codigoRetencionMH": "22"})]
    seller = {"id_type": "13", "id_number": "04567891-2", "name": "Juan Pérez", "departamento": "05",
              "municipio": "11", "address": "Cantón El Progreso", "phone": "77778888"}
    docs = {
        # 4 × 100.00 = 400.00 + 13 % IVA 52.00 = 452.00
        "COMPROBANTE DE CRÉDITO FISCAL": (ccf, "$ 452.00"),
        # 1 × 100.00 + 13 % = 113.00 (a note has no "total a pagar": its operation total)
        "NOTA DE CRÉDITO": (make_draft("05", [line("Devolución", "1", "100.00", related_code=ccf.codigo_generacion)],
                                       client=parties["taxpayer"], related=related), "$ 113.00"),
        # 1 × 50.00 + 13 % = 56.50
        "NOTA DE DÉBITO": (make_draft("06", [line("Intereses", "1", "50.00", related_code=ccf.codigo_generacion)],
                                      client=parties["taxpayer"], related=related), "$ 56.50"),
        # 1 % of 1,500.00 = 15.00
        "COMPROBANTE DE RETENCIÓN": (make_draft("07", retention, provider=parties["provider"]), "$ 15.00"),
        # 10 × 30.00 + 50.00 = 350.00, minus 10 % income tax on the 50.00 service = 345.00
        "FACTURA DE SUJETO EXCLUIDO": (make_draft("14", [line("Maíz", "10", "30.00", unit=32),
                                                         line("Flete", "1", "50.00", item_type=2, unit=99,
                                                              withhold_income=True)], counterparty=seller), "$ 345.00"),
        # 10 × 245.00 + 25.00 insurance + 90.00 freight = 2,565.00
        "FACTURA DE EXPORTACIÓN": (make_draft("11", [line("Café oro", "10", "245.00")], client=parties["foreign"],
                                              extra={"seguro": "25", "flete": "90", "codIncoterms": "05",
                                                     "descIncoterms": "DAP", "recintoFiscal": "02",
                                                     "regimen": "EX-1.1000.000"}), "$ 2,565.00"),
        "NOTA DE REMISIÓN": (make_draft("04", [line("Silla", "3", "100.00")], client=parties["taxpayer"],
                                        extra={"bienTitulo": "04"}), None),
    }
    for title, (doc, total) in docs.items():
        if doc.status == GovStatus.DRAFT:
            doc = _seal(document_issue(document=doc, acting_user=issuer), sello=SELLO[:-4] + f"{doc.pk:04d}")
        from dte.summary import check, rows

        assert check(rows(json.loads(doc.payload)["resumen"], doc.tipo_dte)) == [], title  # its summary adds up
        for layout in ("letter", "ticket"):
            text = " ".join(_text(render_pdf(doc, layout), tmp_path, f"{doc.pk}-{layout}.pdf").split())
            assert title in text and doc.numero_control in text and doc.sello_recibido in text, (title, layout)
            if total:
                # a note's total is its operation total (no totalPagar, facts §2.5); a CR's, the IVA withheld
                label = {"NOTA DE CRÉDITO": "Monto total de la operación", "NOTA DE DÉBITO": "Monto total de la operación",
                         "COMPROBANTE DE RETENCIÓN": "Total IVA retenido"}.get(title, "Total a pagar")
                assert f"{label} {total}" in text, (title, layout, total)
