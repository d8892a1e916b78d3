"""The editor over HTTP: autosave with live totals, bad input named by line and field, structural
actions, who may open which draft, and the issue button's errors."""

from decimal import Decimal

import pytest

from dte.models import Document, DocumentLine, GovStatus

pytestmark = pytest.mark.django_db


def _new(c, tipo, establishments):
    response = c.post("/documentos/nuevo/", {"tipo_dte": tipo, "point_of_sale": establishments["pos"]["M001P001"].pk})
    assert response.status_code == 302
    return Document.objects.get(pk=int(response["Location"].split("/")[2]))


def _form(doc, **extra):
    data = {"issue_date": doc.issue_date.isoformat(), "condition": "1", "payment_term_days": "0",
            "discount_gravada": "0", "observations": "", "pay-a-codigo": "01"}
    data.update(extra)
    return data


def test_autosave_returns_live_totals_and_keeps_the_draft(issuer, client_as, establishments, signing_company):
    c = client_as(issuer)
    doc = _new(c, "03", establishments)
    form = _form(doc, **{"line-x1-description": "Servicio", "line-x1-quantity": "2", "line-x1-unit_price": "12.50",
                         "line-x1-discount": "0", "line-x1-treatment": "gravado",
                         "line-x2-description": "Exento", "line-x2-quantity": "1", "line-x2-unit_price": "10",
                         "line-x2-treatment": "exento"})
    response = c.post(f"/documentos/{doc.pk}/guardar/", form, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    # 2 × 12.50 = 25.00 gravado; IVA 3.25; exento 10.00; total 38.25
    assert response.status_code == 200 and "$ 38.25" in body and "$ 3.25" in body
    assert "TREINTA Y OCHO DÓLARES CON 25/100" in body
    lines = list(DocumentLine.objects.filter(document=doc).order_by("position"))
    assert [(x.description, x.quantity, x.treatment) for x in lines] == [
        ("Servicio", Decimal("2"), "gravado"), ("Exento", Decimal("1"), "exento")]
    assert 'id="amount-1" hx-swap-oob="true">$ 25.00' in body  # the line's amount, updated in place


def test_bad_numbers_are_named_and_the_saved_lines_are_kept(issuer, client_as, establishments, signing_company):
    c = client_as(issuer)
    doc = _new(c, "01", establishments)
    good = _form(doc, **{"line-a-description": "Caja", "line-a-quantity": "3", "line-a-unit_price": "1.13"})
    c.post(f"/documentos/{doc.pk}/guardar/", good, HTTP_HX_REQUEST="true")
    bad = _form(doc, **{"line-a-description": "Caja", "line-a-quantity": "tres", "line-a-unit_price": "1.13",
                        "line-b-description": "Otra", "line-b-quantity": "1", "line-b-unit_price": "1e400"})
    body = c.post(f"/documentos/{doc.pk}/guardar/", bad, HTTP_HX_REQUEST="true").content.decode()
    assert "Línea 1, cantidad: «tres» no es un número." in body
    assert "Línea 2, precio" in body
    assert DocumentLine.objects.get(document=doc).quantity == Decimal("3")  # nothing lost


def test_structural_actions_choose_client_add_product_and_refuse_the_wrong_client(
        issuer, client_as, establishments, parties, products, signing_company):
    c = client_as(issuer)
    doc = _new(c, "03", establishments)
    body = c.post(f"/documentos/{doc.pk}/guardar/", _form(doc, action="set_client", client_id=parties["consumer"].pk),
                  HTTP_HX_REQUEST="true").content.decode()
    assert "no puede recibir un Comprobante de Crédito Fiscal" in body
    c.post(f"/documentos/{doc.pk}/guardar/", _form(doc, action="set_client", client_id=parties["taxpayer"].pk),
           HTTP_HX_REQUEST="true")
    doc.refresh_from_db()
    assert doc.payment_term_days == 30  # the client's term comes with it
    c.post(f"/documentos/{doc.pk}/guardar/", _form(doc, action="add_product", product_id=products["chair"].pk,
                                                   payment_term_days="30"), HTTP_HX_REQUEST="true")
    doc.refresh_from_db()
    line = doc.lines.get()
    # The chair costs 113.00 with IVA; a CCF shows it net: 113 / 1.13 = 100.00
    assert doc.client == parties["taxpayer"] and line.unit_price == Decimal("100") and line.code == "SILLA-01"


def test_search_offers_only_clients_that_may_receive_the_type(issuer, client_as, establishments, parties):
    c = client_as(issuer)
    doc = _new(c, "03", establishments)
    body = c.get(f"/documentos/{doc.pk}/contraparte/", {"q": "a"}).content.decode()
    assert "Distribuidora Central" in body and "Ana López" not in body and "Importadora Maya" not in body


def test_a_rep_cannot_open_another_reps_draft(issuer, client_as, establishments, make_user, users):
    from accounts.services import user_assign_locations

    doc = _new(client_as(issuer), "01", establishments)
    other = make_user("otro-vendedor", "Vendedor")
    user_assign_locations(user=other, establishments=[establishments["main"]],
                          points_of_sale=[establishments["pos"]["M001P001"]], acting_user=users["Administrador"])
    c = client_as(other)
    assert c.get(f"/documentos/{doc.pk}/editar/").status_code == 403
    assert c.post(f"/documentos/{doc.pk}/guardar/", _form(doc)).status_code == 403
    assert c.post(f"/documentos/{doc.pk}/emitir/").status_code == 403
    assert client_as(users["outsider"]).get(f"/documentos/{doc.pk}/editar/").status_code == 403
    # company-wide and issues notes, but not Facturas: not his to finish
    assert client_as(users["Contador"]).get(f"/documentos/{doc.pk}/editar/").status_code == 403


def test_issue_button_shows_what_is_missing(issuer, client_as, establishments, signing_company):
    c = client_as(issuer)
    doc = _new(c, "03", establishments)
    response = c.post(f"/documentos/{doc.pk}/emitir/", follow=True)
    text = response.content.decode()
    assert "necesita un cliente contribuyente con NIT y NRC" in text and "Agregue al menos una línea" in text
    doc.refresh_from_db()
    assert doc.status == GovStatus.DRAFT


def test_comprobante_de_retencion_through_the_editor(users, client_as, establishments, parties, signing_company):
    c = client_as(users["Supervisor"])  # the company buying: not a sales rep's document (default roles)
    doc = _new(c, "07", establishments)
    c.post(f"/documentos/{doc.pk}/guardar/", _form(doc, action="set_provider", provider_id=parties["provider"].pk),
           HTTP_HX_REQUEST="true")
    form = _form(doc, **{"line-r-tipoDte": "03", "line-r-tipoDoc": "1", "line-r-numDocumento": "23CC000451",
                         "line-r-fechaEmision": "2026-11-03", "line-r-montoSujetoGrav": "1500",
                         "line-r-codigoRetencionMH": "22"})
    body = c.post(f"/documentos/{doc.pk}/guardar/", form, HTTP_HX_REQUEST="true").content.decode()
    assert "$ 15.00" in body  # 1 % of 1,500.00
    response = c.post(f"/documentos/{doc.pk}/emitir/", follow=True)
    assert response.redirect_chain[-1][0] == f"/documentos/{doc.pk}/", [str(m) for m in response.context["messages"]]
    doc.refresh_from_db()
    assert doc.numero_control == "DTE-07-M001P001-000000000000001" and doc.total_to_pay == Decimal("15.00")


def test_sujeto_excluido_through_the_editor(users, client_as, establishments, signing_company):
    c = client_as(users["Supervisor"])  # the company buying: not a sales rep's document (default roles)
    doc = _new(c, "14", establishments)
    form = _form(doc, **{"party-id_type": "13", "party-id_number": "04567891-2", "party-name": "Juan Pérez",
                         "party-departamento": "05", "party-municipio": "11", "party-address": "Cantón El Progreso",
                         "line-m-description": "Maíz, quintal", "line-m-quantity": "10", "line-m-unit_price": "30",
                         "line-f-description": "Flete", "line-f-quantity": "1", "line-f-unit_price": "50",
                         "line-f-withhold_income": "on"})
    body = c.post(f"/documentos/{doc.pk}/guardar/", form, HTTP_HX_REQUEST="true").content.decode()
    # 300 + 50 = 350; renta 10 % of 50 = 5.00; 345.00 to pay
    assert "$ 345.00" in body and "$ 5.00" in body
    assert c.post(f"/documentos/{doc.pk}/emitir/").status_code == 302
    doc.refresh_from_db()
    assert doc.status == GovStatus.PENDING and doc.counterparty["name"] == "Juan Pérez"


def test_downloads_give_the_signed_json_and_the_jws(issuer, client_as, make_draft, users):
    from dte import jsonio
    from dte.services.issuing import document_issue

    doc = document_issue(document=make_draft("01"), acting_user=issuer)
    response = client_as(users["Auditor"]).get(f"/documentos/{doc.pk}/documento.json")
    body = jsonio.loads(response.content.decode())
    assert body["firmaElectronica"] == doc.jws and body["identificacion"]["numeroControl"] == doc.numero_control
    assert response["Content-Disposition"].endswith(f'{doc.codigo_generacion}.json"')
    assert client_as(issuer).get(f"/documentos/{doc.pk}/documento.jws").content.decode() == doc.jws
    assert client_as(users["outsider"]).get(f"/documentos/{doc.pk}/documento.json").status_code == 403


def test_export_editor_asks_for_recinto_and_regimen_and_issues_them(issuer, client_as, establishments, parties,
                                                                    signing_company):
    from dte import jsonio

    c = client_as(issuer)
    doc = _new(c, "11", establishments)
    page = c.get(f"/documentos/{doc.pk}/editar/").content.decode()
    # the seeded CAT-027 and CAT-028 (2023 edition) are offered
    assert 'name="recintoFiscal"' in page and '<option value="02"' in page and "Marítima de Acajutla" in page
    assert 'name="regimen"' in page and '<option value="EX-1.1000.000"' in page
    c.post(f"/documentos/{doc.pk}/guardar/", _form(doc, action="set_client", client_id=parties["foreign"].pk),
           HTTP_HX_REQUEST="true")
    lines = {"line-k-description": "Café oro, saco 69 kg", "line-k-quantity": "10", "line-k-unit_price": "245.00",
             "tipoItemExpor": "1", "seguro": "0", "flete": "0"}
    bad = c.post(f"/documentos/{doc.pk}/guardar/", _form(doc, **lines, recintoFiscal="98", regimen="EX-9"),
                 HTTP_HX_REQUEST="true").content.decode()
    assert "Recinto fiscal: «98» no está en el catálogo CAT-027." in bad
    assert "Régimen: «EX-9» no está en el catálogo CAT-028." in bad
    missing = c.post(f"/documentos/{doc.pk}/emitir/", follow=True).content.decode()
    assert "Una exportación de bienes necesita el recinto fiscal (CAT-027) y el régimen (CAT-028)." in missing
    c.post(f"/documentos/{doc.pk}/guardar/", _form(doc, **lines, recintoFiscal="02", regimen="EX-1.1000.000"),
           HTTP_HX_REQUEST="true")
    doc.refresh_from_db()
    assert (doc.extra["recintoFiscal"], doc.extra["regimen"]) == ("02", "EX-1.1000.000")  # stored on the draft
    assert c.post(f"/documentos/{doc.pk}/emitir/").status_code == 302
    doc.refresh_from_db()
    emisor = jsonio.loads(doc.payload)["emisor"]
    assert (emisor["tipoItemExpor"], emisor["recintoFiscal"], emisor["regimen"]) == (1, "02", "EX-1.1000.000")


def test_the_editor_stores_text_without_invisible_control_characters(users, client_as, establishments, signing_company):
    c = client_as(users["Supervisor"])  # the company buying: not a sales rep's document (default roles)
    doc = _new(c, "14", establishments)
    form = _form(doc, **{"observations": "Entrega\u202e en\u200b bodega", "party-id_type": "13",
                         "party-id_number": "04567891-2", "party-name": "\u2067Juan\u2069 P\u00e9rez\ufeff",
                         "party-departamento": "05", "party-municipio": "11", "party-address": "Cant\u00f3n\u200f El Progreso",
                         "line-m-description": "Ma\u00edz\u202d, quintal", "line-m-quantity": "10", "line-m-unit_price": "30"})
    c.post(f"/documentos/{doc.pk}/guardar/", form, HTTP_HX_REQUEST="true")
    doc.refresh_from_db()
    assert doc.observations == "Entrega en bodega"
    assert (doc.counterparty["name"], doc.counterparty["address"]) == ("Juan Pérez", "Cantón El Progreso")
    assert DocumentLine.objects.get(document=doc).description == "Maíz, quintal"
