"""The events Normativa v2.0 adds (sv-tax-facts-2.md §2): Evento de Retorno (18) on a sealed
Factura, FEX or FSE, and Evento de Operaciones Especiales (17). Refused while the generation in
force for them is 2023; built, validated (the autouse fixture adds MH's official fe-eret-v1 /
fe-eop-v1), signed and queued; amounts computed here by hand."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dte import events, jsonio
from dte.invalidation import problems as invalidation_problems
from dte.models import Document, EventState, GovStatus, InvalidationType, MHEvent, SchemaGeneration
from dte.services.issuing import document_issue
from dte.tests.conftest import line
from dte.tests.test_access_scope import till_rep  # noqa: F401, F811 - the fixture: every grant, one till

pytestmark = pytest.mark.django_db

FVS_AND_INTERNAL = [
    # 50 simplified invoices 001–050 of 2.00 each, taxable: 100.00
    {"tipoDocumento": "02", "docDel": "FVS-001", "docAl": "FVS-050", "fechaEmision": "2026-11-30", "cantidad": "50",
     "descripcion": "Ventas con factura simplificada", "precioUni": "2.00", "treatment": "gravado"},
    # one internal voucher of 10.00, exempt
    {"tipoDocumento": "97", "numDocumento": "CCI-12", "fechaEmision": "2026-11-15", "cantidad": "1",
     "descripcion": "Comprobante de control interno", "precioUni": "10.00", "treatment": "exento"},
]


def _v2026(kind="*"):
    return SchemaGeneration.objects.create(kind=kind, generation="2026",
                                           effective_from=timezone.now() - datetime.timedelta(hours=1))


def _sealed(doc):
    Document.objects.filter(pk=doc.pk).update(status=GovStatus.SEALED, sello_recibido="A" * 40,
                                              processed_at=timezone.now())
    return Document.objects.get(pk=doc.pk)


@pytest.fixture
def factura(make_draft, issuer, parties):
    # 2 chairs at 113.00 IVA included: 226.00
    return _sealed(document_issue(document=make_draft("01", [line("Silla", "2", "113.00", code="SILLA-01")],
                                                      client=parties["consumer"]), acting_user=issuer))


def test_both_events_are_refused_while_2023_is_in_force(factura, users, signing_company):
    with pytest.raises(ValidationError, match="solo desde la Normativa v2.0.*rige la generación 2023"):
        events.return_request(document=factura, acting_user=users["Contador"], returned=[{"numItem": 1, "quantity": 1}])
    with pytest.raises(ValidationError, match="operaciones especiales existe solo desde la Normativa v2.0"):
        events.special_request(company=signing_company, acting_user=users["Contador"], rows=FVS_AND_INTERNAL,
                               period=datetime.date(2026, 11, 1))
    assert not MHEvent.objects.exists()


def test_a_return_on_a_factura_issued_in_2023(factura, users):
    _v2026("retorno")  # only the event moves to v2.0; the Factura stays v1 (retornos may reference FE v1)
    record = events.return_request(document=factura, acting_user=users["Contador"], reason="Cliente devolvió una silla",
                                   returned=[{"numItem": 1, "quantity": Decimal(1)}])
    assert (record.state, record.generation, record.version, record.kind) == (EventState.PENDING, "2026", 1, "retorno")
    body = jsonio.loads(record.payload)
    assert body["identificacion"]["tipoEvento"] == "18" and factura.version == 1
    assert body["documentoRelacionado"] == [{"tipoDocumento": "01", "codigoGeneracion": factura.codigo_generacion,
                                             "fechaEmision": factura.issue_date.isoformat()}]
    item = body["cuerpoDocumento"][0]
    # 1 × 113.00 = 113.00, IVA inside 113.00 × 13/113 = 13.00
    assert (item["cantidad"], item["ventaGravada"], item["ivaItem"]) == (1, Decimal("113"), Decimal("13"))
    resumen = body["resumen"]
    assert (resumen["totalGravada"], resumen["montoTotalOperacion"], resumen["totalIva"]) == (
        Decimal("113"), Decimal("113"), Decimal("13"))
    assert body["documento"]["nombre"] == "Ana López" and body["emisor"]["codEstableMH"] == "M001"
    assert record.total == Decimal("113.00")
    # 226.00 − 113.00 = 113.00 left: one more chair fits, two do not.
    with pytest.raises(ValidationError, match="sumarían más que el documento"):
        events.return_request(document=factura, acting_user=users["Contador"], returned=[{"numItem": 1, "quantity": 2}])
    # While the retorno is in force the Factura cannot be invalidated.
    assert any("eventos de retorno vigentes" in p for p in invalidation_problems(factura, tipo=InvalidationType.RESCIND))
    history = events.MH_EVENT_MACHINE.history_of(record)
    assert not history.exists()  # created pending; the moves come with the send


def test_a_return_is_refused_on_a_ccf_or_an_unsealed_factura(make_draft, issuer, parties, users):
    _v2026()
    ccf = _sealed(document_issue(document=make_draft("03", [line("Silla", "1", "100.00")], client=parties["taxpayer"]),
                                 acting_user=issuer))
    with pytest.raises(ValidationError, match="solo reduce una factura"):
        events.return_request(document=ccf, acting_user=users["Contador"], returned=[{"numItem": 1, "quantity": 1}])
    pending = document_issue(document=make_draft("01", [line("Silla", "1", "113.00")]), acting_user=issuer)
    with pytest.raises(ValidationError, match="sobre un documento sellado"):
        events.return_request(document=pending, acting_user=users["Contador"], returned=[{"numItem": 1, "quantity": 1}])
    with pytest.raises(ValidationError, match="no mayor que 1"):
        events.return_request(document=_sealed(pending), acting_user=users["Contador"],
                              returned=[{"numItem": 1, "quantity": 3}])


def test_operaciones_especiales_by_hand(signing_company, users):
    _v2026("operaciones")
    record = events.special_request(company=signing_company, acting_user=users["Contador"], rows=FVS_AND_INTERNAL,
                                    period=datetime.date(2026, 11, 20))
    body = jsonio.loads(record.payload)
    assert body["identificacion"]["tipoEvento"] == "17" and record.period == datetime.date(2026, 11, 1)
    fvs, internal = body["cuerpoDocumento"]
    assert (fvs["docDel"], fvs["docAl"], fvs["numDocumento"], fvs["ventaGravada"], fvs["tributos"]) == (
        "FVS-001", "FVS-050", None, Decimal("100"), ["20"])
    assert (internal["numDocumento"], internal["docDel"], internal["ventaExenta"]) == ("CCI-12", None, Decimal("10"))
    resumen = body["resumen"]
    # 100.00 taxable + 10.00 exempt = 110.00; IVA 13 % of 100.00 = 13.00; total 123.00
    assert (resumen["subTotal"], resumen["tributos"][0]["valor"], resumen["total"]) == (
        Decimal("110"), Decimal("13"), Decimal("123"))
    assert record.total == Decimal("123.00")
    # due within the first 10 business days of December 2026: Monday 1 … Monday 14
    assert events.special_period_deadline(record.period) == datetime.date(2026, 12, 14)


def test_operaciones_especiales_name_the_bad_row_and_field(signing_company, users):
    _v2026()
    rows = [FVS_AND_INTERNAL[0], {"tipoDocumento": "02", "docDel": "FVS-051", "cantidad": "1", "precioUni": "2",
                                  "descripcion": "x"},
            {"tipoDocumento": "97", "cantidad": "uno", "precioUni": "2", "descripcion": "y", "numDocumento": "9"}]
    with pytest.raises(ValidationError) as exc:
        events.special_request(company=signing_company, acting_user=users["Contador"], rows=rows,
                               period=datetime.date(2026, 11, 1))
    assert exc.value.messages == ["Fila 2, del/al: las facturas simplificadas se informan por rango.",
                                  "Fila 3, cantidad o precio: no es un número."]
    assert not MHEvent.objects.exists()


def test_the_return_page_for_the_accountant_and_not_for_the_rep(factura, client_as, users):
    from django.urls import reverse

    url = reverse("dte:return_new", args=[factura.pk])
    assert client_as(users["Vendedor"]).get(url).status_code == 403
    assert client_as(users["outsider"]).get(url).status_code in (302, 403)
    accountant = client_as(users["Contador"])
    page = accountant.get(url).content.decode()
    assert "solo desde la Normativa v2.0" in page and "Silla" in page  # 2023 in force: said before anything is typed
    refused = accountant.post(url, {"qty-1": "1"}).content.decode()
    assert "rige la generación 2023" in refused and not MHEvent.objects.exists()
    _v2026("retorno")
    bad = accountant.post(url, {"qty-1": "uno"}).content.decode()
    assert "Línea 1, cantidad devuelta: «uno» no es un número." in bad
    response = accountant.post(url, {"qty-1": "1", "reason": "Devolución"})
    assert response.status_code == 302 and response["Location"] == reverse("dte:events")
    record = MHEvent.objects.get()
    assert (record.document, record.total, record.created_by) == (factura, Decimal("113.00"), users["Contador"])
    listing = accountant.get(reverse("dte:events")).content.decode()
    assert record.codigo_generacion in listing and factura.numero_control in listing


def test_the_special_operations_page_only_for_a_company_wide_role(client_as, users, signing_company, till_rep):  # noqa: F811
    from django.urls import reverse

    url = reverse("dte:special_new")
    assert client_as(users["Vendedor"]).get(url).status_code == 403
    assert client_as(till_rep).get(url).status_code == 403  # has the grant, but reports for one till only
    _v2026("operaciones")
    accountant = client_as(users["Contador"])
    assert accountant.get(url).status_code == 200
    response = accountant.post(url, {
        "period": "2026-11", "row-0-tipoDocumento": "02", "row-0-docDel": "1", "row-0-docAl": "40",
        "row-0-cantidad": "40", "row-0-descripcion": "Ventas simplificadas", "row-0-precioUni": "1.50",
        "row-0-treatment": "gravado", "row-1-tipoDocumento": "02"})
    assert response.status_code == 302
    record = MHEvent.objects.get()
    # 40 × 1.50 = 60.00 taxable, IVA 7.80, total 67.80
    assert (record.kind, record.period, record.total) == ("operaciones", datetime.date(2026, 11, 1), Decimal("67.80"))


def test_the_events_list_reads_in_a_fixed_number_of_queries(factura, client_as, users, signing_company,
                                                            django_assert_max_num_queries):
    from django.urls import reverse

    _v2026()
    for _n in range(3):
        events.special_request(company=signing_company, acting_user=users["Contador"], rows=FVS_AND_INTERNAL[1:],
                               period=datetime.date(2026, 11, 1))
    events.return_request(document=factura, acting_user=users["Contador"], returned=[{"numItem": 1, "quantity": 1}])
    accountant = client_as(users["Contador"])
    accountant.get(reverse("dte:events"))  # warm: session, user, role
    with django_assert_max_num_queries(12):
        page = accountant.get(reverse("dte:events")).content.decode()
    assert page.count("Evento de operaciones especiales") == 3 and factura.numero_control in page


def test_one_retorno_covers_several_facturas_of_the_same_client(factura, make_draft, issuer, parties, users):
    """Up to 50 documents of one type, point of sale and counterparty (sv-tax-facts-2.md §2); each
    document's share is what its lines take off it, and each is held to its own remainder."""
    _v2026("retorno")
    # A second Factura to Ana López: 3 lamps at 22.60 = 67.80
    second = _sealed(document_issue(document=make_draft("01", [line("Lámpara", "3", "22.60", code="LAMP-1")],
                                                        client=parties["consumer"]), acting_user=issuer))
    record = events.return_request(document=factura, documents=[factura, second], acting_user=users["Contador"],
                                   reason="Devolución de varias compras",
                                   returned=[{"numItem": 1, "quantity": 1},
                                             {"numItem": 1, "quantity": 2, "document": second.pk}])
    body = jsonio.loads(record.payload)
    assert [r["codigoGeneracion"] for r in body["documentoRelacionado"]] == [factura.codigo_generacion,
                                                                            second.codigo_generacion]
    assert [(i["codigoGeneracion"], i["ventaGravada"]) for i in body["cuerpoDocumento"]] == [
        (factura.codigo_generacion, Decimal("113")), (second.codigo_generacion, Decimal("45.2"))]
    # 113.00 + 2 × 22.60 = 113.00 + 45.20 = 158.20; IVA inside 13.00 + 45.20 × 13/113 = 13.00 + 5.20 = 18.20
    assert body["resumen"]["montoTotalOperacion"] == Decimal("158.2") and body["resumen"]["totalIva"] == Decimal("18.2")
    assert record.total == Decimal("158.20")
    assert {s.document_id: s.amount for s in record.covered.all()} == {factura.pk: Decimal("113.00"),
                                                                        second.pk: Decimal("45.20")}
    # What is left: 226.00 − 113.00 = 113.00 on the first, 67.80 − 45.20 = 22.60 on the second.
    assert events.returned_so_far(factura) == Decimal("113.00") and events.returned_so_far(second) == Decimal("45.20")
    with pytest.raises(ValidationError, match="sumarían más que el documento DTE-01"):
        events.return_request(document=factura, documents=[factura, second], acting_user=users["Contador"],
                              returned=[{"numItem": 1, "quantity": 1}, {"numItem": 1, "quantity": 2, "document": second.pk}])
    # Both are blocked from invalidation while the retorno is in force.
    for doc in (factura, second):
        assert any(record.codigo_generacion in p for p in invalidation_problems(doc, tipo=InvalidationType.RESCIND))
    # Audited on each document it reduces.
    from core.models import AuditEntry

    assert AuditEntry.objects.filter(action="return", object_id__in=[str(factura.pk), str(second.pk)]).count() == 2


def test_a_retorno_covers_only_documents_of_one_client_type_and_point(factura, make_draft, issuer, parties, users):
    _v2026("retorno")
    other_client = _sealed(document_issue(document=make_draft("01", [line("Silla", "1", "113.00")],
                                                              client=parties["taxpayer"]), acting_user=issuer))
    with pytest.raises(ValidationError, match="emitidos a la misma persona"):
        events.return_request(document=factura, documents=[factura, other_client], acting_user=users["Contador"],
                              returned=[{"numItem": 1, "quantity": 1}, {"numItem": 1, "quantity": 1,
                                                                        "document": other_client.pk}])
    with pytest.raises(ValidationError, match="no es uno de los que cubre"):
        events.return_request(document=factura, acting_user=users["Contador"],
                              returned=[{"numItem": 1, "quantity": 1, "document": other_client.pk}])
    with pytest.raises(ValidationError, match="hasta 50 documentos"):
        events.return_request(document=factura, documents=[factura, *_fake_many(factura, 50)],
                              acting_user=users["Contador"], returned=[{"numItem": 1, "quantity": 1}])
    assert not MHEvent.objects.exists()


def _fake_many(doc, n):
    """n sealed copies of ``doc`` (other codes and numbers), for the 50-document limit."""
    import uuid

    copies = []
    for k in range(n):
        copy = Document.objects.get(pk=doc.pk)
        copy.pk = None
        copy.codigo_generacion = str(uuid.uuid4()).upper()
        copy.numero_control = f"DTE-01-M001P001-{900000000000000 + k:015d}"
        copy.save()
        copies.append(copy)
    return copies


def test_a_retorno_in_contingency_is_signed_offline_and_held(factura, users, establishments, signing_company):
    """While an outage covers the point of sale the retorno is signed as a contingency document
    (tipoModelo 2, tipoOperacion 2, the outage's type and reason; facts §5: v2.0 allows it) and
    not sent: contingency lists it and releases it once its event is sealed."""
    from unittest import mock

    from dte.models import OfflineScope

    _v2026("retorno")
    period = OfflineScope.objects.create(company=signing_company, tipo=5, motivo="Corte de internet en la sucursal",
                                         started_at=timezone.now(), opened_by=users["Administrador"],
                                         point_of_sale=establishments["pos"]["M001P001"])
    with mock.patch("dte.events.enqueue_on_commit") as queued:
        record = events.return_request(document=factura, acting_user=users["Contador"],
                                       returned=[{"numItem": 1, "quantity": 1}])
        ident = jsonio.loads(record.payload)["identificacion"]
        assert (ident["tipoModelo"], ident["tipoOperacion"], ident["tipoContingencia"], ident["motivoContin"]) == (
            2, 2, 5, "Corte de internet en la sucursal")
        assert record.contingency_period == period and record.released_at is None and not queued.called
        assert list(events.held_returns(period)) == [record]
        assert events.send(record.pk) is True  # held: nothing is sent, nothing moves
        assert MHEvent.objects.get(pk=record.pk).state == EventState.PENDING and not record.attempts
        assert events.release_held_returns([record.pk]) == 1 and queued.call_count == 1
        assert events.release_held_returns([record.pk]) == 0  # once
        # Its message lost: the contingency tick queues it again after 5 minutes, not before.
        released = MHEvent.objects.get(pk=record.pk).released_at
        assert events.resend_stalled_returns(period, now=released + datetime.timedelta(minutes=4)) == 0
        assert events.resend_stalled_returns(period, now=released + datetime.timedelta(minutes=6)) == 1
        assert queued.call_count == 2
    assert MHEvent.objects.get(pk=record.pk).released_at is not None


def test_the_return_page_offers_the_clients_other_facturas(factura, make_draft, issuer, parties, client_as, users):
    """The page lists the same client's other sealed Facturas of that point of sale; quantities
    typed against them make one retorno covering each (not another client's, not a pending one)."""
    from django.urls import reverse

    _v2026("retorno")
    second = _sealed(document_issue(document=make_draft("01", [line("Lámpara", "3", "22.60")],
                                                        client=parties["consumer"]), acting_user=issuer))
    stranger = _sealed(document_issue(document=make_draft("01", [line("Mesa", "1", "50.00")],
                                                          client=parties["taxpayer"]), acting_user=issuer))
    pending = document_issue(document=make_draft("01", [line("Mesa", "1", "50.00")], client=parties["consumer"]),
                             acting_user=issuer)
    url = reverse("dte:return_new", args=[factura.pk])
    accountant = client_as(users["Contador"])
    page = accountant.get(url).content.decode()
    assert f'id="companion-{second.pk}"' in page and second.numero_control in page
    assert stranger.numero_control not in page and pending.numero_control not in page
    bad = accountant.post(url, {"qty-1": "1", f"qty-{second.pk}-1": "dos"}).content.decode()
    assert f"{second.numero_control}, línea 1, cantidad devuelta: «dos» no es un número." in bad
    response = accountant.post(url, {"qty-1": "1", f"qty-{second.pk}-1": "2", "reason": "Devolución conjunta"})
    assert response.status_code == 302
    record = MHEvent.objects.get()
    # 113.00 + 2 × 22.60 = 158.20
    assert record.total == Decimal("158.20")
    assert sorted(record.covered.values_list("document_id", "amount")) == sorted(
        [(factura.pk, Decimal("113.00")), (second.pk, Decimal("45.20"))])
    listing = accountant.get(reverse("dte:events")).content.decode()
    assert record.codigo_generacion in listing and "y 1 documento más" in listing  # one row, naming the first
