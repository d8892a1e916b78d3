"""The upload pages end to end (Celery tasks run eagerly here; a real worker is tested in billing)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bulk.models import ImportJob
from bulk.tests.helpers import HEADER, client_row, consumer_row, dui, xlsx
from clients.models import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    from billing.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def _upload(c, data, name="clientes.xlsx", catalogue="clientes"):
    return c.post(f"/cargas/{catalogue}/", {"file": SimpleUploadedFile(name, data)})


def test_upload_dry_run_confirm_apply(eager, users, client_as, django_capture_on_commit_callbacks):
    c = client_as(users["Administrador"])
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(c, xlsx([client_row(), consumer_row(dui(7), "Ana")]))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and str(job.public_id) in response["Location"]
    assert job.status == "validated" and (job.new, job.changed, job.wrong) == (2, 0, 0)
    assert job.uploaded_by == users["Administrador"] and job.file_name == "clientes.xlsx"
    page = c.get(response["Location"]).content.decode()
    assert 'data-count="new">2<' in page and "confirm-button" in page
    assert Client.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        c.post(f"/cargas/clientes/{job.public_id}/aplicar/")
    job.refresh_from_db()
    assert job.status == "applied" and Client.objects.count() == 2 and job.applied_by == users["Administrador"]
    from core.models import AuditEntry

    assert AuditEntry.objects.filter(action="import", summary__contains="2 nuevas").exists()
    # Confirming twice does not apply twice.
    with django_capture_on_commit_callbacks(execute=True):
        c.post(f"/cargas/clientes/{job.public_id}/aplicar/")
    assert Client.objects.count() == 2


def test_upload_with_errors_cannot_be_applied_and_offers_the_report(eager, users, client_as,
                                                                    django_capture_on_commit_callbacks):
    c = client_as(users["Administrador"])
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(c, xlsx([client_row(), consumer_row("01234567-0", "Malo")]))
    job = ImportJob.objects.get()
    assert job.status == "invalid" and job.wrong == 1
    page = c.get(response["Location"]).content.decode()
    assert "confirm-button" not in page and "error-report-link" in page and "dígito verificador" in page
    report = c.get(f"/cargas/clientes/{job.public_id}/errores.xlsx")
    assert report.status_code == 200 and report["Content-Disposition"].startswith("attachment")
    with django_capture_on_commit_callbacks(execute=True):
        c.post(f"/cargas/clientes/{job.public_id}/aplicar/")
    assert Client.objects.count() == 0


def test_rejected_file_is_reported_on_the_job(eager, users, client_as, django_capture_on_commit_callbacks):
    c = client_as(users["Administrador"])
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(c, b"no soy excel")
    job = ImportJob.objects.get()
    assert job.status == "rejected" and "no es un libro de Excel" in job.message
    assert "no es un libro de Excel" in c.get(response["Location"]).content.decode()


def test_template_has_headers_dropdowns_and_instructions(users, client_as):
    from openpyxl import load_workbook

    response = client_as(users["Administrador"]).get("/cargas/clientes/plantilla.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet["C2"].value == "0000-000000-000-0" and sheet["C3"].number_format == "@"
    assert any('"contribuyente,consumidor,extranjero"' in dv.formula1 for dv in sheet.data_validations.dataValidation)
    assert book.sheetnames[1] == "Instrucciones"


def test_sales_rep_cannot_upload_clients_without_create_on_products(users, client_as):
    # Vendedor may create clients but has only "view" on Inventario.
    assert client_as(users["Vendedor"]).get("/cargas/clientes/").status_code == 200
    assert client_as(users["Vendedor"]).get("/cargas/productos/").status_code == 403
    assert client_as(users["Auditor"]).get("/cargas/clientes/").status_code == 403
    assert client_as(users["Administrador"]).get("/cargas/desconocido/").status_code == 404
