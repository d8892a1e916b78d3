"""A Factura's occasional buyer typed into the editor (no client created), the identification
threshold (DTE_FACTURA_ID_THRESHOLD on montoTotalOperacion, facts §2.2), and the confirmation page
whose problems, special cases and issue button agree."""

import re

import pytest
from django.test import override_settings

from dte import jsonio
from dte.models import Document, GovStatus

pytestmark = pytest.mark.django_db


def _new(c, tipo, establishments):
    response = c.post("/documentos/nuevo/", {"tipo_dte": tipo, "point_of_sale": establishments["pos"]["M001P001"].pk})
    assert response.status_code == 302
    return Document.objects.get(pk=int(response["Location"].split("/")[2]))


def _form(doc, price, **extra):
    data = {"issue_date": doc.issue_date.isoformat(), "condition": "1", "payment_term_days": "0",
            "discount_gravada": "0", "observations": "", "pay-a-codigo": "01",
            "line-a-description": "Refrigeradora", "line-a-quantity": "1", "line-a-unit_price": price,
            "line-a-treatment": "gravado"}
    data.update(extra)
    return data


BUYER = {"party-id_type": "13", "party-id_number": "04567891-2", "party-name": "Juan Pérez"}
NO_BUYER = {"party-id_type": "", "party-id_number": "", "party-name": ""}


def _issue_button(html):
    return re.search(r'<button[^>]*id="issue"[^>]*>', html).group(0)


@override_settings(DTE_FACTURA_ID_THRESHOLD="1095.00")
def test_factura_at_the_threshold_without_buyer_cannot_look_ready(issuer, client_as, establishments, signing_company):
    c = client_as(issuer)
    doc = _new(c, "01", establishments)
    # 1,095.00 with IVA included: montoTotalOperacion is exactly the threshold ("at or above").
    summary = c.post(f"/documentos/{doc.pk}/guardar/", _form(doc, "1095.00", **NO_BUYER),
                     HTTP_HX_REQUEST="true").content.decode()
    assert 'id="needs-buyer"' in summary  # the editor says it while the rep types
    page = c.get(f"/documentos/{doc.pk}/confirmar/").content.decode()
    assert "Corrija antes de emitir" in page
    assert "exige tipo y número de documento y nombre del comprador" in page
    assert "el documento puede emitirse" not in page
    assert "disabled" in _issue_button(page)
    # The polled panel says the same.
    panel = c.get(f"/documentos/{doc.pk}/casos/").content.decode()
    assert "disabled" in _issue_button(panel) and "nombre del comprador" in panel


@override_settings(DTE_FACTURA_ID_THRESHOLD="1095.00")
def test_factura_above_the_threshold_issues_with_a_typed_buyer(issuer, client_as, establishments, signing_company):
    c = client_as(issuer)
    doc = _new(c, "01", establishments)
    editor = c.get(f"/documentos/{doc.pk}/editar/").content.decode()
    assert 'name="party-id_type"' in editor and 'name="party-name"' in editor  # typeable, no client needed
    summary = c.post(f"/documentos/{doc.pk}/guardar/", _form(doc, "1200.00", **BUYER), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="needs-buyer"' not in summary
    page = c.get(f"/documentos/{doc.pk}/confirmar/").content.decode()
    assert "Corrija antes de emitir" not in page and "disabled" not in _issue_button(page)
    assert c.post(f"/documentos/{doc.pk}/emitir/").status_code == 302
    doc.refresh_from_db()
    assert doc.status == GovStatus.PENDING and doc.client_id is None
    receptor = jsonio.loads(doc.payload)["receptor"]
    assert (receptor["tipoDocumento"], receptor["numDocumento"], receptor["nombre"]) == ("13", "04567891-2", "Juan Pérez")
    assert jsonio.loads(doc.payload)["resumen"]["montoTotalOperacion"] == pytest.approx(1200.00)


@override_settings(DTE_FACTURA_ID_THRESHOLD="1095.00")
def test_factura_below_the_threshold_needs_no_buyer(issuer, client_as, establishments, signing_company):
    c = client_as(issuer)
    doc = _new(c, "01", establishments)
    summary = c.post(f"/documentos/{doc.pk}/guardar/", _form(doc, "1094.99", **NO_BUYER), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="needs-buyer"' not in summary
    page = c.get(f"/documentos/{doc.pk}/confirmar/").content.decode()
    assert "Corrija antes de emitir" not in page and "el documento puede emitirse" in page
    assert c.post(f"/documentos/{doc.pk}/emitir/").status_code == 302
    doc.refresh_from_db()
    assert doc.status == GovStatus.PENDING and jsonio.loads(doc.payload)["receptor"] is None


def test_a_badly_written_dui_is_named_and_a_chosen_client_replaces_the_typed_buyer(
        issuer, client_as, establishments, parties, signing_company):
    c = client_as(issuer)
    doc = _new(c, "01", establishments)
    body = c.post(f"/documentos/{doc.pk}/guardar/", _form(doc, "10.00", **{**BUYER, "party-id_number": "045678912"}),
                  HTTP_HX_REQUEST="true").content.decode()
    assert "El DUI se escribe ########-#" in body
    c.post(f"/documentos/{doc.pk}/guardar/", _form(doc, "10.00", **BUYER, action="set_client",
                                                  client_id=parties["consumer"].pk), HTTP_HX_REQUEST="true")
    doc.refresh_from_db()
    assert doc.client == parties["consumer"] and doc.counterparty["name"] == "Ana López"
    # Back to an occasional buyer.
    c.post(f"/documentos/{doc.pk}/guardar/", _form(doc, "10.00", action="clear_client"), HTTP_HX_REQUEST="true")
    doc.refresh_from_db()
    assert doc.client_id is None and doc.counterparty == {}


def test_the_cases_poll_answers_no_content_while_nothing_changes(issuer, client_as, make_draft):
    c = client_as(issuer)
    doc = make_draft("01")
    first = c.get(f"/documentos/{doc.pk}/casos/")
    version = re.search(r'data-version="(\w+)"', first.content.decode()).group(1)
    assert c.get(f"/documentos/{doc.pk}/casos/", {"v": version}).status_code == 204
    assert c.get(f"/documentos/{doc.pk}/casos/", {"v": "otra"}).status_code == 200
