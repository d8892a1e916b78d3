"""The dashboard's charts in Chromium: an empty period says "Sin datos" instead of drawing empty
axes, and a doughnut with one slice is a whole ring (no border seam, offset or spacing)."""

import datetime
import os
import uuid
from decimal import Decimal

import pytest

from tests.browser_kit import Watch, assert_fits, assert_no_english_states, login

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

D = Decimal
DAY = datetime.date(2026, 10, 14)
PERIOD = "?desde=2026-10-01&hasta=2026-10-31"


def assert_scroll_regions(page):
    """Every sideways scroll box on the page is reachable by keyboard and named (axe's
    scrollable-region-focusable)."""
    boxes = page.evaluate("""() => [...document.querySelectorAll('.table-responsive')].map(el => ({
        tab: el.tabIndex, role: el.getAttribute('role'), label: (el.getAttribute('aria-label') || '').trim()}))""")
    assert boxes and all(b["tab"] == 0 and b["role"] == "region" and b["label"] for b in boxes), boxes


def _page(browser):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    return page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_empty_dashboard_says_sin_datos_and_draws_no_chart(browser, live_server, users, establishments):
    page = _page(browser)
    watcher = Watch(page)
    try:
        login(page, live_server, "contador")
        page.goto(f"{live_server.url}/reportes/tablero/{PERIOD}")
        page.wait_for_selector("#totals")
        assert page.locator("canvas").count() == 0
        empty = page.locator("[data-empty-chart]")
        assert sorted(empty.evaluate_all("els => els.map(e => e.dataset.emptyChart)")) == [
            "day", "establishment", "rep", "type"]
        assert all("Sin datos" in text for text in empty.all_inner_texts())
        assert_fits(page)
        assert_no_english_states(page)
        watcher.assert_clean()
    finally:
        page.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_one_slice_doughnut_is_a_whole_ring(browser, live_server, users, establishments):
    """Two CCFs (type 03) in October: the by-type doughnut has one slice, the day chart two bars."""
    from dte.models import Document

    point = establishments["pos"]["M001P001"]
    for n, net in enumerate((D("100.00"), D("200.00")), 1):
        iva = (net * D("0.13")).quantize(D("0.01"))
        Document.objects.create(
            company=point.establishment.company, establishment=point.establishment, point_of_sale=point,
            tipo_dte="03", status="sealed", issue_date=DAY, created_by=users["Vendedor"], number_year=2026,
            numero_control=f"DTE-03-M001P001-{n:015d}", codigo_generacion=str(uuid.uuid4()).upper(), correlative=n,
            payload="{}", jws="a.b.c", amount_gravada=net, total_iva=iva, total_operation=net + iva,
            total_to_pay=net + iva, issued_at=datetime.datetime(2026, 10, 14, 9, n, tzinfo=datetime.UTC))
    page = _page(browser)
    watcher = Watch(page)
    try:
        login(page, live_server, "contador")
        page.goto(f"{live_server.url}/reportes/tablero/{PERIOD}")
        page.wait_for_selector("#chart-type")
        assert page.locator("[data-empty-chart]").count() == 0
        ring = page.evaluate("""() => {
            const chart = Chart.getChart(document.getElementById('chart-type'));
            const arc = chart.getDatasetMeta(0).data[0];
            const end = arc.getProps(['startAngle', 'endAngle'], true);  // where the animation ends
            return {values: chart.data.datasets[0].data, borderWidth: arc.options.borderWidth, offset: arc.options.offset,
                    spacing: arc.options.spacing,
                    sweep: end.endAngle - end.startAngle};
        }""")
        assert ring["values"] == [300]  # 100 + 200 net
        assert (ring["borderWidth"], ring["offset"], ring["spacing"]) == (0, 0, 0)
        assert abs(ring["sweep"] - 2 * 3.141592653589793) < 1e-6  # the whole circle
        assert_scroll_regions(page)
        labels = page.locator(".table-responsive").evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
        assert labels == ["Por estado ante MH", "Por estado interno"]
        days = page.evaluate("Chart.getChart(document.getElementById('chart-day')).data.datasets[0].data")
        assert len(days) == 31 and days[13] == 300
        watcher.assert_clean()
    finally:
        page.close()
