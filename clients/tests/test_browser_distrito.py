"""The client form in Chromium: the distrito list (CAT-008) follows the departamento and the
municipio chosen (htmx: catalogs.views.distrito_options), with no console error, and the client is
saved with the distrito picked. Plus the options endpoint itself, for a 2024 municipio."""

import os

import pytest

from tests.browser_kit import Watch, assert_fits, login

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


def _distritos(page):
    return page.eval_on_selector_all("#id_distrito option", "os => os.map(o => o.value)")


def _wait_distritos(page, expected):
    page.wait_for_function("""(want) => JSON.stringify([...document.querySelectorAll('#id_distrito option')]
        .map(o => o.value)) === JSON.stringify(want)""", arg=expected, timeout=10_000)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_distrito_list_follows_departamento_and_municipio(browser, live_server, users, establishments):
    from clients.models import Client

    page = browser.new_page(viewport={"width": 1366, "height": 900})
    watcher = Watch(page)
    try:
        login(page, live_server, "administrador")
        page.goto(f"{live_server.url}/clientes/nuevo/")
        assert _distritos(page) == [""]  # no departamento yet: no distrito to offer
        # San Salvador: its 19 distritos (the pre-reform municipios 01…19) until a municipio is chosen.
        page.select_option("#id_departamento", "06")
        _wait_distritos(page, [""] + [f"{n:02d}" for n in range(1, 20)])
        assert page.locator("#id_municipio option[value='17']").inner_text() == "17 · Soyapango"
        # Soyapango (pre-reform municipio 17) became distrito 17: only that one, chosen.
        page.select_option("#id_municipio", "17")
        _wait_distritos(page, ["", "17"])
        assert page.locator("#id_distrito").input_value() == "17"
        assert "Soyapango" in page.locator("#id_distrito option[value='17']").inner_text()
        # Another departamento: the list follows it, not the old municipio's code.
        page.select_option("#id_departamento", "05")
        _wait_distritos(page, [""] + [f"{n:02d}" for n in range(1, 23)])
        assert "Santa Tecla" in page.locator("#id_distrito option[value='11']").inner_text()
        page.select_option("#id_municipio", "11")
        _wait_distritos(page, ["", "11"])
        page.select_option("#id_kind", "consumidor")
        page.select_option("#id_id_type", "13")
        page.fill("#id_id_number", "01234567-8")
        page.fill("#id_name", "Marta Distrito")
        page.fill("#id_address", "Calle El Progreso 4")
        page.click("form button.btn-primary")
        page.wait_for_url("**/clientes/*/")
        saved = Client.objects.get(name="Marta Distrito")
        assert (saved.departamento, saved.municipio, saved.distrito) == ("05", "11", "11")
        assert_fits(page)
        watcher.assert_clean()
    finally:
        page.close()


@pytest.mark.django_db
def test_distrito_options_of_a_2024_municipio(users, client_as):
    c = client_as(users["Vendedor"])
    # San Salvador Este (2024 municipio 22) groups distritos 07 13 17 18 (catalogs.territory, CAT-008).
    html = c.get("/catalogos/distritos/", {"departamento": "06", "municipio": "22"}).content.decode()
    values = [part.split('"')[0] for part in html.split('value="')[1:]]
    assert values == ["", "07", "13", "17", "18"]
    assert "Ilopango" in html and "Soyapango" in html and "Apopa" not in html
    # A municipio code that is not the departamento's (left from another one): all its distritos.
    html = c.get("/catalogos/distritos/", {"departamento": "06", "municipio": "99"}).content.decode()
    assert html.count("<option") == 20
    assert c.get("/catalogos/municipios/", {"departamento": "06"})["HX-Trigger-After-Swap"] == "municipios-cargados"


def test_distrito_options_need_a_session(client):
    assert client.get("/catalogos/distritos/", {"departamento": "06"}).status_code == 302
