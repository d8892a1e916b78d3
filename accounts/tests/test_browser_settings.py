"""The configuration page in Chromium: the role grid (modules × actions) toggled and saved, a
meaningless pair slipped into the form by hand refused; the Django admin closed to non-staff."""

import os

import pytest

from tests.browser_kit import Watch, assert_fits, assert_no_english_states, login

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


def _page(browser):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    return page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_admin_toggles_a_cell_of_the_role_grid(browser, live_server, users, roles, establishments):
    page = _page(browser)
    watcher = Watch(page)
    try:
        login(page, live_server, "administrador")
        page.goto(f"{live_server.url}/configuracion/")
        page.click("#role-tabs [data-role=Contador]")
        page.wait_for_selector("#role-tabs [data-role=Contador].active")
        grid = page.locator("#role-matrix table.grant-grid")
        # a row per module, a column per action, a checkbox only where the module has it
        assert grid.locator("tbody tr").count() == 6
        assert grid.locator("tr[data-module=reportes] input[type=checkbox]").count() == 2
        assert grid.locator("tr[data-module=reportes] td.grant-none").count() == 5
        cell = grid.locator("td[data-grant='inventario:export'] input")
        assert not cell.is_checked()
        cell.check()
        page.click("#role-grants-save")
        page.wait_for_selector(".alert-success")
        assert roles["Contador"].permissions.filter(module="inventario", action="export").exists()
        assert page.locator("#role-matrix td[data-grant='inventario:export'] input").is_checked()
        assert_fits(page)
        assert_no_english_states(page)

        # a pair the module does not have, added to the form by hand, is refused
        page.evaluate("""() => {
            const box = document.createElement('input');
            box.type = 'checkbox'; box.name = 'grants'; box.value = 'reportes:create'; box.checked = true;
            document.getElementById('role-grants-form').appendChild(box);
        }""")
        page.click("#role-grants-save")
        page.wait_for_selector("#role-grants-errors")
        assert "no es una acción de ese módulo" in page.locator("#role-grants-errors").inner_text()
        assert not roles["Contador"].permissions.filter(module="reportes", action="create").exists()
        assert roles["Contador"].permissions.filter(module="inventario", action="export").exists()  # unchanged
        watcher.assert_clean()
    finally:
        page.close()
