"""The document editor in Chromium: the type-ahead answers every search (not only the first),
works as a combobox from the keyboard, focus stays where the rep works after each htmx update,
and the line editor fits a phone. Every test fails on any console error (htmx logs its own)."""

import os
import re

import pytest

from tests.browser_kit import Watch, assert_fits, assert_no_english_states, login

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# No htmx request in flight, no swap or settle under way, and no focus move the editor still owes
# (editor.js applies #editor[data-focus] after the settle, then removes it).
SETTLED = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, #editor[data-focus]')"


@pytest.fixture
def more_products(products):
    """A third product, so that two searches give different lists."""
    from clients.rules import search_text
    from inventory.models import Product

    lamp = Product.objects.create(code="LAMP-01", description="Lámpara de escritorio", price="56.50", cost="20")
    lamp.search_text = search_text(lamp.code, lamp.description)
    lamp.save(update_fields=["search_text"])
    return {**products, "lamp": lamp}


def _page(browser, live_server, username, width=1366):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    watcher = Watch(page)
    watcher.dialogs = []
    page.on("dialog", lambda dialog: (watcher.dialogs.append(dialog.message), dialog.dismiss()))
    login(page, live_server, username)  # at a laptop's width: the login helper waits for the visible menu
    page.set_viewport_size({"width": width, "height": 900})
    return page, watcher


def _start(page, live_server, tipo):
    page.goto(f"{live_server.url}/documentos/nuevo/")
    page.click(f"label[for=tipo-{tipo}]")
    page.click("text=Comenzar")
    page.wait_for_url(re.compile(r".*/documentos/\d+/editar/$"))


def _results(page, selector):
    return [t.strip() for t in page.locator(selector).all_inner_texts()]


def _active(page):
    return page.evaluate("() => document.activeElement && (document.activeElement.id || document.activeElement.tagName)")


def _wait_idle(page):
    """No htmx request running (the editor's indicator class is gone from every element)."""
    page.wait_for_function(SETTLED)


def test_type_ahead_answers_every_search_for_client_and_product(browser, live_server, issuer, parties, more_products):
    page, watcher = _page(browser, live_server, issuer.username)
    _start(page, live_server, "01")

    # Client: type, wait for the list, type something else: the list changes each time.
    for text, expected, absent in (("Ana", "Ana López", "Distribuidora"), ("Distri", "Distribuidora Central", "Ana López"),
                                   ("Ana", "Ana López", "Distribuidora")):
        page.fill("#party-q", text)
        page.wait_for_function(f"() => document.querySelector('#party-results').innerText.includes({expected!r})")
        assert absent not in page.inner_text("#party-results")
    page.locator(".party-result", has_text="Ana López").click()
    page.wait_for_selector("#party-chosen")
    assert "Ana López" in page.inner_text("#party-chosen")

    # Choose another client after the first: the search still answers.
    page.fill("#party-q", "Distri")
    page.wait_for_function("() => document.querySelector('#party-results').innerText.includes('Distribuidora')")
    page.locator(".party-result").first.click()
    page.wait_for_function("() => document.querySelector('#party-chosen').innerText.includes('Distribuidora')")
    _wait_idle(page)

    # Products: type, retype, pick; three times in a row.
    for n, (text, expected) in enumerate((("SILLA", "Silla ergonómica"), ("LAMP", "Lámpara de escritorio"),
                                          ("SERV", "Instalación")), start=1):
        page.fill("#product-q", "zzz")
        page.wait_for_function("() => document.querySelector('#product-results').innerText.includes('zzz')")
        page.fill("#product-q", text)
        page.wait_for_function(f"() => document.querySelector('#product-results').innerText.includes({expected!r})")
        assert len(_results(page, ".product-result")) == 1
        page.locator(".product-result").first.click()
        page.wait_for_function(f"() => document.querySelectorAll('#lines tr.line-row').length === {n}")
        _wait_idle(page)  # the editor settles after the pick, as a person looks before typing again
    descriptions = page.eval_on_selector_all("#lines input[name$=description]", "els => els.map(e => e.value)")
    assert descriptions == ["Silla ergonómica", "Lámpara de escritorio", "Instalación"]

    # A quantity change updates that line's amount and the total, with nothing stray under the totals.
    quantity = page.locator("#lines tr.line-row").nth(1).locator("input[name$=quantity]")
    quantity.fill("2")
    quantity.press("Tab")
    # Prices include IVA in a Factura: 113.00 + 2 × 56.50 + 50.00 = 276.00
    page.wait_for_function("() => document.querySelector('#total-pagar').innerText.includes('276.00')")
    _wait_idle(page)
    assert page.inner_text("#lines tr.line-row:nth-child(2) .line-amount").strip() == "$ 113.00"
    summary_box = page.locator("#doc-summary").locator("xpath=..")
    assert "$ 113.00$" not in summary_box.inner_text() and page.locator("[id^=amount-]").count() == 3
    watcher.assert_clean()
    assert_no_english_states(page)


def _attr(page, selector, name):
    return page.get_attribute(selector, name)


def test_combobox_keys_and_focus_after_every_update(browser, live_server, issuer, parties, more_products):
    page, watcher = _page(browser, live_server, issuer.username)
    _start(page, live_server, "01")
    assert page.evaluate("() => document.querySelector('label[for=party-q]').textContent.trim()") == "Buscar cliente"
    assert page.evaluate("() => document.querySelector('label[for=product-q]').textContent.trim()") == "Agregar producto"

    # Client from the keyboard: arrow down, Enter; focus goes on to the product search.
    page.focus("#party-q")
    page.keyboard.type("Ana")
    page.wait_for_selector("#party-results .party-result")
    assert _attr(page, "#party-q", "role") == "combobox" and _attr(page, "#party-q", "aria-expanded") == "true"
    assert _attr(page, "#party-q", "aria-controls") == "party-results" and _attr(page, "#party-results", "role") == "listbox"
    assert page.inner_text("#party-status") == "1 resultado"
    page.keyboard.press("ArrowDown")
    assert _attr(page, "#party-q", "aria-activedescendant") == "party-option-1"
    assert _attr(page, "#party-option-1", "aria-selected") == "true"
    page.keyboard.press("Enter")
    page.wait_for_selector("#party-chosen")
    _wait_idle(page)
    assert _active(page) == "product-q"
    assert "Ana López" in page.inner_text("#editor-live")

    # Escape closes the list and leaves the rep in the search.
    page.keyboard.type("LAMP")
    page.wait_for_selector("#product-results .product-result")
    page.keyboard.press("Escape")
    assert _attr(page, "#product-q", "aria-expanded") == "false" and page.is_hidden("#product-results")
    assert _active(page) == "product-q"

    # A product picked with the keyboard: focus on the new line's quantity.
    page.fill("#product-q", "")
    page.keyboard.type("SILLA")
    page.wait_for_selector("#product-results .product-result")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_selector("#line-1-quantity")
    _wait_idle(page)
    assert _active(page) == "line-1-quantity"
    assert _attr(page, "#lines tr.line-row .line-remove", "aria-label") == "Quitar línea 1: Silla ergonómica"

    # Quantity changed: the rep stays in the field he moved to while the totals update.
    page.keyboard.type("3")  # the quantity is selected: typing replaces it
    page.keyboard.press("Tab")
    page.wait_for_function("() => document.querySelector('#total-pagar').innerText.includes('339.00')")  # 3 × 113.00
    _wait_idle(page)
    assert _active(page) == "line-1-unit_price"
    page.wait_for_function("() => document.querySelector('#editor-live').textContent.includes('339.00')")
    # Enter in a field saves it; it does not submit the form (whose first button discards the draft).
    page.keyboard.press("Enter")
    _wait_idle(page)
    assert watcher.dialogs == [] and _active(page) == "line-1-unit_price"

    # A free line: focus on its description.
    page.click("#add-line")
    page.wait_for_selector("#line-2-description")
    _wait_idle(page)
    assert _active(page) == "line-2-description"
    page.keyboard.type("Flete")
    assert _attr(page, "#lines tr.line-row:nth-child(2) .line-remove", "aria-label") == "Quitar línea 2: Flete"

    # Removing the first line: the second becomes line 1 and keeps the focus nearby.
    page.click("#lines tr.line-row:nth-child(1) .line-remove")
    assert _attr(page, "#lines tr.line-row .line-remove", "aria-label") == "Quitar línea 1: Flete"
    assert page.evaluate("() => document.activeElement.classList.contains('line-remove')")
    page.wait_for_function("() => document.querySelector('#total-pagar').innerText.includes('0.00')")
    _wait_idle(page)
    watcher.assert_clean()


def _fits_lines(page):
    """The line table needs no sideways scrolling of its own, and a description shows its text."""
    info = page.evaluate("""() => {
        const table = document.querySelector('#lines');
        const box = table.parentElement;
        const description = document.querySelector('#line-1-description');
        return {table: table.scrollWidth, box: box.clientWidth, description: description.getBoundingClientRect().width,
                text: description.scrollWidth, room: description.clientWidth};
    }""")
    assert info["table"] <= info["box"] + 1, info
    return info


@pytest.mark.parametrize("width", [390, 1366])
def test_line_editor_fits_a_phone_and_a_laptop(browser, live_server, issuer, parties, more_products, width):
    page, watcher = _page(browser, live_server, issuer.username, width=width)
    _start(page, live_server, "01")
    page.fill("#product-q", "LAMP")
    page.locator(".product-result").first.click()
    page.wait_for_selector("#line-1-quantity")
    page.click("#add-line")
    page.wait_for_selector("#line-2-description")
    _wait_idle(page)
    info = _fits_lines(page)
    # The description shows its whole text, with room to spare for a longer one.
    assert info["text"] <= info["room"] and info["description"] >= 200, info
    assert_fits(page)
    watcher.assert_clean()
    assert_no_english_states(page)


def test_the_retention_documents_stack_on_a_phone(browser, live_server, issuer, parties, users):
    """The CR's table of retained documents (nine columns on a laptop) stacks each document as
    labelled fields on a phone, like the goods lines: no sideways scroll, every field reachable."""
    page, watcher = _page(browser, live_server, users["Administrador"].username, width=390)  # the rep issues no CR
    _start(page, live_server, "07")
    page.click("#add-line")
    page.wait_for_selector("#line-1-numDocumento")
    _wait_idle(page)
    info = page.evaluate("""() => {
        const table = document.querySelector('#lines');
        return {table: table.scrollWidth, box: table.parentElement.clientWidth};
    }""")
    assert info["table"] <= info["box"] + 1, info
    labels = page.locator("#lines tr.line-row td[data-label]").evaluate_all(
        "els => els.map(e => getComputedStyle(e, '::before').content.replace(/\"/g, ''))")
    assert labels[:3] == ["Tipo", "Generación", "Número o código"] and labels[-1] == "IVA retenido", labels
    for field in ("tipoDte", "numDocumento", "fechaEmision", "montoSujetoGrav", "ivaRetenido"):
        assert page.locator(f"#line-1-{field}").is_visible(), field
    assert_fits(page)
    watcher.assert_clean()


def test_factura_above_the_threshold_with_a_buyer_typed_in_the_editor(browser, live_server, issuer, parties,
                                                                      more_products, settings):
    from dte import jsonio
    from dte.models import Document

    settings.DTE_FACTURA_ID_THRESHOLD = "1095.00"
    page, watcher = _page(browser, live_server, issuer.username)
    _start(page, live_server, "01")
    page.fill("#product-q", "LAMP")
    page.locator(".product-result").first.click()
    page.wait_for_selector("#line-1-quantity")
    page.fill("#line-1-quantity", "20")
    page.press("#line-1-quantity", "Tab")
    # 20 × 56.50 = 1,130.00 (IVA included) ≥ 1,095.00: the editor asks for the buyer.
    page.wait_for_selector("#needs-buyer")
    page.wait_for_function("() => document.querySelector('#editor-live').textContent.includes('comprador')")
    page.select_option("#party-id_type", "13")
    page.fill("#party-id_number", "04567891-2")
    page.fill("#party-name", "Juan Pérez")
    page.press("#party-name", "Tab")
    page.wait_for_selector("#needs-buyer", state="detached")
    _wait_idle(page)
    page.click("#continue")
    page.wait_for_url(re.compile(r".*/confirmar/$"))
    assert page.locator("#problems").count() == 0 and page.locator("#issue").is_enabled()
    page.click("#issue")
    page.wait_for_url(re.compile(r".*/documentos/\d+/$"))
    doc = Document.objects.get(tipo_dte="01")
    receptor = jsonio.loads(doc.payload)["receptor"]
    assert (receptor["tipoDocumento"], receptor["numDocumento"], receptor["nombre"]) == ("13", "04567891-2", "Juan Pérez")
    watcher.assert_clean()
