"""Money and dates as a person reads them on the pages and the PDF (issue 16): $ 2,500.00, unit
prices without eight meaningless digits, quantities without trailing zeros, dates 04/12/2026 —
in Spanish and in English — and never 192,1000, 2 500,00 or an ISO date-time."""

import datetime
import re
import shutil
import subprocess
from decimal import Decimal as D

import pytest
from django.conf import settings

from conftest import require
from dte.tests.conftest import line
from inventory import services as inventory
from inventory.models import Product, Provider, ProviderProduct

pytestmark = pytest.mark.django_db

ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")
DDMMYYYY = r"\d{2}/\d{2}/\d{4}"


def _text(html):
    """What the page shows: no scripts, no tags (so no attributes), entities of spaces as spaces."""
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&nbsp;", " ").replace("\xa0", " ").split())


def _no_local_number_formats(text):
    assert not re.search(r"\d,\d{4}\b", text), "a price written with 4 decimals after a comma (192,1000)"
    assert not re.search(r"\d[ \xa0]\d{3},\d{2}\b", text), "an amount written 2 500,00"
    assert not ISO_DATETIME.search(text), "an ISO date-time"


def _english(web):
    web.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return web


@pytest.fixture
def stocked(establishments, users):
    product = inventory.product_save(product=Product(), data={
        "code": "CAFE-1", "description": "Café de altura", "item_type": 1, "unit": 59, "price": D("192.1"),
        "price_includes_iva": True, "cost": D("22.12389381"), "tax_treatment": "gravado", "special_taxes": "",
        "category": "Café", "tracks_stock": True}, acting_user=None)
    inventory.stock_move(product=product, establishment=establishments["main"], quantity=D("1250.5"), reason="compra")
    provider = Provider.objects.create(id_type="36", id_number="06141506851019", nrc="3456789", name="Finca El Carmen",
                                       email="ventas@carmen.example", departamento="06", municipio="14", address="Km 5")
    ProviderProduct.objects.create(provider=provider, product=product, provider_code="EC-9", cost=D("20.5"))
    return product, provider


@pytest.mark.parametrize("language", ["es", "en"])
def test_inventory_list_and_detail(stocked, users, client_as, language):
    product, provider = stocked
    web = client_as(users["Supervisor"])
    if language == "en":
        _english(web)
    listing = _text(web.get("/inventario/").content.decode())
    assert "$ 192.10" in listing and "1,250.5" in listing
    assert "192,1000" not in listing and "192,1" not in listing and "1250,5" not in listing
    _no_local_number_formats(listing)
    detail = _text(web.get(f"/inventario/{product.pk}/").content.decode())
    # price 192.1 → two decimals; cost 22.12389381 → at most four; stock 1250.50000000 → no trailing zeros
    assert "$ 192.10" in detail and "$ 22.1239" in detail and "1,250.5" in detail and "$ 20.50" in detail
    assert "22.12389381" not in detail and "192,10000000" not in detail and "1,250.50" not in detail
    _no_local_number_formats(detail)
    supplier = _text(web.get(f"/inventario/proveedores/{provider.pk}/").content.decode())
    assert "$ 20.50" in supplier and "20,5000" not in supplier


@pytest.mark.parametrize("language", ["es", "en"])
def test_client_list_and_detail_limit(parties, users, client_as, language):
    taxpayer, consumer = parties["taxpayer"], parties["consumer"]
    taxpayer.credit_limit = D("2500")
    taxpayer.save()
    web = client_as(users["Supervisor"])
    if language == "en":
        _english(web)
    no_limit = "Sin límite" if language == "es" else None
    detail = _text(web.get(f"/clientes/{taxpayer.pk}/").content.decode())
    assert "$ 2,500.00" in detail and "2 500,00" not in detail and "2,500,00" not in detail
    _no_local_number_formats(detail)
    listing = web.get("/clientes/").content.decode()
    row = _text(listing.split(f"/clientes/{taxpayer.pk}/")[1].split("</tr>")[0])
    assert "$ 2,500.00" in row
    zero = _text(listing.split(f"/clientes/{consumer.pk}/")[1].split("</tr>")[0])
    assert "$ 0.00" not in zero
    consumer_page = _text(web.get(f"/clientes/{consumer.pk}/").content.decode())
    assert "$ 0.00" not in consumer_page
    if no_limit:
        assert no_limit in zero and no_limit in consumer_page


def test_payments_pages(make_draft, issuer, parties, users, client_as, settings):
    from payments.tests.test_payments import _ccf_on_credit

    settings.DTE_LARGE_AMOUNT_THRESHOLD = "100000000"
    taxpayer = parties["taxpayer"]  # credit limit 1,000.00
    taxpayer.credit_limit = D("2500")
    taxpayer.save()
    large = parties["large"]  # no limit set
    doc = _ccf_on_credit(make_draft, issuer, taxpayer, "2212.39")  # 2,212.39 × 1.13 = 2,500.0007 → IVA 287.61: 2,500.00
    _ccf_on_credit(make_draft, issuer, large, "100.00")  # 113.00 − 1 % retention 1.00 = 112.00
    web = client_as(users["Contador"])
    credit = _text(web.get("/cobros/").content.decode())
    assert "$ 2,500.00" in credit and "$ 112.00" in credit and "Sin límite" in credit
    _no_local_number_formats(credit)
    web.post(f"/cobros/clientes/{taxpayer.pk}/", {"date": doc.issue_date.isoformat(), "amount": "1250.50",
                                                   "method": "01", f"apply_{doc.pk}": "1250.50"})
    account = _text(web.get(f"/cobros/clientes/{taxpayer.pk}/").content.decode())
    day = doc.issue_date.strftime("%d/%m/%Y")
    assert f"{day} · $ 1,250.50" in account  # the payment: its date, its amount
    assert "$ 1,249.50" in account  # 2,500.00 − 1,250.50 still owed
    assert day in account and doc.issue_date.isoformat() not in account
    _no_local_number_formats(account)


@pytest.fixture
def priced_factura(make_draft, issuer, parties):
    from dte.services.issuing import document_issue

    # 3 × 22.12389381 (IVA included) = 66.37168143 → total 66.37; the price reads 22.1239, the quantity 3
    return document_issue(document=make_draft("01", [line("Café molido", "3.00000000", "22.12389381")],
                                              client=parties["consumer"]), acting_user=issuer)


def test_document_detail(priced_factura, users, client_as):
    doc = priced_factura
    page = _text(client_as(users["Supervisor"]).get(f"/documentos/{doc.pk}/").content.decode())
    assert "$ 22.1239" in page and "$ 66.37" in page
    assert "22.12389381" not in page and "3.00000000" not in page
    assert f"Fecha {doc.issue_date.strftime('%d/%m/%Y')}" in page
    assert doc.issue_date.isoformat() not in page
    _no_local_number_formats(page)
    english = _text(_english(client_as(users["Supervisor"])).get(f"/documentos/{doc.pk}/").content.decode())
    assert "$ 22.1239" in english and "$ 66.37" in english and doc.issue_date.strftime("%d/%m/%Y") in english


def test_the_pdf_reads_the_same(priced_factura, tmp_path):
    from dte.printing import render_pdf

    require(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils)")
    path = tmp_path / "doc.pdf"
    path.write_bytes(render_pdf(priced_factura))
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    day = priced_factura.issue_date.strftime("%d/%m/%Y")
    assert re.search(rf"Fecha y Hora de Generación {day} \d{{2}}:\d{{2}} ", text), text[:600]
    assert "$ 22.1239" in text and "Total a pagar $ 66.37" in text
    assert "22.12389381" not in text
    assert re.search(rf"Impreso {DDMMYYYY} \d{{2}}:\d{{2}}", text)
    # the only ISO date left is inside MH's consultation address, which MH defines
    assert text.count(priced_factura.issue_date.isoformat()) == text.count("fechaEmi=")
    _no_local_number_formats(text)


def test_a_credit_report_shows_no_limit_and_dollars(parties, users, client_as, make_draft, issuer, settings):
    from payments.tests.test_payments import _ccf_on_credit

    settings.DTE_LARGE_AMOUNT_THRESHOLD = "100000000"
    _ccf_on_credit(make_draft, issuer, parties["large"], "100.00", days_ago=40)  # 112.00, 10 days late
    page = _text(client_as(users["Contador"]).get("/reportes/antiguedad/").content.decode())
    row = page.split("Gran Almacén, S.A.")[1][:200]
    assert row.startswith(" Sin límite") and "$ 112.00" in row
    _no_local_number_formats(page)


def test_the_email_reads_the_same(priced_factura):
    from dte.delivery import message_for

    body = " ".join(message_for(priced_factura, "ana@example.com").body.split())
    assert f"del {priced_factura.issue_date.strftime('%d/%m/%Y')}, por $ 66.37." in body
    assert priced_factura.issue_date.isoformat() not in body


def test_the_audit_trail_lists_day_first(users, client_as):
    """The audit trail lists date-times day first, to the second."""
    from core.audit import audit_record

    audit_record(actor=users["Administrador"], action="update", obj=users["Vendedor"], summary="x")
    page = _text(client_as(users["Auditor"]).get("/configuracion/bitacora/").content.decode())
    assert re.search(rf"{DDMMYYYY} \d{{2}}:\d{{2}}:\d{{2}}", page)
    assert not ISO_DATETIME.search(page)
    assert datetime.date.today().isoformat() not in page
