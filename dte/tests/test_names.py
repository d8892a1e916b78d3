"""Catalog codes read as names (MH's catalogs, the catalogs app) on the document page, the public
page, the PDF (letter and ticket) and the client's page: no "(06-14)", "pago 01", "unidad 59" or a
bare DUI number."""

import re

import pytest
from django.urls import reverse

from dte.delivery import link_token
from dte.printing import render_pdf
from dte.services.issuing import document_issue
from dte.tests.conftest import line
from dte.tests.test_paper import _layout_text, _settle_cases, _tools
from dte.tests.test_printing import _seal
from dte.tests.test_reads import visible

CODES = re.compile(r"\(\d\d-\d\d\)|pago \d\d|CAT-0\d\d|unidad \d+")


@pytest.fixture
def factura(make_draft, issuer, parties, users):
    # Ana López: DUI 00016297-5, San Salvador (06-14); paid in cash (CAT-017 01); sold by the unit (CAT-014 59)
    draft = make_draft("01", [line("Café molido", "2", "11.30")], client=parties["consumer"])
    _settle_cases(draft, issuer, users)
    return _seal(document_issue(document=draft, acting_user=issuer))


@pytest.fixture
def on_credit(make_draft, issuer, parties, users):
    draft = make_draft("03", [line("Instalación", "1", "50.00", unit=99)], client=parties["taxpayer"],
                       condition=2, payment_term_days=30)
    _settle_cases(draft, issuer, users)
    return _seal(document_issue(document=draft, acting_user=issuer))


def _assert_names(text, where):
    assert "DUI 00016297-5" in text, where
    assert "Calle Arce 10, San Salvador, San Salvador" in text, where
    assert "Calle 1, San Salvador, San Salvador" in text, where  # the issuer's address
    assert "Billetes y monedas $ 22.60" in text, where
    assert "2 Unidad" in text, where
    assert not CODES.search(text), (where, CODES.findall(text))


@pytest.mark.django_db
def test_the_pdf_names_places_documents_payments_and_units(factura, on_credit, tmp_path):
    _tools()
    for layout in ("letter", "ticket"):
        text = " ".join(_layout_text(render_pdf(factura, layout), tmp_path, f"{layout}.pdf").split())
        _assert_names(text, layout)
        credit = " ".join(_layout_text(render_pdf(on_credit, layout), tmp_path, f"c-{layout}.pdf").split())
        # 50.00 + 13 % = 56.50 on credit at 30 days, CAT-018 01 = días; the unit CAT-014 99 = Otra
        assert "Billetes y monedas $ 56.50 (plazo 30 días)" in credit and "1 Otra" in credit, layout


@pytest.mark.django_db
def test_the_document_and_public_pages_name_them_too(client, users, factura):
    client.force_login(users["Administrador"])
    _assert_names(visible(client.get(reverse("dte:detail", args=[factura.pk]))), "detalle")
    client.logout()
    _assert_names(visible(client.get(reverse("public_document", args=[link_token(factura)]))), "página pública")


@pytest.mark.django_db
def test_the_client_page_names_the_place_and_the_country(client, users, parties):
    client.force_login(users["Administrador"])
    text = visible(client.get(reverse("clients:detail", args=[parties["consumer"].pk])))
    assert "San Salvador, San Salvador (06-14)" in text  # the code in small print after the name
    text = visible(client.get(reverse("clients:detail", args=[parties["foreign"].pk])))
    assert "Guatemala" in text and "9483" not in text
