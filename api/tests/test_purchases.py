"""Received documents through the API: the inbox's checks and states, duplicates refused (409),
idempotency, and the scope (a key without a company-wide role sends and sees none)."""

import base64

import pytest

from purchases.models import ReceivedDocument, ReceivedState, Source
from purchases.tests.factory import as_file, ccf

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(make_key, api_as, company):
    _key, raw = make_key("Contador", name="contabilidad")
    return api_as(raw)


def test_a_document_sent_by_api_is_checked_and_kept(books, parties):
    doc = ccf([("200.00", "0"), ("150.00", "20.00")])  # IVA 13 % of 350.00 = 45.50; total 415.50
    pdf = b"%PDF-1.4\n%%EOF\n"
    response = books.post("/api/v1/compras/", {"documento": doc, "pdf": base64.b64encode(pdf).decode()}, format="json",
                          HTTP_IDEMPOTENCY_KEY="compra-1")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["state"], body["total_gravada"], body["iva"], body["total"]) == ("verified", "350.00", "45.50", "415.50")
    assert body["source"] == "api" and body["problems"] == []
    got = ReceivedDocument.objects.get(pk=body["id"])
    assert got.source == Source.API and got.pdf.read() == pdf
    again = books.post("/api/v1/compras/", {"documento": doc, "pdf": base64.b64encode(pdf).decode()}, format="json",
                       HTTP_IDEMPOTENCY_KEY="compra-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true" and again.json() == body
    duplicate = books.post("/api/v1/compras/", {"documento": doc}, format="json")
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "duplicate"
    assert "ya se recibió" in duplicate.json()["message"]
    assert ReceivedDocument.objects.count() == 1
    listed = books.get("/api/v1/compras/?estado=verified").json()
    assert [r["id"] for r in listed["results"]] == [body["id"]]


def test_a_wrong_receptor_is_questioned_with_its_reason(books, parties):
    doc = ccf([("100.00", "0")], receptor=("06140101001012", "1111111"))
    response = books.post("/api/v1/compras/", {"documento": doc}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["state"] == ReceivedState.QUESTIONED
    assert body["problems"] == ["El receptor no es esta empresa: el NIT del receptor es «06140101001012», "
                                "el de la empresa 06140507071048."]


def test_not_a_dte_is_a_400_naming_the_field(books):
    response = books.post("/api/v1/compras/", {"documento": {"hola": 1}}, format="json")
    assert response.status_code == 400 and response.json()["field"] == "documento"
    assert "identificacion" in response.json()["message"]


def test_a_key_bound_to_a_place_neither_sends_nor_sees_purchases(make_key, api_as, establishments, books, parties, roles):
    from accounts.models import Role, RolePermission
    from accounts.modules import Module
    from core.modules import Action

    books.post("/api/v1/compras/", {"documento": ccf([("10.00", "0")])}, format="json")
    branch_role = Role.objects.create(name="Contador de sucursal", company_wide=False)
    RolePermission.objects.create(role=branch_role, module=Module.DOCUMENTOS, action=Action.EDIT)
    roles["Contador de sucursal"] = branch_role
    _key, raw = make_key("Contador de sucursal", establishments=[establishments["main"]], name="sucursal")
    branch = api_as(raw)
    refused = branch.post("/api/v1/compras/", {"documento": ccf([("20.00", "0")], number=5)}, format="json")
    assert refused.status_code == 403
    assert branch.get("/api/v1/compras/").json()["results"] == []
    assert branch.get(f"/api/v1/compras/{ReceivedDocument.objects.get().pk}/").status_code == 404
    _key, raw = make_key("Vendedor", name="caja")
    assert api_as(raw).get("/api/v1/compras/").status_code == 403  # a sales rep's role has no DOCUMENTOS · Modificar


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_zip_batch_through_the_api_read_by_the_worker_with_live_progress(make_key, api_as, users, parties, company,
                                                                         celery_worker, client_as):
    """Two CCFs and one of them again in a ZIP: the answer is the batch (202); the worker reads it
    (2 verified, 1 duplicate refused, registered in November); the API's status and the page's
    bar end at 100 % (purchases/tests/test_batches.py follows the bar while it moves)."""
    import io
    import zipfile

    from purchases.models import IntakeBatch
    from tests.mh_helpers import until

    _key, raw = make_key("Contador", name="contabilidad")
    api = api_as(raw)
    one, two = ccf([("100.00", "0")], number=11), ccf([("200.00", "0")], number=12)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("a.json", as_file(one))
        zf.writestr("a.pdf", b"%PDF-1.4\n%%EOF\n")
        zf.writestr("b.json", as_file(two))
        zf.writestr("c.json", as_file(one))
    made = api.post("/api/v1/compras/lotes/", {"zip": base64.b64encode(out.getvalue()).decode(), "nombre": "lote",
                                               "periodo": "2026-11"}, format="json")
    assert made.status_code == 202, made.content
    body = made.json()
    assert (body["file_name"], body["total"], body["period"]) == ("lote.zip", 3, "2026-11-01")
    batch_id = body["id"]
    browser = client_as(users["Contador"])
    until(lambda: IntakeBatch.objects.filter(pk=batch_id, state="done").first(), "lote leído", timeout=120)
    status = api.get(f"/api/v1/compras/lotes/{batch_id}/").json()
    assert (status["state"], status["percent"], status["received"], status["refused"], status["registered"]) == (
        "done", 100, 2, 1, 2)
    assert ReceivedDocument.objects.get(numero_control__endswith="11").pdf
    bar = browser.get(f"/compras/lotes/{batch_id}/avance/", headers={"HX-Request": "true"})
    assert bar["HX-Refresh"] == "true" and 'data-percent="100"' in bar.content.decode()
    assert "hx-get" not in bar.content.decode()  # over: it stops polling


def test_a_pdf_sent_alone_joins_its_received_document(books, parties):
    doc = books.post("/api/v1/compras/", {"documento": ccf([("80.00", "0")], number=7)}, format="json").json()
    pdf = base64.b64encode(b"%PDF-1.4 copia\n%%EOF\n").decode()
    response = books.post(f"/api/v1/compras/{doc['id']}/pdf/", {"pdf": pdf}, format="json")
    assert response.status_code == 200
    assert ReceivedDocument.objects.get(pk=doc["id"]).pdf.read() == b"%PDF-1.4 copia\n%%EOF\n"
    again = books.post(f"/api/v1/compras/{doc['id']}/pdf/", {"pdf": pdf}, format="json")
    assert again.status_code == 409 and "ya tiene su PDF" in again.json()["message"]
    not_pdf = books.post(f"/api/v1/compras/{doc['id']}/pdf/", {"pdf": base64.b64encode(b"hola").decode()}, format="json")
    assert not_pdf.status_code == 400 and not_pdf.json()["field"] == "pdf"
