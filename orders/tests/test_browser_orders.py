"""In Chromium: a rep makes an order in the form, the customer opens the pay link on a
phone-sized screen and pays; the pages are Spanish, fit the screen and log no errors.
(The seal by govsim and the emailed PDF are the receipt's path, tested in orders' services
and dte's pipeline; the full chain with a worker is left for the end-to-end test.)"""

import os
import re
from pathlib import Path

import pytest

from tests.browser_kit import Watch, assert_fits, assert_no_english_states, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
SHOTS = Path(os.environ.get("ORDER_SHOTS_DIR", "var/shots"))


def test_rep_makes_an_order_and_the_customer_pays_it_on_a_phone(browser, live_server, issuer, parties, stocked,
                                                               fake_gateway):
    from orders.models import Order, OrderState

    fake_gateway.supports_holds = False
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="es-SV")
    page = context.new_page()
    watcher = Watch(page)
    login(page, live_server, issuer.username)
    page.goto(f"{live_server.url}/pedidos/nuevo/")
    page.select_option("#client", str(parties["consumer"].pk))
    page.fill("input[name=code_1]", "SILLA-01")
    page.fill("input[name=qty_1]", "2")
    page.fill("input[name=code_2]", "SERV-01")
    page.fill("input[name=qty_2]", "1")
    page.screenshot(path=str(SHOTS / "form.png"), full_page=True)
    page.click("#create-order")
    page.wait_for_selector("#pay-link")
    assert "$ 276.00" in page.inner_text("#order-total")
    assert_no_english_states(page)
    assert_fits(page)
    page.screenshot(path=str(SHOTS / "detail.png"), full_page=True)
    link = page.input_value("#pay-link")
    page.goto(f"{live_server.url}/pedidos/")
    page.screenshot(path=str(SHOTS / "list.png"), full_page=True)
    watcher.assert_clean()
    context.close()

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="es-SV")
    pay = phone.new_page()
    watcher = Watch(pay)
    pay.goto(link)
    assert "$ 276.00" in pay.inner_text("#pay-total")
    assert_fits(pay)
    pay.screenshot(path=str(SHOTS / "pay.png"), full_page=True)
    pay.click("#pay-button")
    pay.wait_for_selector("#pay-status")
    assert re.search("pagado", pay.inner_text("#pay-status"), re.IGNORECASE)
    pay.screenshot(path=str(SHOTS / "paid.png"), full_page=True)
    watcher.assert_clean()
    phone.close()
    assert Order.objects.get().state == OrderState.PAID
