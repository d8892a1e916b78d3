"""In Chromium: a supervisor declares a contingency for the main office; a sales rep sees the
banner on every page and issues a Factura that comes out as a deferred-model document."""

import os
import re

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

from dte.tests.test_browser_issue import _login, _pick_client, _start  # noqa: E402


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_supervisor_declares_and_the_rep_issues_offline(browser, live_server, issuer, users, parties, products):
    from contingency.context_processors import forget_banner
    from dte.models import Document
    from dte.models import OfflineScope as Period

    base = live_server.url
    boss = _login(browser, base, users["Supervisor"].username)
    boss.goto(f"{base}/contingencia/")
    assert "No ha habido contingencias" in boss.inner_text("#empty-state")
    boss.click("#declare-button")
    boss.select_option("select[name=scope]", label="Matriz")
    boss.select_option("select[name=tipo]", "5")
    boss.click("#declare-form button[type=submit]")
    assert "el tipo 5" in boss.inner_text("#declare-form")  # "other" needs words
    boss.fill("textarea[name=motivo]", "Corte del enlace de fibra")
    boss.click("#declare-form button[type=submit]")
    boss.wait_for_url(re.compile(r".*/contingencia/\d+/$"))
    period = Period.objects.get()
    assert period.establishment.name == "Matriz" and period.motivo == "Corte del enlace de fibra"
    forget_banner()

    rep = _login(browser, base, issuer.username)
    banner = rep.inner_text("#contingency-banner")
    assert "Contingencia en Matriz" in banner and "Corte del enlace de fibra" in banner
    _start(rep, base, "01")
    assert rep.locator("#contingency-banner").is_visible()
    _pick_client(rep, "Ana")
    rep.click("#add-line")
    row = rep.locator("#lines tbody tr").first
    row.locator("input[name$=description]").fill("Servicio técnico")
    row.locator("input[name$=quantity]").fill("1")
    row.locator("input[name$=unit_price]").fill("11.30")
    row.locator("input[name$=unit_price]").press("Tab")
    rep.wait_for_function("document.querySelector('#total-pagar').innerText.includes('11.30')")
    rep.click("#continue")
    rep.wait_for_url(re.compile(r".*/confirmar/$"))
    rep.click("#issue")
    rep.wait_for_url(re.compile(r".*/documentos/\d+/$"))
    assert "Modelo diferido" in rep.inner_text("#contingency-mark")
    assert "pendiente de sello" in rep.inner_text("#contingency-note")
    doc = Document.objects.get(tipo_dte="01")
    assert doc.status == "contingency" and doc.contingency_period_id == period.pk

    boss.goto(f"{base}/contingencia/{period.pk}/")
    assert doc.numero_control in boss.inner_text("#period-docs")
    assert boss.inner_text("#waiting").strip() == "1"
