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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_admin_menu_fits_on_one_line_from_1200_px(browser, live_server, users):
    """The administrator sees every module: from 1200 px the bar is expanded and nothing in it
    spills past the window or wraps under its icon; below, the menu folds behind the button."""
    page = browser.new_page(viewport={"width": 1200, "height": 700})
    try:
        page.goto(f"{live_server.url}/ingresar/")
        page.fill("input[name=username]", "administrador")
        page.fill("input[name=password]", "clave-segura-123")
        page.click("button[type=submit]")
        page.wait_for_selector("#module-menu")
        for width in (1200, 1280, 1440, 1920):
            page.set_viewport_size({"width": width, "height": 700})
            assert page.locator("#module-menu").is_visible(), width
            right = page.locator("#user-menu").evaluate("e => e.getBoundingClientRect().right")
            assert right <= width, (width, right)
            nav = page.locator("nav.app-navbar")
            assert nav.evaluate("e => e.scrollWidth <= e.clientWidth"), width
            # One line: every module link as tall as the first one.
            heights = set(page.locator("#module-menu .nav-link").evaluate_all(
                "els => els.map(e => Math.round(e.getBoundingClientRect().height))"))
            assert len(heights) == 1, (width, heights)
        page.click("#user-menu")
        assert page.locator("#admin-link").is_visible()  # the Django admin moved into the user's menu
        page.set_viewport_size({"width": 1100, "height": 700})
        assert not page.locator("#module-menu").is_visible()
        assert page.locator(".navbar-toggler").is_visible()
    finally:
        page.close()
