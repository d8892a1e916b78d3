"""The admin runs MH's test set for three types in Chromium, against govsim and a real Celery
worker: the page polls the progress until 100 %, then the checklist still refuses production
for what is missing. Fails on any console error, an English state word, or a page wider than
the window, like the other browser tests."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

from conftest import BASE_DIR, govsim_schema_dirs  # noqa: E402
from tests.browser_kit import Watch, assert_axe, assert_fits, assert_no_english_states, login  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True),
              pytest.mark.parametrize("govsim", list(govsim_schema_dirs())[:1], indirect=True)]

# No htmx request in flight and no swap or settle under way.
SETTLED = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
SCREENSHOTS = Path(BASE_DIR) / "var" / "screenshots"


def _settled(page):
    page.wait_for_timeout(300)
    page.wait_for_function(SETTLED)


def test_the_admin_runs_the_set_for_three_types_to_100_percent(browser, live_server, requirements, catalogue, wired,
                                                                users, establishments):
    from onboarding.models import RunState, TestRun

    requirements({"01": 4, "03": 3, "05": 2, "invalidacion": 2, "contingencia": 1})
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    watch = Watch(page)
    login(page, live_server, users["Administrador"].username)

    page.goto(f"{live_server.url}/configuracion/")
    page.click("#settings-pages >> text=Autorización de MH")
    page.wait_for_selector("#start-form")
    assert "Todavía no se ha enviado ninguna prueba" in page.inner_text("#run-empty")
    assert page.is_enabled("#item-08")  # liquidations are generated for the set now
    assert page.is_enabled("#item-15")  # donations are generated for the set too
    for code in ("01", "03", "05"):
        page.check(f"#item-{code}")
    assert_fits(page)
    assert_axe(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "autorizacion-mh-eleccion.png"), full_page=True)
    page.click("#start-button")
    page.wait_for_selector("#run-progress")
    _settled(page)

    # The page polls (htmx, every 2 s) while the worker generates, sends and waits for MH's seals.
    page.wait_for_selector("#run-progress[data-percent='100']", timeout=240_000)
    # the worker's next step sees every count met and closes the run; the page's next poll shows it
    page.wait_for_selector("#run-progress[data-state='complete']", timeout=30_000)
    _settled(page)
    run = TestRun.objects.get()
    assert run.state == RunState.COMPLETE, run.error
    assert page.inner_text("#run-percent").strip() == "100 %"
    rows = {row.get_attribute("data-code"): (int(row.get_attribute("data-sealed")), int(row.get_attribute("data-required")))
            for row in page.locator("#run-rows tbody tr").all()}
    assert set(rows) == {"01", "03", "05", "invalidacion", "contingencia"}
    assert all(sealed >= required for sealed, required in rows.values())
    assert page.locator("#run-progress[hx-get]").count() == 0  # done: no more polling
    assert_no_english_states(page)
    assert_fits(page)
    assert_axe(page)
    page.screenshot(path=str(SCREENSHOTS / "autorizacion-mh.png"), full_page=True)

    # The checklist: the tests are done; production credentials and MH's authorisation are not.
    page.click("#production-link")
    page.wait_for_selector("#checklist")
    assert page.get_attribute("[data-check=tests]", "data-ok") == "1"
    page.click("#switch-button")
    page.wait_for_selector("#switch-refused")
    refused = page.inner_text("#switch-refused")
    assert "Autorización de MH como emisor" in refused and "Certificado de firma de producción" in refused
    assert_fits(page)
    assert_axe(page)
    page.set_viewport_size({"width": 390, "height": 900})
    assert_fits(page)
    page.screenshot(path=str(SCREENSHOTS / "paso-a-produccion-390.png"), full_page=True)
    watch.assert_clean()
    context.close()
