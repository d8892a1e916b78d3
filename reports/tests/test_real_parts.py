"""Reports through the real parts: a large export built by a Celery worker process (PostgreSQL,
Redis) and read back; the dashboard's charts and an Excel download in Chromium."""

import datetime
import io
import os
import uuid
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.mh_helpers import until

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

D = Decimal
DAY = datetime.date(2026, 10, 14)


@pytest.fixture
def month(establishments, users):
    """Three sealed documents made directly (no transmission): Matriz 113.00 and 226.00, branch
    339.00 (CCFs: net 100 / 200 / 300 plus 13 % IVA)."""
    from dte.models import Document

    made = []
    for n, (where, net) in enumerate((("M001P001", "100.00"), ("M001P001", "200.00"), ("S001P001", "300.00")), 1):
        point = establishments["pos"][where]
        net, iva = D(net), (D(net) * D("0.13")).quantize(D("0.01"))
        made.append(Document.objects.create(
            company=point.establishment.company, establishment=point.establishment, point_of_sale=point,
            tipo_dte="03", status="sealed", issue_date=DAY, created_by=users["Vendedor"], number_year=2026,
            numero_control=f"DTE-03-{where}-{n:015d}", codigo_generacion=str(uuid.uuid4()).upper(),
            correlative=n, payload="{}", jws="a.b.c", amount_gravada=net, total_iva=iva, total_operation=net + iva,
            total_to_pay=net + iva, issued_at=datetime.datetime(2026, 10, 14, 9, n, tzinfo=datetime.UTC)))
    return made




@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_large_export_is_built_by_the_worker(month, users, client_as, celery_worker, monkeypatch):
    from reports.models import ExportJob

    monkeypatch.setattr("reports.jobs.INLINE_MAX_ROWS", 1)  # the web process hands anything longer to the worker
    browser = client_as(users["Contador"])
    response = browser.get("/reportes/ventas-establecimiento/exportar/xlsx/?desde=2026-10-01&hasta=2026-10-31")
    job = ExportJob.objects.get()
    assert response.status_code == 302 and str(job.public_id) in response["Location"]
    done = until(lambda: ExportJob.objects.filter(pk=job.pk, state__in=["done", "failed"]).first(), "exportación lista")
    assert (done.state, done.error, done.total, done.done) == ("done", "", 2, 2)
    body = b"".join(browser.get(f"/reportes/exportaciones/{job.public_id}/descargar/").streaming_content)
    rows = list(load_workbook(io.BytesIO(body), read_only=True).active.iter_rows(values_only=True))
    # Matriz: 100 + 200 = 300 net, 13 + 26 = 39 IVA, 339 total; branch 300 / 39 / 339; in all 600 / 78 / 678
    assert [r for r in rows if r[0] in ("M001", "S001")] == [("M001", "Matriz", 2, 300, 39, 339),
                                                             ("S001", "Sucursal Santa Tecla", 1, 300, 39, 339)]
    assert rows[-1] == ("Total", None, 3, 600, 78, 678)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_accountant_sees_the_charts_and_downloads_a_book(month, browser, live_server, users, tmp_path):
    page = browser.new_page(accept_downloads=True)
    try:
        page.goto(f"{live_server.url}/ingresar/")
        page.fill("input[name=username]", "contador")
        page.fill("input[name=password]", "clave-segura-123")
        page.click("button[type=submit]")
        page.wait_for_selector("#module-menu")
        page.click("#nav-dashboard a")
        page.fill("#p-desde", "2026-10-01")
        page.fill("#p-hasta", "2026-10-31")
        page.click("#period-form button")
        page.wait_for_selector("#chart-day")
        # Chart.js drew the charts: the day chart has 31 bars, the 14th with the month's 600.00
        values = page.evaluate("Chart.getChart(document.getElementById('chart-day')).data.datasets[0].data")
        assert len(values) == 31 and values[13] == 600 and sum(values) == 600
        labels = page.evaluate("Chart.getChart(document.getElementById('chart-establishment')).data.labels")
        assert labels == ["M001 · Matriz", "S001 · Sucursal Santa Tecla"]
        assert page.locator('[data-total="2"]').inner_text() == "$ 600.00"
        page.goto(f"{live_server.url}/reportes/libro-contribuyentes/?mes=2026-10")
        assert page.locator("#report-totals").inner_text().split()[-1] == "678.00"
        with page.expect_download() as info:
            page.click("#export-buttons a:has-text('Excel')")
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        assert path.name == "libro-contribuyentes-2026-10.xlsx"
        rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
        assert rows[-1][0] == "Total" and rows[-1][-1] == 678
    finally:
        page.close()
