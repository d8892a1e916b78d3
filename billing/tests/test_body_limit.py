"""Request bodies larger than their page accepts are refused (413) before they are read: a declared
Content-Length is compared unread, a chunked body is read no further than the limit."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from bulk.models import ImportJob
from bulk.tests.helpers import consumer_row, csv_bytes, dui

pytestmark = pytest.mark.django_db


class UnreadableInput:
    """A wsgi.input that fails the test if more than a few bytes are asked of it."""

    def __init__(self, allowed=1024):
        self.allowed, self.asked = allowed, 0

    def read(self, size=-1):
        self.asked += size if size and size > 0 else 10**12
        if self.asked > self.allowed:
            raise AssertionError(f"the body was read ({self.asked} bytes asked)")
        return b""

    readline = read


class EndlessChunkedInput:
    """A de-chunked body (what gunicorn hands over for Transfer-Encoding: chunked) that never ends."""

    def __init__(self):
        self.served = 0

    def read(self, size=-1):
        size = 65536 if size is None or size < 0 else min(size, 65536)
        self.served += size
        if self.served > 50_000_000:
            raise AssertionError("read far past any limit")
        return b"x" * size

    readline = read


def _chunked(c, path, stream, content_type=MULTIPART_CONTENT):
    # No data: the test client sets no Content-Length, as a chunked request has none.
    return c.generic("POST", path, b"", content_type=content_type, HTTP_TRANSFER_ENCODING="chunked",
                     **{"wsgi.input": stream, "CONTENT_TYPE": content_type})


def test_a_200_mb_declared_upload_gets_413_without_its_body_being_read(users, client_as):
    c = client_as(users["Administrador"])
    stream = UnreadableInput()
    response = c.generic("POST", "/cargas/clientes/", b"", CONTENT_TYPE=MULTIPART_CONTENT,
                         CONTENT_LENGTH=str(200 * 1000 * 1000), **{"wsgi.input": stream})
    assert response.status_code == 413
    page = response.content.decode()
    assert "demasiado grande" in page and "20 MB" in page
    assert stream.asked == 0 and ImportJob.objects.count() == 0


def test_an_anonymous_oversized_body_is_refused_too(client):
    response = client.generic("POST", "/ingresar/", b"", CONTENT_TYPE="application/x-www-form-urlencoded",
                              CONTENT_LENGTH=str(50 * 1000 * 1000), **{"wsgi.input": UnreadableInput()})
    assert response.status_code == 413


def test_a_form_page_takes_the_general_cap_not_the_upload_limit(users, client_as, settings):
    c = client_as(users["Administrador"])
    settings.MAX_REQUEST_BODY_BYTES = 1_000_000
    too_big = c.generic("POST", "/clientes/nuevo/", b"", CONTENT_TYPE="application/x-www-form-urlencoded",
                        CONTENT_LENGTH="1000001", **{"wsgi.input": UnreadableInput()})
    assert too_big.status_code == 413
    # The same size is fine on the upload page, whose limit is the file's (20 MB).
    from billing.middleware import body_limit

    assert body_limit("/cargas/clientes/") > 20_000_000 > body_limit("/clientes/nuevo/")
    assert body_limit("/admin/catalogs/catalogentry/cargar/") > settings.MAX_CATALOG_UPLOAD_BYTES
    assert body_limit("/admin/clients/client/import/") > settings.MAX_IMPORT_UPLOAD_BYTES


def test_a_chunked_oversized_body_is_refused_reading_no_further_than_the_limit(users, client_as, settings):
    settings.MAX_IMPORT_UPLOAD_BYTES = 2_000_000
    settings.MAX_REQUEST_BODY_BYTES = 1_000_000
    from billing.middleware import body_limit

    limit = body_limit("/cargas/clientes/")
    c = client_as(users["Administrador"])
    stream = EndlessChunkedInput()
    response = _chunked(c, "/cargas/clientes/", stream)
    assert response.status_code == 413 and "demasiado grande" in response.content.decode()
    assert limit < stream.served <= limit + 1
    assert ImportJob.objects.count() == 0


def _upload_body():
    data = csv_bytes([consumer_row(dui(7), "Ana")])
    return encode_multipart(BOUNDARY, {"file": SimpleUploadedFile("clientes.csv", data)})


def test_a_chunked_upload_within_the_limit_is_received_whole(users, client_as):
    c = client_as(users["Administrador"])
    response = _chunked(c, "/cargas/clientes/", io.BytesIO(_upload_body()))
    assert response.status_code == 302, response.content.decode()[:500]
    job = ImportJob.objects.get()
    assert job.file_name == "clientes.csv" and job.uploaded_by == users["Administrador"]


def test_an_ordinary_upload_still_works(users, client_as):
    c = client_as(users["Administrador"])
    response = c.post("/cargas/clientes/", {"file": SimpleUploadedFile("clientes.csv", csv_bytes([consumer_row(dui(7), "Ana")]))})
    assert response.status_code == 302 and ImportJob.objects.get().file_name == "clientes.csv"
