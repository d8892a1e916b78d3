"""In Chromium: the supervisor goes from his home's approvals card to the request, sees the
document's total and opens the document; the accountant's invalidation form lists the goods that
come back. No console error, no English state word, nothing wider than the window."""

import os
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.browser_kit import Watch, assert_fits, assert_no_english_states, login

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


def _page(browser):
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204, body=""))  # not these pages' error
    return page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_supervisor_goes_from_home_to_the_request_and_the_document(browser, live_server, make_draft, parties,
                                                                       users):
    from dte.models import SpecialCase
    from dte.tests.conftest import line

    # 2 × 10.00 + 5.00 = 25.00 net, IVA 13 % 3.25: $ 28.25
    draft = make_draft("03", [line("Silla", "2", "10.00"), line("Cojín", "1", "5.00")], client=parties["taxpayer"])
    SpecialCase.objects.create(document=draft, code="credit_limit", detail="Sobre el límite", fingerprint="x",
                               state="requested", needs_approval=True, confirmed_by=draft.created_by,
                               confirmed_at=timezone.now())
    page = _page(browser)
    watcher = Watch(page)
    login(page, live_server, users["Supervisor"].username)
    card = page.locator("#approvals-card")
    assert "Aprobaciones pendientes: 1" in card.inner_text()
    assert_fits(page)
    card.locator("a").click()
    page.wait_for_url(re.compile(r".*/documentos/aprobaciones/$"))
    approval = page.locator(".approval").first
    assert approval.locator(".approval-total").inner_text() == "$ 28.25"
    assert_no_english_states(page)
    assert_fits(page)
    approval.locator(".approval-link").click()
    page.wait_for_url(re.compile(rf".*/documentos/{draft.pk}/$"))
    assert page.inner_text("#review-total") == "$ 28.25"
    assert "Silla" in page.inner_text("body")
    assert_no_english_states(page)
    assert_fits(page)
    watcher.assert_clean()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_invalidation_form_lists_the_goods_that_come_back(browser, live_server, make_draft, issuer, parties,
                                                              users, establishments):
    from dte.models import GovStatus
    from dte.services.issuing import document_issue
    from dte.tests.conftest import line
    from dte.transitions import transition
    from inventory.models import Product
    from inventory.services import stock_move

    table = Product.objects.create(code="MESA-01", description="Mesa", price=Decimal("11.30"), tracks_stock=True)
    stock_move(product=table, establishment=establishments["main"], quantity=5, reason="inicial")
    doc = document_issue(document=make_draft("01", [line("Mesa", "2", "11.30", product_id=table.pk, code="MESA-01"),
                                                    line("Instalación", "1", "5.65", item_type=2)],
                                             client=parties["consumer"]), acting_user=issuer)
    transition(doc, GovStatus.TRANSMITTING)
    transition(doc, GovStatus.SEALED, sello_recibido="2026" + "D" * 36, processed_at=timezone.now())
    page = _page(browser)
    watcher = Watch(page)
    login(page, live_server, users["Contador"].username)
    page.goto(f"{live_server.url}/documentos/{doc.pk}/invalidar/")
    goods = page.locator("#returned-goods")
    assert goods.locator("input[name=ret]").count() == 1  # the installation keeps no stock
    assert goods.locator("input[name=ret]").is_checked()
    assert goods.locator("input[name^=ret_qty_]").input_value() == "2"
    assert_no_english_states(page)
    assert_fits(page)
    watcher.assert_clean()
