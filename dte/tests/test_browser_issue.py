"""A sales rep builds and issues a Factura and a CCF from scratch in Chromium, meets and
confirms special cases, and a supervisor approves one while the rep's page waits for it."""

import os
import re
from decimal import Decimal

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

PASSWORD = "clave-segura-123"


def _login(browser, base, username):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{base}/ingresar/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#module-menu")
    return page


def _start(page, base, tipo):
    page.goto(f"{base}/documentos/nuevo/")
    page.click(f"label[for=tipo-{tipo}]")
    page.click("text=Comenzar")
    page.wait_for_url(re.compile(r".*/documentos/\d+/editar/$"))


def _pick_client(page, text):
    page.fill("#party-q", text)
    page.locator(".party-result").first.wait_for()
    page.locator(".party-result").first.click()
    page.wait_for_selector("#party-chosen")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_rep_issues_factura_and_ccf_with_cases_and_an_approval(browser, live_server, issuer, users, parties, products):
    from dte.models import Document

    base = live_server.url
    rep = _login(browser, base, issuer.username)

    # --- Factura: a chair with no stock; the rep confirms the negative stock himself.
    _start(rep, base, "01")
    _pick_client(rep, "Ana")
    rep.fill("#product-q", "SILLA")
    rep.locator(".product-result").first.click()
    quantity = rep.locator("#lines tbody tr input[name$=quantity]").first
    quantity.wait_for()
    quantity.fill("2")
    quantity.press("Tab")
    # 2 × 113.00 (IVA included) = 226.00; IVA inside = 226 × 13/113 = 26.00
    rep.wait_for_function("document.querySelector('#total-pagar').innerText.includes('226.00')")
    assert "26.00" in rep.inner_text("#total-iva")
    assert rep.inner_text("#total-letras").strip() == "DOSCIENTOS VEINTISÉIS DÓLARES"
    rep.click("#continue")
    rep.wait_for_url(re.compile(r".*/confirmar/$"))
    assert rep.locator("#issue").is_disabled()
    case = rep.locator(".case-negative_stock")
    assert "hay 0" in case.inner_text()
    case.locator("button[value=confirm]").click()
    rep.wait_for_selector(".case-negative_stock[data-state=confirmed]")
    rep.click("#issue")
    rep.wait_for_url(re.compile(r".*/documentos/\d+/$"))
    assert "DTE-01-M001P001-000000000000001" in rep.content()
    factura = Document.objects.get(tipo_dte="01")
    assert factura.status == "pending" and factura.total_to_pay == Decimal("226.00")
    assert [c["code"] for c in factura.confirmations] == ["negative_stock"]

    # --- CCF on credit above the client's limit (1,000.00): a supervisor must approve.
    _start(rep, base, "03")
    _pick_client(rep, "Central")
    rep.click("#add-line")
    row = rep.locator("#lines tbody tr").first
    row.locator("input[name$=description]").wait_for()
    row.locator("input[name$=description]").fill("Consultoría contable")
    row.locator("input[name$=unit_price]").fill("1000")
    rep.select_option("#id_condition", "2")
    rep.fill("#id_term", "30")
    rep.locator("#id_term").press("Tab")
    # 1,000.00 + IVA 13 % 130.00 = 1,130.00
    rep.wait_for_function("document.querySelector('#total-pagar').innerText.includes('1,130.00')")
    rep.click("#continue")
    rep.wait_for_url(re.compile(r".*/confirmar/$"))
    credit = rep.locator(".case-credit_limit")
    assert "$ 1,130.00" in credit.inner_text() and "$ 1,000.00" in credit.inner_text()
    credit.locator("button[value=request]").click()
    rep.wait_for_selector(".case-credit_limit[data-state=requested]")
    assert rep.locator("#issue").is_disabled()

    boss = _login(browser, base, users["Supervisor"].username)
    boss.goto(f"{base}/documentos/aprobaciones/")
    approval = boss.locator(".approval").first
    assert "Cliente sobre su límite de crédito" in approval.inner_text()
    approval.locator("input[name=reason]").fill("Pago de la semana pasada en tránsito")
    approval.locator("button[value=approve]").click()
    boss.wait_for_selector("text=No hay solicitudes pendientes.")

    # The rep's page sees the approval arrive by itself (polling), then issues.
    rep.wait_for_selector(".case-credit_limit[data-state=approved]", timeout=15000)
    assert "Pago de la semana pasada en tránsito" in rep.inner_text(".case-credit_limit")
    rep.click("#issue")
    rep.wait_for_url(re.compile(r".*/documentos/\d+/$"))
    ccf = Document.objects.get(tipo_dte="03")
    assert ccf.numero_control == "DTE-03-M001P001-000000000000001" and ccf.total_to_pay == Decimal("1130.00")
    record = ccf.confirmations[0]
    assert (record["code"], record["decided_by"], record["reason"]) == (
        "credit_limit", users["Supervisor"].pk, "Pago de la semana pasada en tránsito")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_open_pages_see_status_changes_without_reloading(browser, live_server, issuer, users, make_draft):
    """The document page and the list poll: MH's seal shows up on both while they stay open."""
    from django.utils import timezone

    from dte.models import GovStatus
    from dte.services.issuing import document_issue
    from dte.tests.conftest import line
    from dte.transitions import transition

    doc = document_issue(document=make_draft("01", [line("A", "1", "1.13")]), acting_user=issuer)
    accountant = _login(browser, live_server.url, users["Contador"].username)
    accountant.goto(f"{live_server.url}/documentos/{doc.pk}/")
    assert accountant.inner_text("#doc-status .status-badge") == "Por transmitir"
    lister = accountant.context.new_page()
    lister.goto(f"{live_server.url}/documentos/")
    assert lister.locator(f"tr[data-doc='{doc.pk}'] .status-badge").inner_text() == "Por transmitir"
    transition(doc, GovStatus.TRANSMITTING)
    transition(doc, GovStatus.SEALED, sello_recibido="2026" + "B" * 36, processed_at=timezone.now())
    accountant.wait_for_selector("#doc-status .status-badge[data-status=sealed]", timeout=10000)
    assert "2026BBBB" in accountant.inner_text("#sello")
    # read out by the page's live region, which stays in place (the status card is replaced)
    accountant.wait_for_function("document.querySelector('#status-live').innerText.includes('Sellado')",
                                 timeout=10000)
    assert accountant.get_attribute("#status-live", "aria-live") == "polite"
    accountant.wait_for_function("document.querySelector('#timeline').innerText.includes('Transmitiendo → Sellado')",
                                 timeout=10000)  # the history follows too
    lister.wait_for_selector(f"tr[data-doc='{doc.pk}'] .status-badge[data-status=sealed]", timeout=10000)

    # The deliveries card follows too: a copy queued for the client shows as sent once the worker
    # sends it, on the page left open (the status poll brings the list, the list asks until it is
    # no longer queued).
    from dte.models import Delivery, DeliveryState

    row = Delivery.objects.create(document=doc, recipient="pagos@cliente.example", created_by=users["Contador"])
    accountant.reload()
    accountant.wait_for_selector("#delivery-list li[data-state=queued]")
    Delivery.objects.filter(pk=row.pk).update(state=DeliveryState.SENT, sent_at=timezone.now())
    accountant.wait_for_selector("#delivery-list li[data-state=sent]", timeout=10000)
    assert "copia sellada" in accountant.inner_text("#delivery-list")
