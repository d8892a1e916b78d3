"""The Comprobante de Donación's editor and the v2.0 events' pages in Chromium: they fit a laptop
and a phone, answer in Spanish, and log no error; the donation's live total follows the lines."""

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone

from tests.browser_kit import Watch, assert_fits, assert_no_english_states, login

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screens"


def _page(browser, live_server, username, width=1366):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    watcher = Watch(page)
    login(page, live_server, username)
    page.set_viewport_size({"width": width, "height": 900})
    return page, watcher


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_the_donation_editor(browser, live_server, users, establishments, parties, signing_company):
    from dte.services.drafts import draft_save
    from dte.tests.test_donation import QUALIFICATION, _lines

    point = establishments["pos"]["M001P001"]
    draft = draft_save(acting_user=users["Supervisor"], data={
        "tipo_dte": "15", "establishment_id": point.establishment_id, "point_of_sale_id": point.pk,
        "issue_date": timezone.localdate(), "client_id": parties["consumer"].pk,
        "extra": {"otrosDocumentos": QUALIFICATION}}, lines=_lines())
    for width in (1366, 390):
        page, watcher = _page(browser, live_server, "supervisor", width)
        page.goto(f"{live_server.url}/documentos/{draft.pk}/editar/")
        assert page.locator("#doc-summary").inner_text().count("1,424.75") >= 1  # 250 + 1,049.75 + 125
        assert_fits(page)
        assert_no_english_states(page)
        _shot(page, f"cd-editor-{width}")
        page.fill("#line-2-depreciacion", "200.25")  # 3 × 400 − 200.25 = 999.75; total 250 + 999.75 + 125 = 1,374.75
        page.locator("#line-2-depreciacion").blur()
        page.wait_for_function("() => document.querySelector('#doc-summary').innerText.includes('1,374.75')")
        page.fill("#line-2-depreciacion", "150.25")
        page.locator("#line-2-depreciacion").blur()
        page.wait_for_function("() => document.querySelector('#doc-summary').innerText.includes('1,424.75')")
        watcher.assert_clean()
        page.context.close()


def test_the_event_pages(browser, live_server, users, make_draft, issuer, parties):
    from dte.models import SchemaGeneration
    from dte.services.issuing import document_issue
    from dte.tests.conftest import line
    from dte.tests.test_v2_events import _sealed

    SchemaGeneration.objects.create(kind="*", generation="2026", effective_from=timezone.now() - datetime.timedelta(hours=1))
    factura = _sealed(document_issue(document=make_draft("01", [line("Silla", "2", "113.00")], client=parties["consumer"]),
                                     acting_user=issuer))
    page, watcher = _page(browser, live_server, "contador")
    page.goto(f"{live_server.url}/documentos/{factura.pk}/")
    page.click("text=Retorno")
    page.fill("#qty-1", "1")
    _shot(page, "retorno")
    assert_fits(page)
    page.click("text=Firmar y enviar a MH")
    page.wait_for_url(f"{live_server.url}/documentos/eventos/")
    assert "Evento de retorno" in page.locator("#events").inner_text()
    _shot(page, "eventos")
    assert_fits(page)
    page.click("#new-special")
    page.fill("input[name=row-0-docDel]", "1")
    page.fill("input[name=row-0-docAl]", "40")
    page.fill("input[name=row-0-cantidad]", "40")
    page.fill("input[name=row-0-precioUni]", "1.50")
    page.select_option("select[name=row-1-tipoDocumento]", "97")
    page.fill("input[name=row-1-cantidad]", "1")
    page.fill("input[name=row-1-precioUni]", "5")
    page.click("text=Firmar y enviar a MH")
    # row 1 lacks its description, row 2 its number: both named, nothing sent
    errors = page.locator("#errors").inner_text()
    assert "Fila 1, descripción: es obligatoria." in errors and "Fila 2, número" in errors
    assert page.input_value("input[name=row-0-docAl]") == "40"  # what was typed is kept
    _shot(page, "operaciones-errores")
    assert_fits(page)
    assert_no_english_states(page)
    watcher.assert_clean()
