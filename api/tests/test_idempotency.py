"""Idempotency-Key on every POST: the first answer again for the same key and body within 24 h,
a refusal for the same key with another body, one document for 20 concurrent duplicates."""

import threading
from datetime import timedelta

import httpx
import pytest
from django.db import connection
from django.urls import URLPattern, get_resolver

from api.models import ApiCall, IdempotentRequest
from dte.models import Document


def _factura(establishments, parties, products, **more):
    return {"tipo_dte": "01", "point_of_sale": establishments["pos"]["M001P001"].pk, "client": parties["consumer"].pk,
            "lines": [{"product": products["service"].pk, "quantity": "1"}], "issue": True, **more}


def test_every_post_of_the_api_honours_idempotency_keys():
    from api import urls

    posts = []
    for pattern in urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        view = getattr(pattern.callback, "view_class", None)
        if view is not None and hasattr(view, "post") and pattern.name not in ("schema", "docs", "redoc"):
            posts.append((pattern.name, getattr(view.post, "idempotent", False)))
    assert posts and all(flag for _name, flag in posts), posts
    assert get_resolver()  # the project's URLs load


@pytest.mark.django_db
def test_the_same_key_and_body_get_the_first_answer_and_one_document(till, establishments, parties, products):
    body = _factura(establishments, parties, products)
    first = till.post("/api/v1/documentos/", body, format="json", HTTP_IDEMPOTENCY_KEY="venta-1")
    again = till.post("/api/v1/documentos/", body, format="json", HTTP_IDEMPOTENCY_KEY="venta-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Document.objects.count() == 1
    other = till.post("/api/v1/documentos/", body, format="json", HTTP_IDEMPOTENCY_KEY="venta-2")
    assert other.status_code == 201 and Document.objects.count() == 2
    # Each call recorded once: the two that issued by the statement that kept their answer (in their
    # own transaction), the replay by the middleware.
    calls = list(ApiCall.objects.filter(route="api/v1/documentos/").order_by("id").values_list("method", "status"))
    assert calls == [("POST", 201)] * 3


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused(till, establishments, parties, products):
    till.post("/api/v1/documentos/", _factura(establishments, parties, products), format="json",
              HTTP_IDEMPOTENCY_KEY="venta-1")
    changed = till.post("/api/v1/documentos/", _factura(establishments, parties, products, observations="otra"),
                        format="json", HTTP_IDEMPOTENCY_KEY="venta-1")
    assert changed.status_code == 422
    assert changed.json()["code"] == "idempotency_key_reused" and changed.json()["field"] == "Idempotency-Key"
    elsewhere = till.post("/api/v1/clientes/", {}, format="json", HTTP_IDEMPOTENCY_KEY="venta-1")
    assert elsewhere.status_code == 422  # another route is another request
    assert Document.objects.count() == 1


@pytest.mark.django_db
def test_a_refusal_is_an_answer_too_and_keys_expire_after_a_day(till, establishments, parties, products):
    bad = {"tipo_dte": "01", "point_of_sale": establishments["pos"]["M001P001"].pk, "lines": [{"quantity": "x"}]}
    first = till.post("/api/v1/documentos/", bad, format="json", HTTP_IDEMPOTENCY_KEY="mala")
    again = till.post("/api/v1/documentos/", bad, format="json", HTTP_IDEMPOTENCY_KEY="mala")
    assert first.status_code == again.status_code == 400 and again["Idempotent-Replayed"] == "true"
    body = _factura(establishments, parties, products)
    till.post("/api/v1/documentos/", body, format="json", HTTP_IDEMPOTENCY_KEY="ayer")
    IdempotentRequest.objects.filter(key="ayer").update(created_at=IdempotentRequest.objects.get(key="ayer").created_at
                                                        - timedelta(hours=25))
    later = till.post("/api/v1/documentos/", body, format="json", HTTP_IDEMPOTENCY_KEY="ayer")
    assert later.status_code == 201 and "Idempotent-Replayed" not in later
    assert Document.objects.count() == 2


@pytest.mark.django_db
def test_keys_are_per_api_key(till, api_as, make_key, establishments, parties, products):
    till.post("/api/v1/clientes/", {"kind": "consumidor", "id_type": "13", "id_number": "00016297-5", "name": "Ana"},
              format="json", HTTP_IDEMPOTENCY_KEY="k")
    _key, raw = make_key("Vendedor", name="otra")
    other = api_as(raw).post("/api/v1/clientes/", {"kind": "consumidor", "id_type": "13", "id_number": "04444444-0",
                                                   "name": "Beto"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert "Idempotent-Replayed" not in other


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_duplicates_make_one_document(live_server, till_key, establishments, parties, products):
    if connection.vendor != "postgresql":
        pytest.skip("la concurrencia real se prueba en PostgreSQL (en CI siempre)")
    body = _factura(establishments, parties, products)
    start = threading.Barrier(20)
    answers, failures = [], []

    def call():
        try:
            with httpx.Client(base_url=live_server.url, timeout=60,
                              headers={"Authorization": f"Bearer {till_key[1]}", "Idempotency-Key": "caja1-000123"}) as http:
                start.wait()
                response = http.post("/api/v1/documentos/", json=body)
                answers.append((response.status_code, response.json().get("id"),
                                response.headers.get("Idempotent-Replayed")))
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(repr(exc))

    threads = [threading.Thread(target=call) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert Document.objects.count() == 1
    only = Document.objects.get()
    assert only.status == "pending" and only.correlative == 1
    assert sorted(status for status, _id, _r in answers) == [201] * 20
    assert {doc_id for _s, doc_id, _r in answers} == {only.pk}
    assert sum(1 for _s, _id, replayed in answers if replayed == "true") == 19
    from api.models import ApiCall

    assert ApiCall.objects.filter(key=till_key[0], route="api/v1/documentos/", status=201).count() == 20
