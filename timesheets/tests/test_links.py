"""Links to an item's PDF: the app's own (signed, expiring, revocable, every download logged),
and with S3 storage a pre-signed S3 URL, against the S3-compatible test server (moto over HTTP)."""

import datetime
import time
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from dte.tests.test_printing import s3_store  # noqa: F401 - the S3-compatible server fixture
from timesheets.tests.conftest import END, START

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4 constancia de prueba"


@pytest.fixture
def statement(work):
    from timesheets import services
    from timesheets.models import RunItem

    run, _created = services.run_request(point_of_sale=work["pos"], period_start=START, period_end=END,
                                         acting_user=work["manager"])
    services.run_execute(run.pk)
    item = RunItem.objects.get(kind="statement")
    item.file.save("constancia.pdf", ContentFile(PDF), save=True)  # what the worker stores
    return item


def _path(url):
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_an_app_signed_link_expires_is_revocable_and_logs_downloads(work, statement, client_as):
    from core.models import AuditEntry
    from timesheets.models import LinkDownload, SharedLink

    answer = client_as(work["manager"]).post(f"/horas/documentos/{statement.pk}/enlace/").json()
    assert answer["kind"] == "signed"
    path = _path(answer["url"])
    response = Client().get(path)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert LinkDownload.objects.count() == 1
    # tampered: 403, and not logged
    assert Client().get(path[:-3] + "xyz/").status_code == 403
    # expired: 410
    link = SharedLink.objects.get(pk=answer["id"])
    SharedLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert Client().get(path).status_code == 410
    SharedLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() + datetime.timedelta(hours=1))
    # revoked: 410, audited, and the run page shows it with its downloads
    manager = client_as(work["manager"])
    manager.post(f"/horas/enlaces/{link.pk}/revocar/")
    assert Client().get(path).status_code == 410
    assert AuditEntry.objects.filter(summary="Enlace de descarga revocado").exists()
    page = manager.get(f"/horas/corridas/{statement.run_id}/").content.decode()
    assert "revocado" in page and "1 descarga" in page
    assert LinkDownload.objects.count() == 1


def test_an_outsider_cannot_revoke_or_ask_for_a_link(work, statement, users, client_as):
    from timesheets.links import link_create

    link = link_create(item=statement)
    assert client_as(users["Vendedor"]).post(f"/horas/enlaces/{link.pk}/revocar/").status_code == 403
    assert client_as(users["Vendedor"]).post(f"/horas/documentos/{statement.pk}/enlace/").status_code == 404
    assert client_as(work["juan_user"]).post(f"/horas/documentos/{statement.pk}/enlace/").status_code == 404


@pytest.fixture
def s3(s3_store):  # noqa: F811 - the fixture it wraps
    """The S3 test server, left as found: moto keeps its buckets in the process across servers,
    and dte's S3 test lists the bucket whole."""
    yield s3_store
    for obj in s3_store.list_objects_v2(Bucket="documentos").get("Contents", []):
        if obj["Key"].startswith("timesheets/"):
            s3_store.delete_object(Bucket="documentos", Key=obj["Key"])


def test_with_s3_storage_the_api_hands_out_a_presigned_url(work, s3, statement, client_as):
    from timesheets.links import link_create, link_url


    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="documentos")["Contents"]]
    assert statement.file.name in keys  # stored through Django storage, in the bucket
    answer = client_as(work["manager"]).post(f"/horas/documentos/{statement.pk}/enlace/").json()
    assert answer["kind"] == "s3-presigned"
    query = parse_qs(urlparse(answer["url"]).query)
    # signed by boto3 for the storage's credentials; expiring TIMESHEETS_PRESIGNED_SECONDS (900) from now
    assert query["Signature"][0] and query["AWSAccessKeyId"] == ["test"]
    assert abs(int(query["Expires"][0]) - (int(time.time()) + 900)) < 60
    assert httpx.get(answer["url"], timeout=10).content == PDF
    # the app's revocable link checks and logs first, then sends a one-minute pre-signed URL
    response = Client().get(_path(link_url(link_create(item=statement))))
    assert response.status_code == 302
    assert abs(int(parse_qs(urlparse(response["Location"]).query)["Expires"][0]) - (int(time.time()) + 60)) < 30


def test_the_link_in_dtes_own_email_is_revocable_from_the_run_page(work, branch_boss, users, client_as, monkeypatch):
    """The FSE's email carries dte's signed public link: revoked from the run's page it answers a
    clear "enlace revocado" (410); a link emailed afterwards opens again; others cannot revoke it."""
    from django.core import signing

    from core.models import AuditEntry
    from dte.delivery import link_url
    from timesheets import services
    from timesheets.models import RunItem

    run, _created = services.run_request(point_of_sale=work["pos"], period_start=START, period_end=END,
                                         acting_user=work["manager"])
    services.run_execute(run.pk)
    item = RunItem.objects.select_related("document").get(kind="fse", employee=work["juan"])
    emailed = _path(link_url(item.document))
    assert Client().get(emailed).status_code == 200
    for name in ("Vendedor", "outsider"):
        assert client_as(users[name]).post(f"/horas/documentos/{item.pk}/correo/revocar/").status_code == 403
    assert client_as(branch_boss).post(f"/horas/documentos/{item.pk}/correo/revocar/").status_code == 404
    assert Client().get(emailed).status_code == 200

    manager = client_as(work["manager"])
    assert manager.post(f"/horas/documentos/{item.pk}/correo/revocar/").status_code == 302
    refused = Client().get(emailed)
    assert refused.status_code == 410 and "Enlace revocado" in refused.content.decode()
    assert Client().get(emailed.rstrip("/") + "/documento.pdf").status_code == 410
    assert AuditEntry.objects.filter(summary="Enlaces públicos del documento revocados").count() == 1
    page = manager.get(f"/horas/corridas/{run.pk}/").content.decode()
    assert "revocado" in page
    # an email sent later signs a new link, a second or more after the revocation: it opens
    later = time.time() + 2
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert Client().get(_path(link_url(item.document))).status_code == 200
