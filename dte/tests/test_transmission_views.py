"""The transmission pages over HTTP: list filters and counts, bulk actions, the document page's
timeline, rejection explained, actions by role, and the invalidation form's refusals. The worker
path itself is tested in test_pipeline."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dte.explain import explain
from dte.models import Document, GovStatus, InvalidationType, MHCall, Outbox, OutboxState
from dte.services.issuing import document_issue
from dte.tests.conftest import line
from dte.transitions import transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(make_draft, issuer, parties):
    """Three documents: a Factura (sealed), a CCF (rejected by MH), a Factura (pending)."""
    fe = document_issue(document=make_draft("01", [line("A", "2", "11.30")], client=parties["consumer"]), acting_user=issuer)
    ccf = document_issue(document=make_draft("03", [line("B", "1", "500")], client=parties["taxpayer"]), acting_user=issuer)
    pending = document_issue(document=make_draft("01", [line("C", "1", "1.13")]), acting_user=issuer)
    for doc in (fe, ccf):
        transition(doc, GovStatus.TRANSMITTING)
    transition(fe, GovStatus.SEALED, sello_recibido="2026" + "A" * 36, processed_at=timezone.now())
    transition(ccf, GovStatus.REJECTED, rejected_at=timezone.now(), mh_code="004", mh_message="RECHAZADO",
               mh_observations=["[receptor.nrc] no coincide con el registro", "[resumen.totalGravada] CALCULO INCORRECTO",
                                "texto sin campo"])
    MHCall.objects.create(endpoint="/fesv/recepciondte", base_url="http://mh", codigo_generacion=ccf.codigo_generacion,
                          request_digest="ab" * 32, status_code=400, response_body={"codigoMsg": "004"}, outcome="rejected",
                          duration_ms=12, document_status="rejected")
    return {"fe": fe, "ccf": ccf, "pending": pending}


def test_list_counts_per_status_and_filters(issued, users, client_as):
    c = client_as(users["Contador"])
    body = c.get("/documentos/").content.decode()
    assert 'data-status="sealed"' in body and 'data-status="rejected"' in body and 'data-status="pending"' in body
    only_rejected = c.get("/documentos/", {"estado": "rejected"}).content.decode()
    assert issued["ccf"].numero_control in only_rejected and issued["fe"].numero_control not in only_rejected
    by_type = c.get("/documentos/", {"tipo": "01", "min": "20"}).content.decode()
    # 2 × 11.30 = 22.60 passes the minimum; the pending 1.13 does not; the CCF is another type
    assert issued["fe"].numero_control in by_type
    assert issued["pending"].numero_control not in by_type and issued["ccf"].numero_control not in by_type
    today = timezone.localdate()
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    assert issued["fe"].numero_control not in c.get("/documentos/", {"desde": tomorrow}).content.decode()


def test_sales_rep_sees_only_own_documents(issued, make_user, users, client_as):
    other = make_user("vendedora-2", "Vendedor")
    body = client_as(other).get("/documentos/").content.decode()
    assert issued["fe"].numero_control not in body
    assert client_as(other).get(f"/documentos/{issued['fe'].pk}/").status_code == 404
    assert client_as(users["outsider"]).get("/documentos/").status_code == 403


def test_bulk_internal_status_and_retransmit(issued, users, client_as):
    c = client_as(users["Contador"])
    ids = [issued["fe"].pk, issued["ccf"].pk]
    c.post("/documentos/acciones/", {"ids": ids, "action": "internal:reviewed"})
    assert set(Document.objects.filter(pk__in=ids).values_list("internal_status", flat=True)) == {"reviewed"}
    response = c.post("/documentos/acciones/", {"ids": ids, "action": "internal:observations", "reason": ""}, follow=True)
    assert "Escriba las observaciones" in response.content.decode()
    c.post("/documentos/acciones/", {"ids": [issued["ccf"].pk], "action": "retransmit"})
    ccf = Document.objects.get(pk=issued["ccf"].pk)
    assert ccf.status == GovStatus.PENDING and Outbox.objects.get(document=ccf).state == OutboxState.PENDING
    history = list(ccf.history.filter(track="internal").values_list("to_status", "by__username"))
    assert history == [("reviewed", "contador")]
    # A sales rep cannot use bulk actions.
    assert client_as(users["Vendedor"]).post("/documentos/acciones/", {"ids": ids, "action": "retransmit"}).status_code == 403


def test_document_page_timeline_and_rejection_explained(issued, users, client_as):
    body = client_as(users["Contador"]).get(f"/documentos/{issued['ccf'].pk}/").content.decode()
    assert "NRC del cliente" in body and "Corrija el NRC en la ficha del cliente" in body
    assert "Totales" in body and "[resumen.totalGravada] CALCULO INCORRECTO" in body  # raw too
    assert "texto sin campo" in body
    assert body.count("mh-call") == 1 and "/fesv/recepciondte" in body and "abababababababab" in body
    assert 'value="correct"' in body and 'value="retransmit"' in body  # the accountant may act
    auditor = client_as(users["Auditor"]).get(f"/documentos/{issued['ccf'].pk}/").content.decode()
    assert 'value="correct"' not in auditor and 'value="retransmit"' not in auditor  # read-only role
    assert client_as(users["Auditor"]).post(f"/documentos/{issued['ccf'].pk}/accion/", {"action": "correct"}).status_code == 403


def test_explain_reads_the_field_and_falls_back_to_raw():
    assert explain("[cuerpoDocumento.2.precioUni] mínimo 0") == ("Línea 3", "Revise la línea indicada.", "mínimo 0")
    field, hint, detail = explain("[receptor.direccion.municipio] no pertenece al departamento")
    assert field == "Municipio del cliente" and "CAT-013" in hint
    assert explain("algo sin corchetes") == (None, None, "algo sin corchetes")


def test_correct_from_the_page_keeps_number_and_history(issued, issuer, client_as):
    c = client_as(issuer)
    response = c.post(f"/documentos/{issued['ccf'].pk}/accion/", {"action": "correct"})
    assert response.status_code == 302 and response["Location"] == f"/documentos/{issued['ccf'].pk}/editar/"
    ccf = Document.objects.get(pk=issued["ccf"].pk)
    assert ccf.status == GovStatus.CORRECTING and ccf.numero_control == issued["ccf"].numero_control
    assert c.get(f"/documentos/{ccf.pk}/editar/").status_code == 200


def test_invalidation_form_refuses_with_reasons(issued, users, client_as):
    c = client_as(users["Contador"])
    pending = c.get(f"/documentos/{issued['pending'].pk}/invalidar/").content.decode()
    assert "Solo se invalida un documento sellado por MH" in pending
    fe = issued["fe"]
    Document.objects.filter(pk=fe.pk).update(processed_at=timezone.now() - datetime.timedelta(days=120))
    late = c.post(f"/documentos/{fe.pk}/invalidar/", {
        "tipo": "2", "reason": "Cliente desistió", "resp_name": "Carlos Contador", "resp_type": "13",
        "resp_number": "00016297-5", "req_name": "Ana López", "req_type": "13", "req_number": "00016297-5"})
    assert "El plazo para invalidar este documento venció" in late.content.decode()  # a Factura: 3 months
    Document.objects.filter(pk=fe.pk).update(processed_at=timezone.now())
    missing = c.post(f"/documentos/{fe.pk}/invalidar/", {"tipo": "1", "resp_name": "", "req_name": ""}).content.decode()
    assert "Falta nombre del responsable" in missing
    assert Document.objects.get(pk=fe.pk).status == GovStatus.SEALED
    assert client_as(users["Vendedor"]).get(f"/documentos/{fe.pk}/invalidar/").status_code == 403


def test_invalidation_schema_refusals_are_shown_in_plain_spanish(issued, users, client_as):
    fe = issued["fe"]
    page = client_as(users["Contador"]).post(f"/documentos/{fe.pk}/invalidar/", {
        "tipo": "2", "reason": "malo", "resp_name": "Carlos Contador", "resp_type": "13", "resp_number": "000162975",
        "req_name": "Ana", "req_type": "36", "req_number": "0614-280390-112-1"}).content.decode()
    # anulacion-schema-v2: motivoAnulacion 5–250 characters, nombreSolicita 5–100, a DUI ########-#, a NIT 14/9 digits
    assert "Motivo de la invalidación: escriba al menos 5 caracteres." in page
    assert "Nombre de quien solicita: escriba al menos 5 caracteres." in page
    assert ("Documento del responsable: un DUI se escribe con 8 dígitos, un guion y el dígito verificador "
            "(00000000-0).") in page
    assert "Documento de quien solicita: un NIT tiene 14 o 9 dígitos, sin guiones." in page
    for raw in ("does not match", "is too short", "motivo.", "[documento", "Revise los datos: ["):
        assert raw not in page, raw
    assert Document.objects.get(pk=fe.pk).status == GovStatus.SEALED


def test_schema_messages_name_missing_and_unknown_fields():
    from jsonschema import Draft7Validator

    from dte.explain import schema_messages

    schema = {"type": "object", "required": ["motivo"], "properties": {
        "documento": {"type": "object", "required": ["correo"], "properties": {"correo": {"type": "string"}}},
        "otro": {"enum": ["a"]}}}
    errors = sorted(Draft7Validator(schema).iter_errors({"documento": {}, "otro": "b"}), key=lambda e: list(e.path))
    assert schema_messages(errors) == ["motivo: falta.", "Correo del receptor: falta.", "otro: no es un valor que MH acepte."]


def test_invalidation_deadlines_follow_the_configuration(issued, settings):
    from zoneinfo import ZoneInfo

    from dte.invalidation import deadline

    sealed = datetime.datetime(2026, 1, 31, 10, 0, tzinfo=ZoneInfo("America/El_Salvador"))
    fe, ccf = issued["fe"], issued["ccf"]
    fe.processed_at = ccf.processed_at = sealed
    assert deadline(fe) == sealed.replace(month=4, day=30)  # three months from Jan 31: April has no 31st
    assert deadline(ccf) == datetime.datetime(2026, 2, 1, 23, 59, 59, tzinfo=ZoneInfo("America/El_Salvador"))
    settings.DTE_INVALIDATION_DEADLINES = {"2023": {"01": "1d", "*": "4d"}, "2026": {"*": "1d"}}
    assert deadline(ccf).day == 4 and deadline(fe).day == 1
    assert Decimal(fe.total_to_pay) == Decimal("22.60")


def test_invalidation_refused_one_second_after_its_generations_deadline(issued):
    from zoneinfo import ZoneInfo

    from dte.invalidation import problems

    sv = ZoneInfo("America/El_Salvador")
    ccf = issued["ccf"]
    ccf.status = GovStatus.SEALED  # as if MH had sealed it (only the deadline is checked here)
    ccf.generation, ccf.processed_at = "2026", datetime.datetime(2026, 3, 19, 15, 0, tzinfo=sv)
    last = datetime.datetime(2026, 4, 16, 23, 59, 59, tzinfo=sv)  # 10th business day of April 2026
    assert not [p for p in problems(ccf, tipo=InvalidationType.RESCIND, now=last) if "plazo" in p]
    late = problems(ccf, tipo=InvalidationType.RESCIND, now=last + datetime.timedelta(seconds=1))
    assert [p for p in late if "plazo" in p and "16/04/2026" in p]
    ccf.generation = "2023"  # the same seal under the 2023 rules: the next day
    assert [p for p in problems(ccf, tipo=InvalidationType.RESCIND, now=datetime.datetime(2026, 3, 21, 0, 0, 1, tzinfo=sv))
            if "plazo" in p]
