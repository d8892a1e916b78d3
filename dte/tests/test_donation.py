"""The Comprobante de Donación (15): the donatario issues it to the donor (sv-tax-facts-2.md §6).
Its arithmetic is computed here by hand; it is issued in both generations (the autouse fixture
also validates each against MH's official fe-cd-v1 / fe-cd-v2), refused where MH refuses it
(contingency, no associated document), printed, and only roles allowed to issue it may."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dte import arithmetic as ar
from dte import jsonio
from dte.models import Document, SchemaGeneration
from dte.services.issuing import IssueError, document_issue
from dte.tests.conftest import line

pytestmark = pytest.mark.django_db

QUALIFICATION = [{"codDocAsociado": 1, "descDocumento": "Acuerdo 123/2025",
                  "detalleDocumento": "Calificación como donatario, LISR art. 6"}]


def _lines():
    """Cash 250.00; 3 laptops at 400.00 less 150.25 of depreciation; 10 hours of service at 12.50."""
    return [line("Donación en efectivo", "1", "250.00", unit=99, extra={"tipoDonacion": 1, "depreciacion": "0"}),
            line("Computadora portátil usada", "3", "400.00", unit=59, code="LAP-1",
                 extra={"tipoDonacion": 2, "depreciacion": "150.25"}),
            line("Horas de asesoría contable", "10", "12.50", unit=99, extra={"tipoDonacion": 3, "depreciacion": "0"})]


def _draft(make_draft, donor, lines=None, others=QUALIFICATION):
    return make_draft("15", lines or _lines(), client=donor, extra={"otrosDocumentos": others})


@pytest.fixture
def in_2026(db):
    return SchemaGeneration.objects.create(kind="*", generation="2026",
                                           effective_from=timezone.now() - datetime.timedelta(hours=1))


def test_donation_arithmetic_by_hand():
    totals = ar.compute(ar.DocIn(tipo_dte=ar.CD, lines=[
        ar.LineIn(quantity=Decimal(1), unit_price=Decimal("250.00"), donation_type=1),
        ar.LineIn(quantity=Decimal(3), unit_price=Decimal("400.00"), donation_type=2, depreciation=Decimal("150.25")),
        ar.LineIn(quantity=Decimal("2.5"), unit_price=Decimal("0.33333333"), donation_type=3)]))
    # 1 × 250 = 250; 3 × 400 − 150.25 = 1049.75; 2.5 × 0.33333333 = 0.833333325 → 0.83333333 (8 decimals)
    assert [lo.valor for lo in totals.lines] == [Decimal("250.00000000"), Decimal("1049.75000000"),
                                                 Decimal("0.83333333")]
    # valorTotal = 250 + 1049.75 + 0.83333333 = 1300.58333333 → 1300.58
    assert totals.valor_total == Decimal("1300.58") == totals.total_pagar


@pytest.mark.parametrize(("kind", "depreciation", "message"), [
    (1, "5", "solo un bien donado lleva depreciación"),
    (3, "1", "solo un bien donado lleva depreciación"),
    (2, "1200.01", "la depreciación es mayor que el valor del bien"),
    (0, "0", "indique el tipo de donación"),
])
def test_donation_arithmetic_refuses_what_mh_refuses(kind, depreciation, message):
    with pytest.raises(ar.ArithmeticError_, match=message):
        ar.compute(ar.DocIn(tipo_dte=ar.CD, lines=[ar.LineIn(quantity=Decimal(3), unit_price=Decimal("400"),
                                                              donation_type=kind, depreciation=Decimal(depreciation))]))


def test_a_donation_in_the_2023_generation(make_draft, issuer, parties):
    doc = document_issue(document=_draft(make_draft, parties["consumer"]), acting_user=issuer)
    body = jsonio.loads(doc.payload)
    assert (doc.generation, doc.version) == ("2023", 1)
    assert list(body) == ["identificacion", "donatario", "donante", "otrosDocumentos", "cuerpoDocumento", "resumen",
                          "apendice"]
    ident = body["identificacion"]
    assert ident["version"] == 1 and ident["tipoDte"] == "15" and ident["numeroControl"].startswith("DTE-15-")
    assert "tipoContingencia" not in ident and (ident["tipoModelo"], ident["tipoOperacion"]) == (1, 1)
    assert body["donatario"]["tipoDocumento"] == "36" and body["donatario"]["numDocumento"] == doc.company.nit
    donor = body["donante"]
    assert (donor["nombre"], donor["codDomiciliado"], donor["codPais"]) == ("Ana López", 1, "9300")
    assert donor["direccion"] == {"departamento": "06", "municipio": "14", "complemento": "Calle Arce 10"}
    items = body["cuerpoDocumento"]
    assert [(i["tipoDonacion"], i["uniMedida"], i["depreciacion"], i["valor"]) for i in items] == [
        (1, 99, 0, Decimal("250")), (2, 59, Decimal("150.25"), Decimal("1049.75")), (3, 99, 0, Decimal("125"))]
    # 250 + (3 × 400 − 150.25) + 10 × 12.50 = 250 + 1049.75 + 125 = 1424.75; only the cash is paid
    assert body["resumen"]["valorTotal"] == Decimal("1424.75")
    assert body["resumen"]["pagos"] == [{"codigo": "01", "montoPago": Decimal("250.00"), "referencia": None}]
    assert "CUATROCIENTOS VEINTICUATRO" in body["resumen"]["totalLetras"].upper()
    assert body["otrosDocumentos"] == QUALIFICATION
    assert doc.total_to_pay == Decimal("1424.75") and doc.total_iva == 0 and doc.amount_gravada == 0


def test_a_donation_in_the_2026_generation(in_2026, make_draft, issuer, parties):
    doc = document_issue(document=_draft(make_draft, parties["consumer"]), acting_user=issuer)
    body = jsonio.loads(doc.payload)
    assert (doc.generation, doc.version) == ("2026", 2)
    assert "donatario" not in body and "donante" not in body
    assert body["identificacion"]["numeroControl"] == "DTE-15-M001P001-000000000000001"
    emisor, receptor = body["emisor"], body["receptor"]
    assert "tipoEstablecimiento" not in emisor and "codEstableMH" not in emisor and emisor["numDocumento"] == doc.company.nit
    # San Salvador (06-14 in 2023) is distrito 14 of San Salvador Centro (23) after the 2024 reform.
    assert receptor["direccion"] == {"departamento": "06", "municipio": "23", "distrito": "14",
                                     "complemento": "Calle Arce 10"}
    assert (receptor["codDomiciliado"], receptor["codPais"]) == (1, "SV")
    goods = body["cuerpoDocumento"][1]
    assert "depreciacion" not in goods and goods["tipoDepreciacion"] == Decimal("150.25")
    assert goods["valor"] == Decimal("1049.75") and body["resumen"]["valorTotal"] == Decimal("1424.75")


def test_a_foreign_donor_has_no_address_nor_activity(make_draft, issuer, parties):
    body = jsonio.loads(document_issue(document=_draft(make_draft, parties["foreign"]), acting_user=issuer).payload)
    donor = body["donante"]
    assert (donor["codDomiciliado"], donor["codPais"], donor["direccion"], donor["codActividad"]) == (2, "9483", None, None)


def test_a_donation_needs_its_associated_document_and_a_donor(make_draft, issuer, parties):
    with pytest.raises(IssueError, match="documento asociado a la donación"):
        document_issue(document=_draft(make_draft, parties["consumer"], others=[]), acting_user=issuer)
    with pytest.raises(IssueError, match="se emite al donante"):
        document_issue(document=make_draft("15", _lines(), extra={"otrosDocumentos": QUALIFICATION}),
                       acting_user=issuer)
    assert not Document.objects.exclude(status="draft").exists()


def test_a_donation_is_refused_in_contingency(make_draft, issuer, parties, establishments, users):
    from dte.models import OfflineScope

    OfflineScope.objects.create(company=establishments["main"].company, tipo=1, started_at=timezone.now(),
                                opened_by=users["Administrador"])
    with pytest.raises(IssueError, match="no puede emitirse en contingencia"):
        document_issue(document=_draft(make_draft, parties["consumer"]), acting_user=issuer)


def test_the_sales_rep_cannot_start_a_donation_the_supervisor_can(client, users, issuer, establishments):
    point = establishments["pos"]["M001P001"]
    client.force_login(issuer)  # Vendedor: 01, 03, 04, 05, 06, 11 only
    response = client.post(reverse("dte:new"), {"tipo_dte": "15", "point_of_sale": point.pk})
    assert response.status_code == 200 and not Document.objects.filter(tipo_dte="15").exists()
    client.force_login(users["Supervisor"])
    response = client.post(reverse("dte:new"), {"tipo_dte": "15", "point_of_sale": point.pk})
    assert response.status_code == 302
    draft = Document.objects.get(tipo_dte="15")
    assert draft.created_by == users["Supervisor"]


def test_the_editor_saves_a_donation_line_and_its_associated_document(client, users, establishments, parties):
    from dte.services.drafts import draft_save

    supervisor = users["Supervisor"]
    point = establishments["pos"]["M001P001"]
    draft = draft_save(acting_user=supervisor, data={"tipo_dte": "15", "establishment_id": point.establishment_id,
                                                     "point_of_sale_id": point.pk, "issue_date": timezone.localdate(),
                                                     "client_id": parties["consumer"].pk}, lines=[])
    client.force_login(supervisor)
    page = client.get(reverse("dte:edit", args=[draft.pk]))
    assert page.status_code == 200 and "Lo que se dona" in page.content.decode()
    response = client.post(reverse("dte:save", args=[draft.pk]), {
        "issue_date": timezone.localdate().isoformat(), "otros-cod": "1", "otros-desc": "Acuerdo 9/2026",
        "otros-detalle": "Calificación de donatario", "line-a-tipoDonacion": "2", "line-a-description": "Escritorio",
        "line-a-quantity": "2", "line-a-unit_price": "80.00", "line-a-depreciacion": "30.50", "line-a-unit": "59",
        "line-b-tipoDonacion": "1", "line-b-description": "Efectivo", "line-b-quantity": "1",
        "line-b-unit_price": "19.50", "line-b-depreciacion": "0"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    draft.refresh_from_db()
    lines = list(draft.lines.all())
    assert [(x.extra["tipoDonacion"], x.extra["depreciacion"]) for x in lines] == [(2, "30.50"), (1, "0")]
    assert draft.extra["otrosDocumentos"][0]["descDocumento"] == "Acuerdo 9/2026"
    # 2 × 80 − 30.50 = 129.50, plus 19.50 in cash = 149.00
    assert "149.00" in response.content.decode()
    # A depreciation typed on cash is refused with its line and field named; the saved lines stay.
    refused = client.post(reverse("dte:save", args=[draft.pk]), {
        "issue_date": timezone.localdate().isoformat(), "line-b-tipoDonacion": "1", "line-b-description": "Efectivo",
        "line-b-quantity": "1", "line-b-unit_price": "19.50", "line-b-depreciacion": "5"}, HTTP_HX_REQUEST="true")
    assert "Línea 1, depreciación: solo un bien donado la lleva" in refused.content.decode()
    assert draft.lines.count() == 2


@pytest.mark.parametrize("generation", ["2023", "2026"])
def test_the_printed_donation_names_donatario_donor_and_values(generation, make_draft, issuer, parties, tmp_path):
    from dte.printing import render_pdf
    from dte.tests.test_printing import _text, _tools

    _tools()
    if generation == "2026":
        SchemaGeneration.objects.create(kind="15", generation="2026",
                                        effective_from=timezone.now() - datetime.timedelta(hours=1))
    doc = document_issue(document=_draft(make_draft, parties["consumer"]), acting_user=issuer)
    flat = " ".join(_text(render_pdf(doc), tmp_path).split())
    for expected in ("COMPROBANTE DE DONACIÓN", "Donatario (emisor)", f"NIT {doc.company.nit}", "Donante", "Ana López",
                     "Valor donado", "Computadora portátil usada", "depreciación $ 150.25", "$ 1,049.75",
                     "Total donado $ 1,424.75", "Acuerdo 123/2025", doc.numero_control):
        assert expected.upper() in flat.upper(), f"{expected}: {flat}"


@pytest.mark.parametrize("generation", ["2023", "2026"])
def test_a_sealed_donation_is_invalidated_in_its_generation(generation, make_draft, issuer, parties, users):
    from dte.invalidation import invalidation_request
    from dte.models import GovStatus, InvalidationType

    if generation == "2026":
        SchemaGeneration.objects.create(kind="*", generation="2026",
                                        effective_from=timezone.now() - datetime.timedelta(hours=1))
    doc = document_issue(document=_draft(make_draft, parties["consumer"]), acting_user=issuer)
    Document.objects.filter(pk=doc.pk).update(status=GovStatus.SEALED, sello_recibido="B" * 40,
                                              processed_at=timezone.now())
    doc.refresh_from_db()
    person = {"name": "María Rivas", "id_type": "13", "id_number": "00016297-5"}
    record = invalidation_request(document=doc, acting_user=users["Contador"], tipo=InvalidationType.RESCIND,
                                  reason="Donación no recibida", responsible=person, requester=person)
    event = jsonio.loads(record.payload)
    assert event["identificacion"]["version"] == (2 if generation == "2023" else 3)
    # The donor, as the donation named him (donante in v1, receptor in v2).
    assert (event["documento"]["tipoDte"], event["documento"]["nombre"], event["documento"]["numDocumento"]) == (
        "15", "Ana López", "00016297-5")


@pytest.mark.parametrize("generation", ["2023", "2026"])
def test_the_confirmation_and_document_pages_show_donatario_donor_and_values(generation, client, users, establishments,
                                                                            parties, signing_company):
    from dte.services.drafts import draft_save

    if generation == "2026":
        SchemaGeneration.objects.create(kind="15", generation="2026",
                                        effective_from=timezone.now() - datetime.timedelta(hours=1))
    supervisor = users["Supervisor"]
    point = establishments["pos"]["M001P001"]
    draft = draft_save(acting_user=supervisor, data={
        "tipo_dte": "15", "establishment_id": point.establishment_id, "point_of_sale_id": point.pk,
        "issue_date": timezone.localdate(), "client_id": parties["consumer"].pk,
        "extra": {"otrosDocumentos": QUALIFICATION}}, lines=_lines())
    client.force_login(supervisor)
    page = client.get(reverse("dte:confirm", args=[draft.pk])).content.decode()
    for expected in ("Donante", "Ana López", signing_company.legal_name, f"NIT {signing_company.nit}", "$ 1,049.75",
                     "$ 1,424.75"):
        assert expected in page, expected
    doc = document_issue(document=draft, acting_user=supervisor)
    detail = client.get(reverse("dte:detail", args=[doc.pk])).content.decode()
    assert "Ana López" in detail and "$ 1,424.75" in detail and doc.numero_control in detail
