"""Issuing: numbering, the one-transaction rule, the JSON of each type against our schemas and
MH's (the autouse fixture adds the official ones), signature, outbox and history."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from dte import jsonio
from dte.models import Document, GovStatus, NumberCounter, Outbox, RelatedDocument, StatusChange
from dte.services.issuing import IssueError, document_issue
from dte.signing import jws
from dte.signing.certificates import load_signing_key
from dte.tests.conftest import CERT_PASSWORD, _certificate, line

pytestmark = pytest.mark.django_db
UUID4_UPPER = re.compile(r"^[A-F0-9]{8}-[A-F0-9]{4}-4[A-F0-9]{3}-[89AB][A-F0-9]{3}-[A-F0-9]{12}$")


def _payload(doc):
    return jsonio.loads(doc.payload)


def test_a_factura_is_numbered_built_signed_and_queued(make_draft, issuer, parties):
    draft = make_draft("01", [line("Silla", "2", "113.00")], client=parties["consumer"])
    doc = document_issue(document=draft, acting_user=issuer)
    assert doc.numero_control == "DTE-01-M001P001-000000000000001"
    assert UUID4_UPPER.match(doc.codigo_generacion)
    body = _payload(doc)
    assert body["identificacion"]["numeroControl"] == doc.numero_control
    assert body["identificacion"]["tipoModelo"] == 1 and body["identificacion"]["tipoContingencia"] is None
    # 2 × 113.00 = 226.00 IVA included; IVA = 226 × 13/113 = 26.00
    assert body["resumen"]["totalGravada"] == Decimal("226") and body["resumen"]["totalIva"] == Decimal("26")
    assert body["resumen"]["totalPagar"] == Decimal("226")
    assert body["resumen"]["totalLetras"] == "DOSCIENTOS VEINTISÉIS DÓLARES"
    assert body["receptor"]["numDocumento"] == "00016297-5"
    # The signature covers exactly the stored bytes, with the company's key.
    key = load_signing_key(_certificate(), CERT_PASSWORD)
    jws.verify(doc.jws, key.private_key.public_key())
    assert jws.split(doc.jws)[1] == doc.payload.encode("utf-8")
    stored = Document.objects.get(pk=doc.pk)
    assert stored.status == GovStatus.PENDING and stored.total_to_pay == Decimal("226.00")
    assert Outbox.objects.get(document=doc).state == "pending"
    change = StatusChange.objects.get(document=doc)
    assert (change.from_status, change.to_status, change.by) == ("draft", "pending", issuer)


def test_numbers_follow_per_type_point_of_sale_and_year(make_draft, issuer, parties, establishments, users):
    from accounts.services import user_assign_locations

    user_assign_locations(user=issuer, establishments=[establishments["main"]],
                          points_of_sale=[establishments["pos"]["M001P001"], establishments["pos"]["M001P002"]],
                          acting_user=users["Administrador"])
    numbers = [document_issue(document=make_draft("01"), acting_user=issuer).numero_control for _ in range(3)]
    assert numbers == [f"DTE-01-M001P001-{n:015d}" for n in (1, 2, 3)]
    ccf = document_issue(document=make_draft("03", client=parties["taxpayer"]), acting_user=issuer)
    assert ccf.numero_control == "DTE-03-M001P001-000000000000001"  # its own series
    other_pos = document_issue(document=make_draft("01", pos="M001P002"), acting_user=issuer)
    assert other_pos.numero_control == "DTE-01-M001P002-000000000000001"
    # A new year starts again at 1 (a confirmed other-date case).
    from dte.services.cases import case_confirm, cases_refresh

    next_year = make_draft("01", issue_date=datetime.date(timezone.localdate().year + 1, 1, 2))
    for case in cases_refresh(document=next_year, acting_user=issuer):
        case_confirm(case=case, acting_user=issuer)
    assert document_issue(document=next_year, acting_user=issuer).numero_control.endswith("-000000000000001")


def test_a_failed_issue_keeps_nothing_and_uses_no_number(make_draft, issuer, signing_company):
    draft = make_draft("01")
    signing_company.certificate = b"not a certificate"
    signing_company.save()
    with pytest.raises(IssueError):
        document_issue(document=draft, acting_user=issuer)
    draft.refresh_from_db()
    assert draft.status == GovStatus.DRAFT and draft.numero_control is None
    assert not Outbox.objects.exists() and not StatusChange.objects.exists()
    assert not NumberCounter.objects.filter(last__gt=0).exists()  # the increment rolled back
    signing_company.certificate = _certificate()
    signing_company.save()
    assert document_issue(document=draft, acting_user=issuer).numero_control.endswith("-000000000000001")


def test_an_issued_document_is_not_issued_again_nor_edited(make_draft, issuer):
    from django.core.exceptions import ValidationError

    from dte.services.drafts import draft_save

    doc = document_issue(document=make_draft("01"), acting_user=issuer)
    with pytest.raises(IssueError, match="ya fue emitido"):
        document_issue(document=doc, acting_user=issuer)
    with pytest.raises(ValidationError):
        draft_save(acting_user=issuer, document=doc, data={}, lines=[line()])


def test_a_rep_cannot_issue_from_a_point_of_sale_he_is_not_assigned(make_draft, issuer, establishments):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        make_draft("01", pos="S001P001")


def test_ccf_needs_a_taxpayer_with_nit_and_nrc(make_draft, issuer, parties):
    with pytest.raises(IssueError, match="NIT y NRC"):
        document_issue(document=make_draft("03", client=parties["consumer"]), acting_user=issuer)


def test_ccf_with_iva_as_tributo_20(make_draft, issuer, parties):
    draft = make_draft("03", [line("Consultoría", "1", "2000.00", item_type=2, unit=99)], client=parties["taxpayer"])
    body = _payload(document_issue(document=draft, acting_user=issuer))
    assert body["cuerpoDocumento"][0]["tributos"] == ["20"]
    # 2000 × 13 % = 260.00; total 2260.00
    assert body["resumen"]["tributos"] == [{"codigo": "20", "descripcion": "Impuesto al Valor Agregado 13%",
                                            "valor": Decimal("260")}]
    assert body["resumen"]["montoTotalOperacion"] == Decimal("2260")
    assert body["resumen"]["pagos"] == [{"codigo": "01", "montoPago": Decimal("2260"), "referencia": None,
                                         "plazo": None, "periodo": None}]


def test_credit_sale_carries_the_term_in_pagos(make_draft, issuer, parties):
    draft = make_draft("03", [line("Caja", "10", "5.00")], client=parties["taxpayer"], condition=2,
                       payment_term_days=30)
    body = _payload(document_issue(document=draft, acting_user=issuer))
    # 10 × 5 = 50.00 + IVA 6.50 = 56.50
    assert body["resumen"]["condicionOperacion"] == 2
    assert body["resumen"]["pagos"][0] == {"codigo": "01", "montoPago": Decimal("56.5"), "referencia": None,
                                           "plazo": "01", "periodo": 30}


def test_payment_methods_must_add_up_to_the_total(make_draft, issuer):
    draft = make_draft("01", [line("A", "1", "20.00")], payments=[{"codigo": "01", "monto": "5"},
                                                               {"codigo": "03", "monto": "10", "referencia": "**** 1234"}])
    with pytest.raises(IssueError, match=r"suman \$ 15\.00 y el total a pagar es \$ 20\.00"):
        document_issue(document=draft, acting_user=issuer)
    ok = make_draft("01", [line("A", "1", "20.00")], payments=[{"codigo": "01", "monto": "5"},
                                                            {"codigo": "03", "monto": "15", "referencia": "**** 1234"}])
    pagos = _payload(document_issue(document=ok, acting_user=issuer))["resumen"]["pagos"]
    assert [(p["codigo"], p["montoPago"], p["referencia"]) for p in pagos] == [
        ("01", Decimal("5"), None), ("03", Decimal("15"), "**** 1234")]


def test_factura_at_the_identification_amount_demands_the_buyer(make_draft, issuer, settings):
    from dte.services.cases import case_confirm, cases_refresh

    settings.DTE_LARGE_AMOUNT_THRESHOLD = "100000"
    anonymous = make_draft("01", [line("Refrigeradora", "1", "1095.00")])
    with pytest.raises(IssueError, match="exige tipo y número de documento"):
        document_issue(document=anonymous, acting_user=issuer)
    below = make_draft("01", [line("Lavadora", "1", "1094.99")])
    for case in cases_refresh(document=below, acting_user=issuer):
        case_confirm(case=case, acting_user=issuer)
    body = _payload(document_issue(document=below, acting_user=issuer))
    assert body["receptor"] is None  # below the amount a Factura may go without a buyer


def test_factura_identification_looks_at_the_operation_amount_not_what_is_paid(make_draft, issuer, settings):
    # fe-fc-v1 demands the buyer when resumen.montoTotalOperacion ≥ 1095.00 (facts §2.2); a charge
    # outside the tax base (noGravado) moves totalPagar away from it.
    settings.DTE_LARGE_AMOUNT_THRESHOLD = "100000"
    credited = make_draft("01", [line("Refrigeradora", "1", "1095.00"),
                                 line("Abono de prima", "1", "0", no_gravado=Decimal("-10.00"), unit=99)])
    # montoTotalOperacion 1095.00 (at the amount) while totalPagar is 1095.00 − 10.00 = 1085.00 (below it)
    with pytest.raises(IssueError, match="exige tipo y número de documento"):
        document_issue(document=credited, acting_user=issuer)
    charged = make_draft("01", [line("Lavadora", "1", "1090.00"),
                                line("Cargo por entrega", "1", "0", no_gravado=Decimal("10.00"), unit=99)])
    # montoTotalOperacion 1090.00 (below) while totalPagar is 1090.00 + 10.00 = 1100.00: no buyer needed
    from dte.services.cases import case_confirm, cases_refresh

    for case in cases_refresh(document=charged, acting_user=issuer):
        case_confirm(case=case, acting_user=issuer)
    body = _payload(document_issue(document=charged, acting_user=issuer))
    assert body["receptor"] is None
    assert (body["resumen"]["montoTotalOperacion"], body["resumen"]["totalPagar"]) == (Decimal("1090"), Decimal("1100"))


def test_nota_de_credito_corrects_a_sealed_ccf(make_draft, issuer, parties):
    ccf = document_issue(document=make_draft("03", [line("Silla", "4", "100.00")], client=parties["taxpayer"]),
                         acting_user=issuer)
    related = [{"tipo_documento": "03", "tipo_generacion": 2, "numero_documento": ccf.codigo_generacion,
                "fecha_emision": ccf.issue_date, "target_id": ccf.pk}]
    note = make_draft("05", [line("Devolución de silla", "1", "100.00", related_code=ccf.codigo_generacion)],
                      client=parties["taxpayer"], related=related)
    with pytest.raises(IssueError, match="aún no está sellado"):
        document_issue(document=note, acting_user=issuer)
    Document.objects.filter(pk=ccf.pk).update(status=GovStatus.SEALED)  # MH's seal (Transmission issue)
    body = _payload(document_issue(document=note, acting_user=issuer))
    assert body["documentoRelacionado"] == [{"tipoDocumento": "03", "tipoGeneracion": 2,
                                             "numeroDocumento": ccf.codigo_generacion,
                                             "fechaEmision": ccf.issue_date.isoformat()}]
    assert body["cuerpoDocumento"][0]["numeroDocumento"] == ccf.codigo_generacion
    # 100.00 + 13 % = 113.00
    assert body["resumen"]["montoTotalOperacion"] == Decimal("113") and "pagos" not in body["resumen"]
    assert RelatedDocument.objects.get(document__tipo_dte="05").target == ccf


def test_comprobante_de_retencion_to_a_provider(make_draft, issuer, parties):
    lines = [line("Retención 1 % CCF 123", "1", "0", extra={"tipoDte": "03", "tipoDoc": 1, "numDocumento": "23CC000451",
                                                          "fechaEmision": "2026-11-03", "montoSujetoGrav": "1500.00",
                                                          "codigoRetencionMH": "22"})]
    body = _payload(document_issue(document=make_draft("07", lines, provider=parties["provider"]), acting_user=issuer))
    assert body["receptor"]["numDocumento"] == "06141506851019" and body["receptor"]["codActividad"] == "46900"
    assert body["emisor"]["codigoMH"] == "M001" and body["emisor"]["puntoVentaMH"] == "P001"
    # 1500.00 × 1 % = 15.00
    assert body["resumen"] == {"totalSujetoRetencion": Decimal("1500"), "totalIVAretenido": Decimal("15"),
                               "totalIVAretenidoLetras": "QUINCE DÓLARES"}


def test_factura_de_sujeto_excluido_buys_from_an_unregistered_person(make_draft, issuer):
    seller = {"id_type": "13", "id_number": "04567891-2", "name": "Juan Pérez", "departamento": "05",
              "municipio": "11", "address": "Cantón El Progreso", "phone": "77778888"}
    lines = [line("Maíz blanco, quintal", "10", "30.00", unit=32),
             line("Flete", "1", "50.00", item_type=2, unit=99, withhold_income=True)]
    body = _payload(document_issue(document=make_draft("14", lines, counterparty=seller), acting_user=issuer))
    assert body["sujetoExcluido"]["numDocumento"] == "045678912" and "receptor" not in body  # FSE: DUI without dash
    # 10 × 30 = 300 + 50 = 350; renta 10 % of 50 = 5.00; to pay 345.00
    assert (body["resumen"]["totalCompra"], body["resumen"]["reteRenta"], body["resumen"]["totalPagar"]) == (
        Decimal("350"), Decimal("5"), Decimal("345"))


def test_factura_de_exportacion_to_a_foreign_buyer(make_draft, issuer, parties, shared_dir):
    from dte.schemas.validation import validator_for

    lines = [line("Café oro, saco 69 kg", "10", "245.00")]
    draft = make_draft("11", lines, client=parties["foreign"], extra={
        "seguro": "25", "flete": "90", "codIncoterms": "05", "descIncoterms": "DAP", "tipoItemExpor": "1",
        "recintoFiscal": "02", "regimen": "EX-1.1000.000"})
    body = _payload(document_issue(document=draft, acting_user=issuer))
    # goods leave through Acajutla (CAT-027 "02") under the common definitive regime (CAT-028)
    assert (body["emisor"]["tipoItemExpor"], body["emisor"]["recintoFiscal"], body["emisor"]["regimen"]) == (
        1, "02", "EX-1.1000.000")
    official = json.loads((shared_dir / "spec" / "mh-schemas-2023" / "fe-fex-v1.json").read_text(encoding="utf-8"))
    assert [e.message for e in validator_for(official).iter_errors(body)] == []
    assert body["receptor"]["codPais"] == "9483" and body["receptor"]["nombrePais"]
    assert body["identificacion"]["motivoContigencia"] is None  # FEX v1 spelling
    assert body["cuerpoDocumento"][0]["tributos"] == ["C3"]
    # 10 × 245 = 2450 + 25 + 90 = 2565.00
    assert body["resumen"]["montoTotalOperacion"] == Decimal("2565") and body["resumen"]["totalPagar"] == Decimal("2565")


def test_export_of_goods_needs_recinto_and_regimen_services_carry_neither(make_draft, issuer, parties):
    goods = make_draft("11", [line("Café oro", "1", "245.00")], client=parties["foreign"],
                       extra={"tipoItemExpor": "3", "recintoFiscal": "02"})  # ambos: goods too, no regime
    with pytest.raises(IssueError, match="recinto fiscal .CAT-027. y el régimen .CAT-028."):
        document_issue(document=goods, acting_user=issuer)
    services = make_draft("11", [line("Consultoría", "1", "500.00", item_type=2, unit=99)], client=parties["foreign"],
                          extra={"tipoItemExpor": "2", "recintoFiscal": "02", "regimen": "EX-1.1000.000"})
    body = _payload(document_issue(document=services, acting_user=issuer))
    assert (body["emisor"]["tipoItemExpor"], body["emisor"]["recintoFiscal"], body["emisor"]["regimen"]) == (2, None, None)


def test_nota_de_remision_moves_goods(make_draft, issuer, parties, products, establishments):
    from inventory.models import Stock
    from inventory.services import stock_move

    stock_move(product=products["chair"], establishment=establishments["main"], quantity=10, reason="inicial")
    lines = [line("Silla", "3", "100.00", product_id=products["chair"].pk, code="SILLA-01")]
    draft = make_draft("04", lines, client=parties["taxpayer"], extra={"bienTitulo": "04"})
    body = _payload(document_issue(document=draft, acting_user=issuer))
    assert body["receptor"]["bienTitulo"] == "04"
    assert Stock.objects.get(product=products["chair"], establishment=establishments["main"]).quantity == 7


def test_mh_own_ccf_example_is_reproduced(shared_dir, signing_company, establishments, issuer, monkeypatch):
    """MH's CCF example (Manual Funcional v1.1), rebuilt from its inputs. Two deliberate
    differences: we always send the MH establishment and point-of-sale codes (MH's 2022 example
    left them null; the 2026 schemas require them), and MH's totalLetras ends in a stray space."""
    import json
    from zoneinfo import ZoneInfo

    from clients.models import Client
    from dte import numbering
    from dte.models import NumberCounter
    from dte.services.cases import case_confirm, cases_refresh
    from dte.services.drafts import draft_save

    sample = json.loads((shared_dir / "spec" / "samples" / "mh-manual-funcional-v1.1_ejemplo-ccf-v3_payload-firmado.json")
                        .read_text(encoding="utf-8"))
    emisor, receptor = sample["emisor"], sample["receptor"]
    company = signing_company
    company.nit, company.nrc, company.legal_name, company.trade_name = emisor["nit"], emisor["nrc"], emisor["nombre"], ""
    company.activity_code, company.activity_description = emisor["codActividad"], emisor["descActividad"]
    company.email, company.mh_environment = emisor["correo"], sample["identificacion"]["ambiente"]
    company.save()
    est, pos = establishments["main"], establishments["pos"]["M001P001"]
    est.cod_estable_mh, est.establishment_type, est.phone = "0000", emisor["tipoEstablecimiento"], emisor["telefono"]
    est.departamento, est.municipio, est.address = (emisor["direccion"][k] for k in ("departamento", "municipio", "complemento"))
    est.save()
    pos.cod_punto_venta_mh = "0000"
    pos.save()
    client = Client.objects.create(kind="contribuyente", id_type="36", id_number=receptor["nit"], nrc=receptor["nrc"],
                                   name=receptor["nombre"], activity_code=receptor["codActividad"],
                                   activity_description=receptor["descActividad"], phone=receptor["telefono"],
                                   email=receptor["correo"], departamento="06", municipio="14",
                                   address=receptor["direccion"]["complemento"])
    NumberCounter.objects.create(tipo_dte="03", establishment=est, point_of_sale=pos, year=2022, last=252)
    monkeypatch.setattr(numbering, "codigo_generacion", lambda: sample["identificacion"]["codigoGeneracion"])
    item = sample["cuerpoDocumento"][0]
    draft = draft_save(acting_user=issuer, data={
        "tipo_dte": "03", "establishment_id": est.pk, "point_of_sale_id": pos.pk, "client_id": client.pk,
        "issue_date": datetime.date(2022, 11, 28), "payments": [{"codigo": "01", "monto": "2260", "referencia": ""}],
    }, lines=[line(item["descripcion"], "1", "2000", item_type=1, unit=59)])
    for case in cases_refresh(document=draft, acting_user=issuer):
        case_confirm(case=case, acting_user=issuer)  # the example's date is not today
    now = datetime.datetime(2022, 11, 28, 10, 19, 44, tzinfo=ZoneInfo("America/El_Salvador"))
    body = _payload(document_issue(document=draft, acting_user=issuer, now=now))
    expected = json.loads(json.dumps(sample))
    expected["emisor"].update(codEstableMH="0000", codPuntoVentaMH="0000")
    expected["resumen"]["totalLetras"] = expected["resumen"]["totalLetras"].rstrip()
    assert body == expected
    assert list(body) == list(sample)  # the same sections in the same order


def test_dte_export_writes_one_signed_json_per_document(make_draft, issuer, tmp_path):
    from django.core.management import call_command

    docs = [document_issue(document=make_draft("01", [line("A", "1", str(n))]), acting_user=issuer) for n in (5, 7)]
    make_draft("01")  # a draft is not exported
    today = timezone.localdate().isoformat()
    call_command("dte_export", "--desde", today, "--hasta", today, "--carpeta", str(tmp_path))
    files = sorted(tmp_path.glob("*.json"))
    assert len(files) == 2
    by_code = {f.name.split("_")[-1][:-5]: jsonio.loads(f.read_text(encoding="utf-8")) for f in files}
    for doc in docs:
        exported = by_code[doc.codigo_generacion]
        assert exported["firmaElectronica"] == doc.jws and exported["selloRecibido"] is None
        assert {k: v for k, v in exported.items() if k not in ("firmaElectronica", "selloRecibido")} == _payload(doc)
    assert by_code[docs[1].codigo_generacion]["resumen"]["totalPagar"] == Decimal("7")


def test_issuing_reads_the_draft_with_its_grant_and_contingency_period_in_one_query(make_draft, issuer, parties):
    """Issue 15: the draft (locked), its company, location and client, the rep's grant on the
    point of sale, the covering contingency period and whether it names related documents come in
    one statement, the lines in a second; the rest are the writes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = make_draft("01", [line("Silla", "2", "113.00")], client=parties["consumer"])
    document_issue(document=first, acting_user=issuer)  # compiles and prepares the statements
    draft = make_draft("01", [line("Silla", "1", "113.00"), line("Mesa", "1", "50.00")], client=parties["consumer"])
    with CaptureQueriesContext(connection) as ctx:
        doc = document_issue(document=draft, acting_user=issuer)
    reads = [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    assert len(reads) == 2, reads
    assert "FOR UPDATE" in reads[0] and "guardian_userobjectpermission" in reads[0] and "contingency_period" in reads[0]
    assert doc.numero_control == "DTE-01-M001P001-000000000000002"
    assert [x["descripcion"] for x in _payload(doc)["cuerpoDocumento"]] == ["Silla", "Mesa"]


def test_a_rep_whose_point_of_sale_was_taken_away_cannot_issue_his_draft(make_draft, issuer, establishments, users):
    from django.core.exceptions import PermissionDenied

    from accounts.services import user_assign_locations

    draft = make_draft("01")
    document_issue(document=make_draft("01"), acting_user=issuer)  # the prepared statement exists already
    user_assign_locations(user=issuer, establishments=[establishments["main"]], points_of_sale=[],
                          acting_user=users["Administrador"])
    with pytest.raises(PermissionDenied):
        document_issue(document=draft, acting_user=issuer)
    assert Document.objects.get(pk=draft.pk).status == GovStatus.DRAFT
    # A company-wide role issues it without any grant on the point of sale.
    doc = document_issue(document=draft, acting_user=users["Administrador"])
    assert doc.numero_control == "DTE-01-M001P001-000000000000002"
