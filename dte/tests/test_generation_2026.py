"""The 2026 generation (Normativa v2.0) beside 2023: every type the product issues, in the shape
of MH's v2 schemas (the autouse fixture also validates each against MH's official 2026 file), with
its arithmetic computed here by hand; the generation as data (a switch at a time of day, per
type), refused clearly when unknown, and followed by what comes after a document (its note,
its invalidation)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dte import jsonio
from dte.models import Document, GovStatus, SchemaGeneration
from dte.services.issuing import IssueError, document_issue
from dte.tests.conftest import line

pytestmark = pytest.mark.django_db


def _payload(doc):
    return jsonio.loads(doc.payload)


@pytest.fixture
def in_2026(db):
    """Every type and event in the 2026 generation since an hour ago."""
    return SchemaGeneration.objects.create(kind="*", generation="2026",
                                           effective_from=timezone.now() - datetime.timedelta(hours=1))


def _confirmed(draft, user):
    """The special cases confirmed, as the rep does before issuing (e.g. a 1 % retention)."""
    from dte.services.cases import case_confirm, cases_refresh

    for case in cases_refresh(document=draft, acting_user=user):
        case_confirm(case=case, acting_user=user)
    return draft


def _sealed(doc):
    Document.objects.filter(pk=doc.pk).update(status=GovStatus.SEALED, sello_recibido="A" * 40,
                                              processed_at=timezone.now())
    return Document.objects.get(pk=doc.pk)


def _note(make_draft, parties, tipo, target, description="Devolución", quantity="1", price="100.00", client="taxpayer"):
    related = [{"tipo_documento": target.tipo_dte, "tipo_generacion": 2, "numero_documento": target.codigo_generacion,
                "fecha_emision": target.issue_date, "target_id": target.pk}]
    return make_draft(tipo, [line(description, quantity, price, related_code=target.codigo_generacion)],
                      client=parties[client], related=related)


def test_a_factura_v2(in_2026, make_draft, issuer, parties):
    doc = document_issue(document=make_draft("01", [line("Silla", "2", "113.00")], client=parties["consumer"]),
                         acting_user=issuer)
    body = _payload(doc)
    assert (doc.generation, doc.version) == ("2026", 2)
    ident = body["identificacion"]
    assert ident["version"] == 2 and ident["numeroControl"] == "DTE-01-M001P001-000000000000001"
    assert "extension" not in body and "tipoEstablecimiento" not in body["emisor"]
    assert "codEstableMH" not in body["emisor"] and "codPuntoVentaMH" not in body["emisor"]
    # San Salvador (06-14 before the reform) is the distrito 14 of the municipio San Salvador Centro (23).
    assert body["emisor"]["direccion"] == {"departamento": "06", "municipio": "23", "distrito": "14",
                                           "complemento": "Calle 1"}
    assert body["receptor"]["direccion"]["distrito"] == "14"
    resumen = body["resumen"]
    assert "ivaRete1" not in resumen and "reteRenta" not in resumen and resumen["ivaRete"] == 0
    assert "observaciones" in resumen
    # 2 × 113.00 = 226.00, IVA inside: 226 × 13/113 = 26.00
    assert (resumen["totalGravada"], resumen["totalIva"], resumen["totalPagar"]) == (
        Decimal("226"), Decimal("26"), Decimal("226"))


def test_a_ccf_v4_with_retention_and_observations(in_2026, make_draft, issuer, parties):
    draft = make_draft("03", [line("Consultoría", "1", "2000.00", item_type=2, unit=99)], client=parties["large"],
                       observations="Orden de compra 77")
    body = _payload(document_issue(document=_confirmed(draft, issuer), acting_user=issuer))
    resumen = body["resumen"]
    # 2000 × 13 % = 260.00; the large buyer withholds 1 % of 2000 = 20.00; 2260 − 20 = 2240.00
    assert resumen["tributos"] == [{"codigo": "20", "descripcion": "Impuesto al Valor Agregado 13%",
                                    "valor": Decimal("260")}]
    assert (resumen["ivaRete"], resumen["ivaPerci"], resumen["montoTotalOperacion"], resumen["totalPagar"]) == (
        Decimal("20"), Decimal("0"), Decimal("2260"), Decimal("2240"))
    assert resumen["observaciones"] == "Orden de compra 77" and "extension" not in body
    # Santa Tecla's receptor? No: the large client is in San Salvador too.
    assert body["receptor"]["direccion"]["municipio"] == "23"


def test_a_nota_de_remision_v4(in_2026, make_draft, issuer, parties):
    draft = make_draft("04", [line("Silla", "3", "100.00")], client=parties["taxpayer"], extra={"bienTitulo": "04"})
    body = _payload(document_issue(document=draft, acting_user=issuer))
    assert body["identificacion"]["version"] == 4 and body["receptor"]["bienTitulo"] == "04"
    # 3 × 100 = 300 + 13 % = 339.00
    assert body["resumen"]["montoTotalOperacion"] == Decimal("339") and body["resumen"]["observaciones"] is None


@pytest.mark.parametrize("tipo", ["05", "06"])
def test_credit_and_debit_notes_v4(tipo, in_2026, make_draft, issuer, parties):
    ccf = _sealed(document_issue(document=_confirmed(make_draft("03", [line("Silla", "4", "100.00")],
                                                                client=parties["large"]), issuer), acting_user=issuer))
    assert ccf.generation == "2026"
    note = _note(make_draft, parties, tipo, ccf, price="150.00", client="large")
    note = document_issue(document=_confirmed(note, issuer), acting_user=issuer)
    body = _payload(note)
    assert (note.generation, note.version, body["identificacion"]["fusion"]) == ("2026", 4, None)
    receptor = body["receptor"]
    assert "nit" not in receptor and (receptor["tipoDocumento"], receptor["numDocumento"]) == ("36", "06140101001012")
    item = body["cuerpoDocumento"][0]
    # 1 × 150 = 150.00; its IVA 150 × 13 % = 19.50; the large buyer withholds 1 %: 1.50
    assert (item["ventaGravada"], item["totalIva"], item["ivaRete"], item["ivaPerci"]) == (
        Decimal("150"), Decimal("19.5"), Decimal("1.5"), Decimal("0"))
    assert item["tributos"] == ["20"]  # "tributos", not MH's empty ND v4 key (dte.schemas.validation)
    resumen = body["resumen"]
    assert not {"descuNoSuj", "descuExenta", "descuGravada", "subTotal", "ivaRete1", "reteRenta"} & set(resumen)
    # 150 + 19.50 = 169.50; to pay 169.50 − 1.50 = 168.00; the retention is CAT-006 code 22
    assert (resumen["totalIva"], resumen["montoTotalOperacion"], resumen["ivaRete"], resumen["totalPagar"],
            resumen["codigoRetencionMH"]) == (Decimal("19.5"), Decimal("169.5"), Decimal("1.5"), Decimal("168"), "22")
    assert ("numPagoElectronico" in resumen) == (tipo == "06")


def test_a_note_v4_refuses_global_discounts(in_2026, make_draft, issuer, parties):
    ccf = _sealed(document_issue(document=make_draft("03", [line("Silla", "4", "100.00")], client=parties["taxpayer"]),
                                 acting_user=issuer))
    note = _note(make_draft, parties, "05", ccf)
    Document.objects.filter(pk=note.pk).update(discount_gravada=Decimal("10"))
    with pytest.raises(IssueError, match="no lleva descuentos globales"):
        document_issue(document=note, acting_user=issuer)


def test_a_comprobante_de_retencion_v2(in_2026, make_draft, issuer, parties):
    lines = [line("Retención 1 % CCF 123", "1", "0", extra={"tipoDte": "03", "tipoDoc": 1, "numDocumento": "23CC000451",
                                                          "fechaEmision": "2026-11-03", "montoSujetoGrav": "1500.00",
                                                          "codigoRetencionMH": "22"})]
    body = _payload(document_issue(document=make_draft("07", lines, provider=parties["provider"]), acting_user=issuer))
    assert body["identificacion"]["version"] == 2
    assert body["emisor"]["codEstable"] is None and "codigoMH" not in body["emisor"]
    assert body["cuerpoDocumento"][0]["tipoGeneracion"] == 1 and "tipoDoc" not in body["cuerpoDocumento"][0]
    # 1500.00 × 1 % = 15.00 withheld; informative IVA 1500 × 13 % = 195.00
    assert body["resumen"] == {"totalSujetoRetencion": Decimal("1500"), "totalIva": Decimal("195"),
                               "totalIvaRetenido": Decimal("15"), "totalLetras": "QUINCE DÓLARES",
                               "observaciones": None}


def test_a_factura_de_exportacion_v3(in_2026, make_draft, issuer, parties):
    draft = make_draft("11", [line("Café oro, saco 69 kg", "10", "245.00")], client=parties["foreign"], extra={
        "seguro": "25", "flete": "90", "descuento": "50", "codIncoterms": "05", "descIncoterms": "DAP",
        "tipoItemExpor": "1", "recintoFiscal": "02", "regimen": "EX-1.1000.000"})
    body = _payload(document_issue(document=draft, acting_user=issuer))
    emisor, resumen = body["emisor"], body["resumen"]
    assert (emisor["tipoRegimen"], emisor["regimen"]) == ("EX-1", "1000.000")  # CAT-033 + CAT-028, 2026 format
    assert body["receptor"]["codPais"] == "GT"  # 9483 in the 2023 catalog
    assert body["identificacion"]["motivoContin"] is None and "motivoContigencia" not in body["identificacion"]
    assert body["compraTercero"] is None and body["documentoRelacionado"] is None
    # 10 × 245 = 2450 − 50 + 25 + 90 = 2515.00
    assert (resumen["descuGravada"], resumen["montoTotalOperacion"], resumen["totalPagar"]) == (
        Decimal("50"), Decimal("2515"), Decimal("2515"))


def test_a_factura_de_sujeto_excluido_v2(in_2026, make_draft, issuer):
    seller = {"id_type": "13", "id_number": "04567891-2", "name": "Juan Pérez", "departamento": "05",
              "municipio": "11", "address": "Cantón El Progreso", "phone": "77778888"}
    lines = [line("Maíz blanco, quintal", "10", "30.00", unit=32),
             line("Flete", "1", "50.00", item_type=2, unit=99, withhold_income=True)]
    body = _payload(document_issue(document=make_draft("14", lines, counterparty=seller), acting_user=issuer))
    assert "sujetoExcluido" not in body and body["receptor"]["numDocumento"] == "045678912"
    # Santa Tecla (05-11) is in La Libertad Sur (28)
    assert body["receptor"]["direccion"]["municipio"] == "28" and body["receptor"]["direccion"]["distrito"] == "11"
    # 300 + 50 = 350; renta 10 % of 50 = 5.00; to pay 345.00
    assert "ivaRete1" not in body["resumen"]
    assert (body["resumen"]["totalCompra"], body["resumen"]["reteRenta"], body["resumen"]["totalPagar"]) == (
        Decimal("350"), Decimal("5"), Decimal("345"))


# ------------------------------------------------------------------- the generation as data


def test_a_switch_mid_day_applies_from_its_time(make_draft, issuer, parties):
    switch = timezone.now().replace(microsecond=0)
    SchemaGeneration.objects.create(kind="*", generation="2026", effective_from=switch)
    before = document_issue(document=make_draft("03", [line("Silla", "4", "100.00")], client=parties["taxpayer"]),
                            acting_user=issuer, now=switch - datetime.timedelta(seconds=1))
    after = document_issue(document=make_draft("03", [line("Silla", "4", "100.00")], client=parties["taxpayer"]),
                           acting_user=issuer, now=switch)
    assert (before.generation, before.version, _payload(before)["identificacion"]["version"]) == ("2023", 3, 3)
    assert (after.generation, after.version, _payload(after)["identificacion"]["version"]) == ("2026", 4, 4)
    # The older CCF is still corrected in its own generation after the switch, the newer in its own.
    for target, generation, version in ((before, "2023", 3), (after, "2026", 4)):
        for tipo in ("05", "06"):
            note = document_issue(document=_note(make_draft, parties, tipo, _sealed(target)), acting_user=issuer)
            assert (note.generation, note.version, _payload(note)["identificacion"]["version"]) == (
                generation, version, version)
            assert ("ivaRete1" in _payload(note)["resumen"]) == (generation == "2023")


def test_older_documents_are_invalidated_in_their_generation(make_draft, issuer, parties, users):
    from dte.invalidation import invalidation_request

    switch = timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=5)
    SchemaGeneration.objects.create(kind="*", generation="2026", effective_from=switch)
    person = {"name": "María Elena Rivas", "id_type": "13", "id_number": "00016297-5"}
    for at, version, date_key in ((switch - datetime.timedelta(minutes=1), 2, "fecAnula"), (switch, 3, "fecEmi")):
        doc = _sealed(document_issue(document=make_draft("01", [line("Silla", "1", "113.00")],
                                                         client=parties["consumer"]), acting_user=issuer, now=at))
        record = invalidation_request(document=doc, acting_user=users["Administrador"], tipo=2, reason="Venta anulada",
                                      responsible=person, requester=person)
        event = jsonio.loads(record.payload)
        assert event["identificacion"]["version"] == version and date_key in event["identificacion"]
        assert ("montoIva" in event["documento"]) == (version == 2)


def test_a_type_can_switch_alone(make_draft, issuer, parties):
    SchemaGeneration.objects.create(kind="01", generation="2026",
                                    effective_from=timezone.now() - datetime.timedelta(minutes=1))
    factura = document_issue(document=make_draft("01"), acting_user=issuer)
    ccf = document_issue(document=make_draft("03", client=parties["taxpayer"]), acting_user=issuer)
    assert (factura.generation, ccf.generation) == ("2026", "2023")


def test_an_unknown_generation_is_refused_with_a_clear_message(make_draft, issuer, settings):
    SchemaGeneration.objects.create(kind="*", generation="2031", effective_from=timezone.now() - datetime.timedelta(hours=1))
    draft = make_draft("01")
    with pytest.raises(IssueError, match="La generación de esquemas «2031» no existe"):
        document_issue(document=draft, acting_user=issuer)
    assert Document.objects.get(pk=draft.pk).status == GovStatus.DRAFT  # nothing kept, no number used


def test_the_default_generation_is_checked_at_start_up(settings, db):
    from dte.checks import schema_generations

    assert [e.id for e in schema_generations()] == []
    settings.DTE_SCHEMA_GENERATION = "2030"
    SchemaGeneration.objects.create(kind="07", generation="1999", effective_from=timezone.now())
    errors = schema_generations()
    assert [e.id for e in errors] == ["dte.E001", "dte.E003"]
    assert "DTE_SCHEMA_GENERATION='2030': esa generación de esquemas de MH no existe" in errors[0].msg
    assert "La generación de esquemas «1999» no existe" in errors[1].msg


def test_a_row_for_an_unknown_generation_cannot_be_saved_from_the_admin(db):
    row = SchemaGeneration(kind="01", generation="2031", effective_from=timezone.now())
    with pytest.raises(ValidationError, match="no existe"):
        row.full_clean()


# ------------------------------------------------------------ what follows a document, per generation


def test_a_2026_document_prints_and_sums_from_its_own_json(in_2026, make_draft, issuer, parties):
    from dte import printing, summary

    ccf = _sealed(document_issue(document=_confirmed(make_draft("03", [line("Silla", "4", "100.00")],
                                                                client=parties["large"]), issuer), acting_user=issuer))
    note = document_issue(document=_confirmed(_note(make_draft, parties, "05", ccf, price="150.00", client="large"),
                                              issuer), acting_user=issuer)
    seller = {"id_type": "13", "id_number": "04567891-2", "name": "Juan Pérez", "departamento": "05",
              "municipio": "11", "address": "Cantón El Progreso", "phone": "77778888"}
    fse = document_issue(document=make_draft("14", [line("Maíz", "10", "30.00", unit=32)], counterparty=seller,
                                             observations="Compra en finca"), acting_user=issuer)
    context = printing.context(fse)
    assert context["is_fse"] and context["receptor"]["nombre"] == "Juan Pérez"
    assert (context["est_code"], context["pos_code"], context["observations"]) == ("M001", "P001", "Compra en finca")
    rows = summary.rows(_payload(note)["resumen"], "05")
    # 150.00 + IVA 19.50 = 169.50 (the operation, the note's total); 1.50 withheld shown under it
    assert [(r.key, r.amount) for r in rows if r.kind != "note"] == [
        ("totalGravada", Decimal("150")), ("iva", Decimal("19.5")), ("montoTotalOperacion", Decimal("169.5"))]
    assert ("ivaRete1", Decimal("1.5")) in [(r.key, r.amount) for r in rows] and summary.check(rows) == []


def test_a_comprobante_de_retencion_is_issued_in_contingency_only_in_2026(make_draft, issuer, parties, users,
                                                                         establishments):
    from accounts.models import Company
    from contingency.services import period_open

    supervisor = users["Supervisor"]
    period_open(company=Company.objects.get(), tipo=2, point_of_sale=establishments["pos"]["M001P002"],
                acting_user=supervisor)
    lines = [line("Retención", "1", "0", extra={"tipoDte": "03", "tipoDoc": 1, "numDocumento": "23CC000451",
                                                "fechaEmision": "2026-11-03", "montoSujetoGrav": "100.00",
                                                "codigoRetencionMH": "22"})]
    with pytest.raises(IssueError, match="no puede emitirse en contingencia"):
        document_issue(document=make_draft("07", lines, provider=parties["provider"], pos="M001P002", user=supervisor),
                       acting_user=supervisor)
    SchemaGeneration.objects.create(kind="07", generation="2026", effective_from=timezone.now() - datetime.timedelta(hours=1))
    cr = document_issue(document=make_draft("07", lines, provider=parties["provider"], pos="M001P002", user=supervisor),
                        acting_user=supervisor)
    ident = _payload(cr)["identificacion"]
    assert cr.status == GovStatus.CONTINGENCY and (ident["version"], ident["tipoModelo"], ident["tipoOperacion"]) == (2, 2, 2)


def test_a_period_across_the_switch_declares_each_document_in_its_generation(make_draft, users):
    from accounts.models import Company
    from contingency import recovery
    from contingency.models import Event
    from contingency.services import period_end, period_open
    from dte.models import OfflineScope

    supervisor = users["Supervisor"]
    period = period_open(company=Company.objects.get(), tipo=1, acting_user=supervisor)
    before = document_issue(document=make_draft("01", [line()], user=supervisor), acting_user=supervisor)
    SchemaGeneration.objects.create(kind="*", generation="2026", effective_from=timezone.now())
    after = document_issue(document=make_draft("01", [line()], user=supervisor), acting_user=supervisor)
    period_end(period=period, acting_user=supervisor)
    assert recovery.build_events(OfflineScope.objects.select_related("company").get(pk=period.pk))
    events = {jsonio.loads(e.payload)["identificacion"]["version"]: jsonio.loads(e.payload)
              for e in Event.objects.filter(period=period)}
    assert sorted(events) == [3, 4]  # contingencia v3 for the 2023 Factura, v4 for the 2026 one
    assert [i["codigoGeneracion"] for i in events[3]["detalleDTE"]] == [before.codigo_generacion]
    assert [i["codigoGeneracion"] for i in events[4]["detalleDTE"]] == [after.codigo_generacion]
    assert "codPuntoVenta" in events[3]["emisor"] and "codPuntoVentaMH" in events[4]["emisor"]


def test_a_rejected_document_is_corrected_in_the_generation_it_was_issued_in(make_draft, issuer):
    from dte.services.corrections import document_correct

    doc = document_issue(document=make_draft("01", [line("Silla", "1", "113.00")]), acting_user=issuer)
    SchemaGeneration.objects.create(kind="*", generation="2026", effective_from=timezone.now())
    Document.objects.filter(pk=doc.pk).update(status=GovStatus.REJECTED, rejected_at=timezone.now())
    document_correct(document=Document.objects.get(pk=doc.pk), acting_user=issuer)
    again = document_issue(document=Document.objects.get(pk=doc.pk), acting_user=issuer)
    assert (again.generation, again.version, _payload(again)["identificacion"]["version"]) == ("2023", 1, 1)
    assert again.numero_control == doc.numero_control
    fresh = document_issue(document=make_draft("01", [line("Silla", "1", "113.00")]), acting_user=issuer)
    assert fresh.generation == "2026"


def test_the_admin_sets_a_switch_and_the_audit_trail_says_who(users, client_as):
    from core.models import AuditEntry

    admin = client_as(users["Administrador"])
    form = {"kind": "03", "generation": "2026", "effective_from_0": "2026-12-01", "effective_from_1": "14:00:00",
            "note": "Aviso de MH"}
    response = admin.post("/admin/dte/schemageneration/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    row = SchemaGeneration.objects.get()
    assert (row.kind, row.generation, timezone.localtime(row.effective_from).strftime("%Y-%m-%d %H:%M")) == (
        "03", "2026", "2026-12-01 14:00")
    entry = AuditEntry.objects.get(object_id=str(row.pk), action="create")
    assert entry.actor == users["Administrador"] and entry.after["generation"] == "2026"
    refused = admin.post("/admin/dte/schemageneration/add/", {**form, "generation": "2031"})
    assert refused.status_code == 200 and SchemaGeneration.objects.count() == 1


def test_a_fex_v3_to_a_country_outside_the_old_short_list(in_2026, make_draft, issuer, parties):
    # 9330 ARGENTINA (CAT-020, 2023) had no ISO pair before catalogs.countries was completed. The
    # company loaded MH's catalogs (both editions name it); the 2026 document names it as 2026's does.
    from catalogs.models import CatalogEntry

    CatalogEntry.objects.create(catalog="CAT-020", edition="2023", code="9330", name="ARGENTINA")
    CatalogEntry.objects.create(catalog="CAT-020", edition="2026", code="AR", name="Argentina")
    parties["foreign"].country_code = "9330"
    parties["foreign"].save()
    draft = make_draft("11", [line("Café oro, saco 69 kg", "1", "245.00")], client=parties["foreign"], extra={
        "codIncoterms": "05", "descIncoterms": "DAP", "tipoItemExpor": "1", "recintoFiscal": "02",
        "regimen": "EX-1.1000.000"})
    body = _payload(document_issue(document=draft, acting_user=issuer))
    assert (body["receptor"]["codPais"], body["receptor"]["nombrePais"]) == ("AR", "Argentina")


def test_a_fex_to_a_country_the_loaded_catalog_does_not_name_is_refused_clearly(in_2026, make_draft, issuer, parties):
    parties["foreign"].country_code = "9330"  # mapped (AR) but this database's CAT-020 is the small seed
    parties["foreign"].save()
    draft = make_draft("11", [line("Café oro, saco 69 kg", "1", "245.00")], client=parties["foreign"], extra={
        "tipoItemExpor": "2"})
    with pytest.raises(IssueError) as exc:
        document_issue(document=draft, acting_user=issuer)
    assert "El país del cliente (9330) no está en el catálogo CAT-020 cargado" in str(exc.value)
