"""Documents through the API run the form's path: the same reader, services, checks and special
cases; a case that needs a person answers 409 with the case and a link; a till's key sees its
till's documents only."""

from decimal import Decimal

import pytest
from django.utils import timezone

from core.models import AuditEntry
from dte.models import Document, GovStatus

pytestmark = pytest.mark.django_db


def _factura(pos, client, product, **more):
    return {"tipo_dte": "01", "point_of_sale": pos.pk, "client": client.pk,
            "lines": [{"product": product.pk, "quantity": "2"}], **more}


def test_a_factura_is_issued_as_the_form_issues_it(till, till_key, establishments, parties, products):
    pos = establishments["pos"]["M001P001"]
    response = till.post("/api/v1/documentos/", _factura(pos, parties["consumer"], products["service"], issue=True),
                         format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    doc = Document.objects.get(pk=body["id"])
    assert body["status"] == doc.status == GovStatus.PENDING
    assert body["internal_status"] == "to_review"
    assert body["numero_control"] == "DTE-01-M001P001-000000000000001"
    # 2 × $50.00 with IVA (a Factura's price includes it): IVA = 100 − 100 / 1.13 = 11.50
    assert Decimal(body["total_to_pay"]) == Decimal("100.00") and Decimal(body["total_iva"]) == Decimal("11.50")
    assert doc.created_by == doc.issued_by == till_key[0].user
    assert AuditEntry.objects.filter(action="issue", actor=till_key[0].user, object_id=str(doc.pk)).exists()
    assert doc.outbox.state == "pending"
    assert set(body["links"]) >= {"json", "jws", "pdf", "web", "self"}
    signed = till.get(body["links"]["json"])
    assert signed.status_code == 200
    assert signed.json()["identificacion"]["numeroControl"] == body["numero_control"]
    assert till.get(body["links"]["jws"]).content.decode() == doc.jws


def test_bad_lines_are_refused_with_the_editors_words(till, establishments, parties):
    pos = establishments["pos"]["M001P001"]
    response = till.post("/api/v1/documentos/", {
        "tipo_dte": "01", "point_of_sale": pos.pk, "client": parties["consumer"].pk,
        "lines": [{"description": "Algo", "quantity": "2", "unit_price": "1", "discount": "5"}]}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "Línea 1: el descuento es mayor que el valor de la línea." in [e["message"] for e in body["errors"]]
    assert not Document.objects.exists()


def test_a_case_the_key_may_confirm_waits_until_the_call_confirms_it(till, establishments, parties, products):
    pos = establishments["pos"]["M001P001"]
    yesterday = timezone.localdate() - timezone.timedelta(days=1)
    response = till.post("/api/v1/documentos/", _factura(pos, parties["consumer"], products["service"], issue=True,
                                                         issue_date=yesterday.isoformat()), format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "confirmation_required" and body["field"] == "confirm"
    assert [c["code"] for c in body["cases"]] == ["other_date"]
    doc = Document.objects.get(pk=body["document"]["id"])
    assert doc.status == GovStatus.DRAFT  # never a silent pass
    assert body["links"]["confirm_page"].endswith(f"/documentos/{doc.pk}/confirmar/")
    issued = till.post(f"/api/v1/documentos/{doc.pk}/emitir/", {"confirm": ["other_date"]}, format="json")
    assert issued.status_code == 200, issued.json()
    assert issued.json()["status"] == GovStatus.PENDING
    assert issued.json()["cases"][0]["state"] == "confirmed"


def test_a_case_for_a_supervisor_waits_with_its_link_until_approved(till, establishments, parties, products, users):
    from dte.services.cases import case_decide

    pos = establishments["pos"]["M001P001"]
    # 400 × $50.00 = $20,000.00: above DTE_LARGE_AMOUNT_THRESHOLD, which a Vendedor may not confirm
    payload = {"tipo_dte": "01", "point_of_sale": pos.pk, "client": parties["consumer"].pk,
               "lines": [{"product": products["service"].pk, "quantity": "400"}], "issue": True,
               "confirm": ["large_amount"]}
    first = till.post("/api/v1/documentos/", payload, format="json")
    assert first.status_code == 409
    assert first.json()["code"] == "approval_required"
    assert first.json()["links"]["approvals_page"].endswith("/documentos/aprobaciones/")
    doc_id = first.json()["document"]["id"]
    asked = till.post(f"/api/v1/documentos/{doc_id}/emitir/", {"request_approval": True}, format="json")
    assert asked.status_code == 409
    assert [c["state"] for c in asked.json()["cases"]] == ["requested"]
    doc = Document.objects.get(pk=doc_id)
    assert doc.status == GovStatus.DRAFT
    case = doc.special_cases.get()
    case_decide(case=case, acting_user=users["Supervisor"], approve=True, reason="Cliente conocido")
    issued = till.post(f"/api/v1/documentos/{doc_id}/emitir/", {}, format="json")
    assert issued.status_code == 200
    assert issued.json()["status"] == GovStatus.PENDING


def test_a_till_key_never_sees_another_tills_documents(till, api_as, make_key, make_draft, establishments, parties,
                                                       products, users):
    from dte.services.issuing import document_issue

    other_till = establishments["pos"]["M001P002"]  # the same establishment's other till
    admin = users["Administrador"]
    elsewhere = document_issue(document=make_draft("01", user=admin, pos="M001P002", client=parties["consumer"]),
                               acting_user=admin)
    assert elsewhere.point_of_sale == other_till
    mine = till.post("/api/v1/documentos/", _factura(establishments["pos"]["M001P001"], parties["consumer"],
                                                      products["service"], issue=True), format="json").json()
    assert till.get(f"/api/v1/documentos/{elsewhere.pk}/").status_code == 404
    assert till.get(f"/api/v1/documentos/{elsewhere.pk}/documento.json").status_code == 404
    assert till.get(f"/api/v1/documentos/{elsewhere.pk}/documento.pdf").status_code == 404
    assert till.post(f"/api/v1/documentos/{elsewhere.pk}/retransmitir/").status_code == 404
    listed = till.get("/api/v1/documentos/").json()
    assert [d["id"] for d in listed["results"]] == [mine["id"]]
    assert till.get(f"/api/v1/documentos/?punto={other_till.pk}").json()["results"] == []
    # issuing from the other till is refused as the page refuses it
    refused = till.post("/api/v1/documentos/", _factura(other_till, parties["consumer"], products["service"]),
                        format="json")
    assert refused.status_code == 403
    # a company-wide key sees both
    _key, raw = make_key("Contador")
    ids = {d["id"] for d in api_as(raw).get("/api/v1/documentos/").json()["results"]}
    assert ids == {mine["id"], elsewhere.pk}


def test_the_list_pages_by_keyset_as_the_web_list(till, establishments, parties, products):
    pos = establishments["pos"]["M001P001"]
    ids = [till.post("/api/v1/documentos/", _factura(pos, parties["consumer"], products["service"], issue=True),
                     format="json").json()["id"] for _ in range(3)]
    first = till.get("/api/v1/documentos/?limite=2").json()
    assert [d["id"] for d in first["results"]] == ids[::-1][:2]
    assert first["counts"] == {"pending": 3}
    second = till.get(f"/api/v1/documentos/?limite=2&antes={first['next']}").json()
    assert [d["id"] for d in second["results"]] == [ids[0]] and second["next"] is None
    assert till.get("/api/v1/documentos/?estado=sealed").json()["results"] == []


def test_a_rejected_document_is_corrected_and_issued_again(till, establishments, parties, products):
    from dte.transitions import transition

    pos = establishments["pos"]["M001P001"]
    doc = Document.objects.get(pk=till.post("/api/v1/documentos/", _factura(pos, parties["consumer"], products["service"],
                                                                           issue=True), format="json").json()["id"])
    numero = doc.numero_control
    assert till.post(f"/api/v1/documentos/{doc.pk}/corregir/").json()["code"] == "conflict"
    transition(doc, GovStatus.TRANSMITTING, by=None, reason="prueba")
    transition(doc, GovStatus.REJECTED, by=None, reason="MH rechazó", rejected_at=timezone.now())
    corrected = till.post(f"/api/v1/documentos/{doc.pk}/corregir/")
    assert corrected.status_code == 200 and corrected.json()["status"] == GovStatus.CORRECTING
    changed = till.patch(f"/api/v1/documentos/{doc.pk}/", {"observations": "Corregido", "issue": True}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["status"] == GovStatus.PENDING
    assert changed.json()["numero_control"] == numero  # it keeps its number


def test_invalidating_needs_the_grant_and_a_sealed_document(till, api_as, make_key, establishments, parties, products):
    pos = establishments["pos"]["M001P001"]
    doc_id = till.post("/api/v1/documentos/", _factura(pos, parties["consumer"], products["service"], issue=True),
                       format="json").json()["id"]
    person = {"name": "María Rivas", "id_type": "13", "id_number": "00016297-5"}
    body = {"tipo": 2, "reason": "Venta anulada", "responsible": person, "requester": person}
    assert till.post(f"/api/v1/documentos/{doc_id}/invalidar/", body, format="json").status_code == 403
    _key, raw = make_key("Contador")
    response = api_as(raw).post(f"/api/v1/documentos/{doc_id}/invalidar/", body, format="json")
    assert response.status_code == 409  # pending, not sealed yet
    assert response.json()["code"] == "conflict"


def test_the_pdf_is_rendered_by_a_worker_and_asked_for_again(till, establishments, parties, products):
    pos = establishments["pos"]["M001P001"]
    doc_id = till.post("/api/v1/documentos/", _factura(pos, parties["consumer"], products["service"], issue=True),
                       format="json").json()["id"]
    pending = till.get(f"/api/v1/documentos/{doc_id}/documento.pdf")
    assert pending.status_code == 202
    assert pending["Retry-After"] == "3" and pending.json()["state"] == "rendering"
    from dte.printing import render_and_store

    render_and_store(doc_id, layouts=["letter"])
    ready = till.get(f"/api/v1/documentos/{doc_id}/documento.pdf")
    assert ready.status_code == 200 and ready["Content-Type"] == "application/pdf"
    assert b"".join(ready.streaming_content).startswith(b"%PDF")


def test_the_documents_answer_written_by_hand_is_the_declared_fields_own(till, establishments, parties, products):
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from api.serializers import DocumentDetailSerializer, DocumentSerializer

    pos = establishments["pos"]["M001P001"]
    doc_id = till.post("/api/v1/documentos/", _factura(pos, parties["consumer"], products["service"], issue=True),
                       format="json").json()["id"]
    doc = Document.objects.get(pk=doc_id)
    request = Request(APIRequestFactory().get("/"))
    for serializer in (DocumentSerializer, DocumentDetailSerializer):
        made = serializer(doc, context={"request": request})
        assert made.to_representation(doc) == made.declared_representation(doc)


def test_the_liquidations_through_the_api(api_as, make_key, establishments, parties, signing_company):
    """A Contador's key issues a Comprobante de Liquidación (lines name the liquidated documents)
    and a Documento Contable de Liquidación (its settlement in extra) as the editor does
    (sv-tax-facts-2.md §6); a Vendedor's key may issue neither."""
    from dte import jsonio

    pos = establishments["pos"]["M001P001"]
    accountant = api_as(make_key("Contador")[1])
    cl = accountant.post("/api/v1/documentos/", {
        "tipo_dte": "08", "point_of_sale": pos.pk, "client": parties["taxpayer"].pk, "issue": True,
        "lines": [{"description": "CCF de octubre", "extra": {
            "tipoDte": "03", "tipoGeneracion": "1", "numeroDocumento": "23CC000451", "fechaGeneracion": "2026-10-02",
            "ventaGravada": "500.00", "ventaExenta": "20.00"}}]}, format="json")
    assert cl.status_code == 201, cl.json()
    # 500 + IVA 65.00 + 20 exempt = 585.00
    assert Decimal(cl.json()["total_to_pay"]) == Decimal("585.00")
    dcl = accountant.post("/api/v1/documentos/", {
        "tipo_dte": "09", "point_of_sale": pos.pk, "client": parties["taxpayer"].pk, "issue": True, "lines": [],
        "extra": {"liquidacion": {"periodoInicio": "2026-10-01", "periodoFin": "2026-10-31", "valorOperaciones": "565.00",
                                  "porcentComision": "4"},
                  "extension": {"nombEntrega": "Marta Ayala", "docuEntrega": "01234567-8"}}}, format="json")
    assert dcl.status_code == 201, dcl.json()
    body = jsonio.loads(Document.objects.get(pk=dcl.json()["id"]).payload)["cuerpoDocumento"]
    # 565 → net 500.00; 2 % = 10.00; 4 % commission 20.00 + IVA 2.60; líquido 565 − 20 − 10 − 2.60 = 532.40
    assert (body["ivaPercibido"], body["comision"], body["ivaComision"], body["liquidoApagar"]) == (
        Decimal("10.00"), Decimal("20.00"), Decimal("2.60"), Decimal("532.40"))
    rep = api_as(make_key("Vendedor", establishments=[establishments["main"]], points_of_sale=[pos])[1])
    refused = rep.post("/api/v1/documentos/", {"tipo_dte": "09", "point_of_sale": pos.pk,
                                               "client": parties["taxpayer"].pk, "lines": []}, format="json")
    assert refused.status_code in (400, 403) and not Document.objects.filter(tipo_dte="09", created_by__role__name="Vendedor").exists()


@pytest.mark.parametrize("generation", ["2023", "2026"])
def test_a_donation_through_the_api(generation, api_as, make_key, establishments, parties, signing_company):
    """A Supervisor's key issues a Comprobante de Donación (15) as the editor does: each line says
    what is donated (CAT-026) and a good its depreciation, the donatario's qualification is the
    associated document (sv-tax-facts-2.md §6); the autouse fixture validates it against MH's
    fe-cd-v1 / fe-cd-v2. The same Idempotency-Key gives the first answer and one document; a
    Vendedor's key may not issue it; without the associated document it stays a draft."""
    import datetime

    from dte import jsonio
    from dte.models import SchemaGeneration

    if generation == "2026":
        SchemaGeneration.objects.create(kind="15", generation="2026",
                                        effective_from=timezone.now() - datetime.timedelta(hours=1))
    pos = establishments["pos"]["M001P001"]
    supervisor = api_as(make_key("Supervisor")[1])
    qualification = {"codDocAsociado": 1, "descDocumento": "Acuerdo 123/2025",
                     "detalleDocumento": "Calificación como donatario, LISR art. 6"}
    body = {"tipo_dte": "15", "point_of_sale": pos.pk, "client": parties["consumer"].pk, "issue": True,
            "extra": {"otrosDocumentos": [qualification]},
            "lines": [{"description": "Donación en efectivo", "quantity": "1", "unit_price": "250.00", "unit": 99,
                       "extra": {"tipoDonacion": 1}},
                      {"description": "Computadora portátil usada", "quantity": "3", "unit_price": "400.00",
                       "unit": 59, "extra": {"tipoDonacion": 2, "depreciacion": "150.25"}},
                      {"description": "Horas de asesoría", "quantity": "10", "unit_price": "12.50", "unit": 99,
                       "extra": {"tipoDonacion": 3}}]}
    first = supervisor.post("/api/v1/documentos/", body, format="json", HTTP_IDEMPOTENCY_KEY="donacion-1")
    assert first.status_code == 201, first.json()
    again = supervisor.post("/api/v1/documentos/", body, format="json", HTTP_IDEMPOTENCY_KEY="donacion-1")
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Document.objects.filter(tipo_dte="15").count() == 1
    doc = Document.objects.get(pk=first.json()["id"])
    assert (doc.status, doc.generation) == (GovStatus.PENDING, generation)
    # 250 + (3 × 400 − 150.25) + 10 × 12.50 = 250 + 1049.75 + 125 = 1424.75, no IVA
    assert Decimal(first.json()["total_to_pay"]) == Decimal("1424.75") and Decimal(first.json()["total_iva"]) == 0
    payload = jsonio.loads(doc.payload)
    assert payload["otrosDocumentos"] == [qualification]
    items = payload["cuerpoDocumento"]
    assert [(i["tipoDonacion"], i["valor"]) for i in items] == [
        (1, Decimal("250")), (2, Decimal("1049.75")), (3, Decimal("125"))]
    donor = payload["donante"] if generation == "2023" else payload["receptor"]
    assert donor["nombre"] == parties["consumer"].name
    depreciation = "depreciacion" if generation == "2023" else "tipoDepreciacion"
    assert items[1][depreciation] == Decimal("150.25")
    assert AuditEntry.objects.filter(action="issue", object_id=str(doc.pk)).exists()
    # Two associated documents: the editor keeps one, so the API says so.
    two = supervisor.post("/api/v1/documentos/", {**body, "extra": {"otrosDocumentos": [qualification] * 2}},
                          format="json")
    assert two.status_code == 400 and two.json()["field"] == "extra.otrosDocumentos"
    # Without its associated document MH refuses a CD: the draft stays, with the reason.
    bare = supervisor.post("/api/v1/documentos/", {**body, "extra": {}}, format="json")
    assert bare.status_code in (400, 422), bare.json()
    assert "documento asociado" in bare.content.decode()
    assert Document.objects.filter(tipo_dte="15").exclude(status=GovStatus.DRAFT).count() == 1
    rep = api_as(make_key("Vendedor", establishments=[establishments["main"]], points_of_sale=[pos])[1])
    refused = rep.post("/api/v1/documentos/", body, format="json")
    assert refused.status_code in (400, 403)
    assert not Document.objects.filter(tipo_dte="15", created_by__role__name="Vendedor").exists()
