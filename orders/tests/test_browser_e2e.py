"""End to end: a rep makes an order in the browser; the customer opens the pay link on a
phone-sized Chromium and pays on the gateway's page (Wompi on paysim); the product learns it
(the return page and the signed webhook), a real Celery worker issues the Factura, govsim seals
it and the PDF arrives by email."""

import email
import os
import time
from email import policy

import pytest

from tests.browser_kit import Watch, login

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


_RAN = []


def until(check, what, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    pytest.fail(f"no ocurrió a tiempo: {what}")


def test_order_paid_on_a_phone_is_sealed_and_emailed(browser, live_server, wired, paysim, celery_worker, issuer,
                                                     parties, stocked, establishments):
    import httpx

    if _RAN:
        # The module's worker keeps the content type ids of the first run's database, which the
        # transactional flush recreated with new ids: its audit rows would point at none. Once
        # per module (against the first of govsim's schema sets) is the end-to-end check.
        pytest.skip("una vez por módulo: el worker conserva los ids de tipos de contenido de la primera corrida")
    _RAN.append(True)
    from dte.models import Delivery, GovStatus
    from orders.models import Order, OrderState
    from payments.models import GatewayAccount

    company = establishments["main"].company
    account = GatewayAccount(company=company, gateway="wompi", base_url=f"{paysim}/wompi")
    account.set_credentials({"client_id": "e2e-wompi", "client_secret": "e2e-secreto"})
    account.save()
    hook = f"{live_server.url}/pagar/webhooks/{account.webhook_token}/"
    httpx.post(f"{paysim}/_paysim/merchants", json={"gateway": "wompi", "client_id": "e2e-wompi",
                                                    "client_secret": "e2e-secreto", "webhook_url": hook}).raise_for_status()

    desk = browser.new_context(viewport={"width": 1366, "height": 900}, locale="es-SV")
    page = desk.new_page()
    watcher = Watch(page)
    login(page, live_server, issuer.username)
    page.goto(f"{live_server.url}/pedidos/nuevo/")
    page.select_option("#client", str(parties["consumer"].pk))
    page.fill("input[name=code_1]", "SILLA-01")
    page.fill("input[name=qty_1]", "1")
    page.click("#create-order")
    page.wait_for_selector("#pay-link")
    link = page.input_value("#pay-link")
    watcher.assert_clean()
    desk.close()

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="es-SV")
    pay = phone.new_page()
    pay.goto(link)
    pay.check("#gw-wompi")
    pay.click("#pay-button")
    pay.wait_for_selector("#tarjeta")  # the gateway's page (paysim's Wompi)
    pay.click("button[value=pagar]")
    pay.wait_for_selector("#pay-status", timeout=60_000)  # back on our page, paid
    assert "pagado" in pay.inner_text("#pay-status").lower()
    phone.close()

    order = Order.objects.get()
    assert order.state == OrderState.PAID
    until(lambda: Order.objects.filter(pk=order.pk, document__status=GovStatus.SEALED).exists(),
          "el comprobante sellado por govsim")
    order.refresh_from_db()
    assert order.document.total_to_pay == order.total == order.amount_captured
    until(lambda: Delivery.objects.filter(document=order.document, state="sent").exists(), "el correo enviado")
    mails = [email.message_from_bytes(p.read_bytes(), policy=policy.default)
             for p in celery_worker.mail_dir.glob("*.log")]
    pdfs = [part for m in mails if parties["consumer"].email in str(m["To"])
            for part in m.iter_attachments() if part.get_content_type() == "application/pdf"]
    assert pdfs, "el PDF llegó por correo"
