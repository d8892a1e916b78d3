"""Each role walks its main path in Chromium, against the real pieces (govsim over HTTP, a Celery
worker on Redis, PostgreSQL). On every page the walk stops at, it fails on:

- any console error or uncaught exception (htmx reports its failed swaps there);
- an internal English state word on the Spanish page;
- anything wider than the window, at 1366 px and at 390 px (a phone);
- a serious or critical WCAG 2.1 A/AA violation found by axe-core, at both widths.
"""

import os
import re
import time

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

from conftest import govsim_schema_dirs  # noqa: E402
from tests.browser_kit import Watch, assert_axe, assert_fits, assert_no_english_states, login  # noqa: E402

WIDE, PHONE = 1366, 390
# One schema set is enough to walk the pages (the pipeline tests run both).
ONE_SCHEMA_SET = pytest.mark.parametrize("govsim", list(govsim_schema_dirs())[:1], indirect=True)
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Walker:
    """A logged-in page and what it checks at each stop."""

    def __init__(self, browser, live_server, user):
        self.base = live_server.url
        self.context = browser.new_context(viewport={"width": WIDE, "height": 900})
        self.page = self.context.new_page()
        self.watch = Watch(self.page)
        self.page.on("dialog", lambda dialog: dialog.accept())  # "¿Invalidar…?" confirmations
        login(self.page, live_server, user.username)
        self.stops, self.failures = [], []

    def go(self, path):
        response = self.page.goto(f"{self.base}{path}")
        assert response.status == 200, f"{path}: {response.status}"
        return self.check()

    def check(self):
        """Every check at this stop. A failed check is recorded and the walk goes on, so that one
        run lists every problem on the path; close() fails the test if there was any."""
        page = self.page
        page.wait_for_load_state("networkidle")
        self.stops.append(page.url)
        self._soft(self.watch.assert_clean)
        self.watch.errors.clear()  # reported once, at the stop where they happened
        self._soft(assert_no_english_states, page)
        for width in (WIDE, PHONE):
            page.set_viewport_size({"width": width, "height": 900})
            self._soft(assert_fits, page, label=f"{width} px")
            self._soft(assert_axe, page, label=f"{width} px")
        page.set_viewport_size({"width": WIDE, "height": 900})
        return page

    def _soft(self, check, *args, label=""):
        try:
            check(*args)
        except AssertionError as exc:
            self.failures.append(f"[{self.page.url}{' · ' + label if label else ''}] {exc}")

    def close(self):
        self._soft(self.watch.assert_clean)
        self.context.close()
        if self.failures:
            pytest.fail(f"{len(self.failures)} problemas en el camino:\n\n" + "\n\n".join(self.failures), pytrace=False)


# No htmx request in flight, no swap or settle under way, and no focus move the editor still owes
# (editor.js applies #editor[data-focus] after the settle, then removes it).
SETTLED = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, #editor[data-focus]')"


@pytest.fixture
def walker(browser, live_server):
    made = []

    def make(user):
        w = Walker(browser, live_server, user)
        made.append(w)
        return w

    yield make
    for w in made:
        w.context.close()


def _until(check, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"no llegó: {what}")


def _sealed(doc):
    from dte.models import Document, GovStatus

    return _until(lambda: Document.objects.filter(pk=doc.pk, status=GovStatus.SEALED).first(), "el sello de MH")


# ------------------------------------------------------------------------------------------ rep


def _settled(page):
    """What a person does between keystrokes and clicks: look at the screen until it stops moving.
    The searches wait 250 ms after the last key before asking; then no htmx request is in flight
    (a pick's editor swap or a late search answer would otherwise land after the next step)."""
    page.wait_for_timeout(300)
    page.wait_for_function(SETTLED)


def _search_client(page, *typed):
    """Type the search the way a person does (a first try, then more letters), pick the first."""
    for text in typed:
        page.fill("#party-q", text)
        _settled(page)
        page.locator(".party-result").first.wait_for()
    page.locator(".party-result").first.click()
    page.wait_for_selector("#party-chosen")
    _settled(page)


def _add_product(page, *typed):
    for text in typed:
        page.fill("#product-q", text)
        _settled(page)
        page.locator(".product-result").first.wait_for()
    first = page.locator(".product-result").first
    code = first.locator(".font-monospace").inner_text().strip()
    first.click()
    # The editor comes back with a line carrying the product's code.
    page.wait_for_function(
        "(code) => [...document.querySelectorAll('#lines tbody input')].some(i => i.value === code)", arg=code)
    _settled(page)


def _issue_from_editor(w, tipo, clients, products):
    page = w.page
    w.go("/documentos/nuevo/")
    page.click(f"label[for=tipo-{tipo}]")
    page.click("text=Comenzar")
    page.wait_for_url(re.compile(r".*/documentos/\d+/editar/$"))
    w.check()
    _search_client(page, *clients)
    for typed in products:
        _add_product(page, *typed)
    w.check()
    page.click("#continue")
    page.wait_for_url(re.compile(r".*/confirmar/$"))
    w.check()
    for case in page.locator("[class*=case-] button[value=confirm]").all():
        case.click()
    page.wait_for_function("!document.querySelector('#issue').disabled")
    page.click("#issue")
    page.wait_for_url(re.compile(r".*/documentos/\d+/$"))
    # The page follows the document by itself (polling) until MH's seal arrives.
    page.wait_for_selector("#doc-status .status-badge[data-status=sealed]", timeout=90_000)
    assert len(page.inner_text("#sello").strip()) >= 40
    w.check()
    return int(re.search(r"/documentos/(\d+)/$", page.url).group(1))


@ONE_SCHEMA_SET
def test_rep_issues_a_factura_and_a_ccf_sees_the_seal_and_opens_the_pdf(walker, wired, issuer, parties, products):
    from dte.models import Document

    w = walker(issuer)
    w.go("/")
    factura = _issue_from_editor(w, "01", clients=("Ana", "Ana Ló"), products=[("SIL",), ("Instal",)])
    ccf = _issue_from_editor(w, "03", clients=("Distri", "Central"), products=[("SERV",), ("Insta", "Instalación")])
    assert Document.objects.get(pk=factura).tipo_dte == "01"
    assert Document.objects.get(pk=ccf).tipo_dte == "03"

    # The PDF: printed by the worker once sealed; the link waits for it (the page refreshes) and
    # then downloads it.
    page = w.page
    with page.expect_download(timeout=90_000) as download:
        page.click("#download-pdf")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    w.go("/documentos/")
    assert page.locator("#document-rows tr[data-doc] .status-badge[data-status=sealed]").count() == 2
    w.close()


# ----------------------------------------------------------------------------------- accountant


@ONE_SCHEMA_SET
def test_accountant_invalidates_a_document_and_opens_the_books(walker, wired, issuer, users, make_draft, parties,
                                                               products, establishments, tmp_path):
    from django.db.models import Sum

    from dte.models import Document, GovStatus
    from dte.services.issuing import document_issue
    from dte.tests.conftest import line
    from inventory.models import Stock
    from inventory.services import stock_move

    chair = products["chair"]
    stock_move(product=chair, establishment=establishments["main"], quantity=10, reason="Inventario inicial",
               acting_user=users["Administrador"])

    def in_stock():
        return Stock.objects.filter(product=chair).aggregate(q=Sum("quantity"))["q"]

    doc = _sealed(document_issue(document=make_draft(
        "01", [line("Silla ergonómica", "2", "113.00", product_id=chair.pk, code=chair.code),
               line("Servicio", "1", "11.30")], client=parties["consumer"]), acting_user=issuer))
    assert in_stock() == 8  # 10 - 2 sold
    w = walker(users["Contador"])
    page = w.go("/")
    w.go("/documentos/")
    page.click(f"tr[data-doc='{doc.pk}'] a")
    page.wait_for_url(re.compile(rf".*/documentos/{doc.pk}/$"))
    w.check()
    page.click(f"a[href$='/documentos/{doc.pk}/invalidar/']")
    page.wait_for_url(re.compile(r".*/invalidar/$"))
    w.check()
    page.check("#tipo-2")  # rescind the operation: no replacement document (CAT-024)
    page.fill("#id_reason", "El cliente devolvió la mercadería")
    page.fill("#id_resp_name", "Carlos Contador")
    page.select_option("#id_resp_type", "13")
    page.fill("#id_resp_number", "00016297-5")
    page.fill("#id_req_name", "Ana López")
    page.select_option("#id_req_type", "13")
    page.fill("#id_req_number", "00016297-5")
    page.click("form button.btn-danger")
    page.wait_for_url(re.compile(rf".*/documentos/{doc.pk}/$"))
    page.wait_for_selector("#doc-status .status-badge[data-status=invalidated]", timeout=90_000)
    assert Document.objects.get(pk=doc.pk).status == GovStatus.INVALIDATED
    assert in_stock() == 10  # the two chairs came back (the form offers the sold goods, all ticked)
    w.check()

    w.go("/reportes/")
    page.click("a[href$='/reportes/libro-consumidor-final/']")
    page.wait_for_url(re.compile(r".*/reportes/libro-consumidor-final/.*"))
    w.check()
    w.go("/reportes/libro-contribuyentes/")
    w.go("/cobros/")

    # Payments received, from a spreadsheet with one bad row: the error report comes back with
    # every row, is mended in place and uploaded again; nothing is lost.
    _upload_payments_and_mend_the_report(w, tmp_path)
    w.close()


def _upload_payments_and_mend_the_report(w, tmp_path):
    from openpyxl import Workbook, load_workbook

    from bulk.registry import get_spec

    page = w.page
    header = [c.header for c in get_spec("pagos").columns]
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for method in ("05", "9"):  # "9" is no CAT-017 code
        row = {"cliente": "0614-280390-112-1", "fecha": "2026-12-01", "monto": 25, "forma_pago": method,
               "referencia": f"Depósito {method}"}
        sheet.append([row.get(h) for h in header])
    first = tmp_path / "pagos.xlsx"
    book.save(first)
    w.go("/cargas/pagos/")
    page.set_input_files("input[name=file]", str(first))
    page.click("form button.btn-primary")
    page.wait_for_url(re.compile(r".*/cargas/pagos/[0-9a-f-]+/$"))
    page.wait_for_selector("#error-report-link", timeout=60_000)
    w.check()
    with page.expect_download() as download:
        page.click("#error-report-link")
    report = tmp_path / "pagos-errores.xlsx"
    download.value.save_as(report)
    book = load_workbook(report)
    sheet = book.active
    names = [c.value for c in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == 2  # every row, the good one too
    flagged = [r for r in rows if r[names.index("errores")].value]
    assert len(flagged) == 1
    flagged[0][names.index("forma_pago")].value = "01"
    book.save(report)
    w.go("/cargas/pagos/")
    page.set_input_files("input[name=file]", str(report))
    page.click("form button.btn-primary")
    page.wait_for_url(re.compile(r".*/cargas/pagos/[0-9a-f-]+/$"))
    page.wait_for_selector("#job-status[data-status=validated]", timeout=60_000)
    assert not page.locator("#error-report-link").count()
    w.check()


# ---------------------------------------------------------------------------------------- admin


def test_admin_reads_the_role_configuration_and_the_audit_log(walker, users, establishments):
    w = walker(users["Administrador"])
    page = w.go("/")
    page.click("#module-menu [data-module=configuracion] a")
    page.wait_for_selector("#role-matrix")
    w.check()
    assert "Vendedor" in page.inner_text("#role-matrix")
    w.go("/configuracion/bitacora/")
    w.close()


# ----------------------------------------------------------------------- supervisor and auditor


def _clients_file(tmp_path):
    from bulk.tests.helpers import consumer_row, csv_bytes, dui

    path = tmp_path / "clientes.csv"
    path.write_bytes(csv_bytes([consumer_row(dui(n), f"Cliente de prueba {n}") for n in (101, 102, 103)]))
    return path


def test_supervisor_walks_home_lists_and_uploads_a_clients_file(walker, users, issuer, make_draft, parties,
                                                               celery_worker, tmp_path):
    from dte.tests.conftest import line

    make_draft("01", [line("A", "1", "1.13")], client=parties["consumer"])
    w = walker(users["Supervisor"])
    page = w.go("/")
    for path in ("/documentos/", "/documentos/aprobaciones/", "/contingencia/", "/clientes/", "/inventario/",
                 "/reportes/", "/reportes/tablero/"):
        w.go(path)
    w.go("/cargas/clientes/")
    page.set_input_files("input[name=file]", str(_clients_file(tmp_path)))
    page.click("form button.btn-primary")
    page.wait_for_url(re.compile(r".*/cargas/clientes/[0-9a-f-]+/$"))
    page.wait_for_selector("#job-status[data-status=validated]", timeout=60_000)
    assert page.inner_text("#job-counts [data-count=new]").strip() == "3"
    w.check()
    w.close()


def test_auditor_walks_home_and_the_main_lists(walker, users, issuer, make_draft, parties):
    from dte.services.issuing import document_issue
    from dte.tests.conftest import line

    doc = document_issue(document=make_draft("01", [line("A", "1", "1.13")], client=parties["consumer"]), acting_user=issuer)
    w = walker(users["Auditor"])
    w.go("/")
    for path in ("/documentos/", f"/documentos/{doc.pk}/", "/clientes/", f"/clientes/{parties['consumer'].pk}/",
                 "/inventario/", "/cobros/", "/reportes/", "/contingencia/", "/configuracion/",
                 "/configuracion/bitacora/"):
        w.go(path)
    w.close()
