"""Chromium, driven by Playwright, logs in as each default role and reads the menu."""

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

from accounts.modules import Module  # noqa: E402

ROLES = ["Administrador", "Supervisor", "Vendedor", "Contador", "Auditor"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_each_role_sees_its_modules_in_the_menu(browser, live_server, users, establishments, roles):
    for role_name in ROLES:
        expected = {m for m in Module if roles[role_name].permissions.filter(module=m.value).exists()}
        page = browser.new_page()
        try:
            page.goto(f"{live_server.url}/")
            assert "/ingresar/" in page.url  # anonymous: sent to log in
            page.fill("input[name=username]", role_name.lower())
            page.fill("input[name=password]", "clave-segura-123")
            page.click("button[type=submit]")
            page.wait_for_selector("#module-menu")
            shown = set(page.locator("#module-menu [data-module]").evaluate_all("els => els.map(e => e.dataset.module)"))
            assert shown == {m.value for m in expected}, role_name
            assert page.locator("#role-badge").inner_text().strip() == role_name
            # The home page offers the same modules as cards.
            cards = set(page.locator("#module-cards [data-module]").evaluate_all("els => els.map(e => e.dataset.module)"))
            assert cards == shown
            if Module.CONFIGURACION in expected:
                page.click("#module-menu [data-module=configuracion] a")
                page.wait_for_selector("#role-matrix")
                assert "Configuración" in page.title()
            else:
                response = page.goto(f"{live_server.url}/configuracion/")
                assert response.status == 403
                assert "No tiene permiso" in page.content()
            page.goto(f"{live_server.url}/")
            page.click("#user-menu")
            page.click("#logout-button")
            page.wait_for_url("**/ingresar/")
        finally:
            page.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_wrong_password_shows_spanish_error(browser, live_server, users):
    page = browser.new_page()
    try:
        page.goto(f"{live_server.url}/ingresar/")
        page.fill("input[name=username]", "vendedor")
        page.fill("input[name=password]", "equivocada")
        page.click("button[type=submit]")
        assert "Usuario o contraseña incorrectos" in page.locator("#login-error").inner_text()
    finally:
        page.close()
