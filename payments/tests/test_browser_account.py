"""A client's account in Chromium at 1366 px (a common laptop): the credit documents table shows
every column, Pendiente and Estado included, without scrolling sideways."""

import datetime
import os
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.browser_kit import Watch, assert_fits, assert_no_english_states, login

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

D = Decimal


def assert_scroll_regions(page):
    """Every sideways scroll box on the page is reachable by keyboard and named (axe's
    scrollable-region-focusable)."""
    boxes = page.evaluate("""() => [...document.querySelectorAll('.table-responsive')].map(el => ({
        tab: el.tabIndex, role: el.getAttribute('role'), label: (el.getAttribute('aria-label') || '').trim()}))""")
    assert boxes and all(b["tab"] == 0 and b["role"] == "region" and b["label"] for b in boxes), boxes


@pytest.fixture
def account(establishments, users):
    """A client with three CCFs on credit (large amounts, the widest the cells get): 130, 40 and
    2 days old on 30 days' term, the second partly paid."""
    from clients.models import Client
    from dte.models import Document
    from payments.models import Application, Payment

    client = Client.objects.create(kind="contribuyente", id_type="36", id_number="06140101900018", nrc="1234567",
                                   name="Distribuidora Centroamericana de Materiales de Construcción, S.A. de C.V.",
                                   credit_limit=D("50000.00"), payment_term_days=30)
    point = establishments["pos"]["M001P001"]
    today = timezone.localdate()
    docs = []
    for n, (days_ago, net) in enumerate(((130, "123456.78"), (40, "98765.43"), (2, "45678.90")), 1):
        net = D(net)
        total = net + (net * D("0.13")).quantize(D("0.01"))
        docs.append(Document.objects.create(
            company=point.establishment.company, establishment=point.establishment, point_of_sale=point,
            client=client, tipo_dte="03", condition=2, payment_term_days=30, status="sealed",
            issue_date=today - datetime.timedelta(days=days_ago), created_by=users["Vendedor"], number_year=today.year,
            numero_control=f"DTE-03-M001P001-{n:015d}", codigo_generacion=str(uuid.uuid4()).upper(), correlative=n,
            payload="{}", jws="a.b.c", amount_gravada=net, total_iva=total - net, total_operation=total,
            total_to_pay=total))
    payment = Payment.objects.create(client=client, date=today, amount=D("10000.00"), method="01",
                                     created_by=users["Contador"])
    Application.objects.create(payment=payment, document=docs[1], amount=D("10000.00"))
    return client


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_account_table_fits_at_1366(browser, live_server, users, account):
    page = browser.new_page(viewport={"width": 1366, "height": 800})
    watcher = Watch(page)
    try:
        login(page, live_server, "contador")  # sees the account and the payment form beside it
        page.goto(f"{live_server.url}/cobros/clientes/{account.pk}/")
        page.wait_for_selector("#credit-docs")
        assert page.locator("#payment-form").is_visible()
        assert_fits(page)
        # nothing of the table hidden in its scroll box: its last columns are in view
        box = page.evaluate("""() => {
            const table = document.getElementById('credit-docs');
            const scroller = table.closest('.table-responsive');
            const heads = [...table.querySelectorAll('thead th')].map(th => th.getBoundingClientRect().right);
            return {table: table.scrollWidth, scroller: scroller.clientWidth,
                    right: scroller.getBoundingClientRect().right, lastHead: Math.max(...heads)};
        }""")
        assert box["table"] <= box["scroller"] + 1, box
        assert box["lastHead"] <= box["right"] + 1, box
        for header in ("Pendiente", "Estado"):
            assert page.locator(f"#credit-docs thead th:has-text('{header}')").is_visible()
        # 130 and 40 days old on 30 days' term: 100 and 10 days late (the second partly paid, still late)
        late = page.locator("#credit-docs tr[data-status=overdue]").all_inner_texts()
        assert len(late) == 2 and "100 días" in late[0] and "10 días" in late[1]
        assert_no_english_states(page)
        assert_scroll_regions(page)
        assert page.locator("#credit-docs").locator("xpath=..").get_attribute("aria-label") == "Ventas al crédito"
        watcher.assert_clean()
    finally:
        page.close()
