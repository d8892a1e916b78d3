"""The accountant's liquidation editors in Chromium (sv-tax-facts-2.md §6): the Comprobante de
Liquidación's totals follow the amounts typed into its documents, the Documento Contable de
Liquidación's líquido follows its card sales and commission; both fit a laptop and a phone, with
no console error, no English state word and no serious axe-core finding."""

import os

import pytest

from dte.tests.test_liquidations import UUID_A, liquidated, settlement
from tests.browser_kit import Watch, assert_axe, assert_fits, assert_no_english_states, login

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SCREENSHOT_DIR")  # set to keep the screenshots


def _page(browser, live_server, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    watcher = Watch(page)
    login(page, live_server, "contador")
    return page, watcher


def _total(page, text):
    page.wait_for_function(f"() => document.querySelector('#total-pagar').innerText.includes({text!r})")


@pytest.mark.parametrize("width", [1366, 390])
def test_the_liquidation_editors(width, browser, live_server, make_draft, users, parties):
    accountant = users["Contador"]
    cl = make_draft("08", [liquidated(UUID_A, gravada="1000.00", note="CCF de mayo")], client=parties["taxpayer"],
                    user=accountant)
    dcl = make_draft("09", [], client=parties["taxpayer"], user=accountant, extra=settlement())
    page, watcher = _page(browser, live_server, width)

    page.goto(f"{live_server.url}/documentos/{cl.pk}/editar/")
    _total(page, "1,130.00")  # 1000.00 + IVA 130.00
    page.fill("#line-1-ventaGravada", "2000")
    page.locator("#line-1-ventaGravada").dispatch_event("change")
    _total(page, "2,260.00")  # 2000.00 + IVA 260.00
    assert_fits(page)
    assert_no_english_states(page)
    assert_axe(page)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/cl-{width}.png", full_page=True)

    page.goto(f"{live_server.url}/documentos/{dcl.pk}/editar/")
    _total(page, "1,053.50")  # 1130 − 50.00 − 20.00 − 6.50
    page.fill("#id_pcom", "0")
    page.locator("#id_pcom").dispatch_event("change")
    _total(page, "1,110.00")  # no commission: 1130 − 20.00
    assert_fits(page)
    assert_no_english_states(page)
    assert_axe(page)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/dcl-{width}.png", full_page=True)
    watcher.assert_clean()
