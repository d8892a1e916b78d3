"""Matching in Chromium: the accountant opens an account's matching page, sees the proposals the
imported statement produced, accepts them in bulk, undoes one, and matches a fee by hand. Fails
on any console error, English state word, or anything wider than the window."""

import os

import pytest

from tests.browser_kit import Watch, assert_axe, assert_fits, assert_no_english_states, login

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_accept_in_bulk_undo_and_match_by_hand(browser, live_server, users, company):
    from reconciliation import services
    from reconciliation.models import Adjustment, Match
    from reconciliation.tests.helpers import account_for, client, csv_file, day, pay

    user = users["Contador"]
    account = account_for(company)
    acme = client()
    pay(acme, user, "110.00", day(2), "DEP-1001")
    pay(acme, user, "120.00", day(3), "DEP-1002")
    fee_paid = pay(acme, user, "100.00", day(4), "")
    statement = services.statement_review(account=account, acting_user=user, upload=csv_file([
        ("2026-11-02", "110.00", "DEP-1001", "DEPOSITO"), ("2026-11-03", "120.00", "DEP-1002", "DEPOSITO"),
        ("2026-11-05", "97.50", "", "ABONO POS")]))
    services.statement_apply(statement=statement, acting_user=user)

    page = browser.new_page(viewport={"width": 1366, "height": 900})
    watcher = Watch(page)
    login(page, live_server, "contador")
    page.click("#module-menu [data-entry=reconciliation-accounts] a")
    page.click(f"tr[data-account='{account.pk}'] a.btn")
    page.wait_for_selector("#proposed-table")
    assert page.locator("#proposed-table tbody tr").count() == 2
    assert_no_english_states(page)
    assert_fits(page)
    assert_axe(page)
    page.check("#select-all")
    page.click("#accept-selected")
    page.wait_for_selector("#no-proposals")
    assert page.locator("#accepted-table tbody tr[data-match]").count() == 2
    assert set(Match.objects.values_list("state", flat=True)) == {"accepted"}

    first = Match.objects.order_by("pk").first()
    page.click(f"#accepted-table tr[data-match='{first.pk}'] button.undo")
    page.wait_for_selector(f"#undone-table tr[data-match='{first.pk}']")
    assert page.locator("#accepted-table tbody tr[data-match]").count() == 1
    page.click(f"#undone-table tr[data-match='{first.pk}'] button.redo")
    page.wait_for_selector(f"#accepted-table tr[data-match='{first.pk}']")

    # The 97.50 deposit is the 100.00 sale less a 2.50 card fee: matched by hand with the fee.
    page.check("#free-lines input[name=lines]")
    page.check(f"#free-payments tr[data-payment='{fee_paid.pk}'] input")
    page.select_option("#kind", "fee")
    page.fill("#adjustment", "2.50")
    page.click("#manual-match")
    page.wait_for_selector("#free-lines td.text-muted")
    assert [(k, str(a)) for k, a in Adjustment.objects.values_list("kind", "amount")] == [("fee", "2.50")]
    assert Match.objects.filter(state="accepted").count() == 3
    assert_no_english_states(page)
    # The account's and a period's pages too.
    page.goto(f"{live_server.url}/conciliacion/cuentas/{account.pk}/")
    page.fill("#id_start", "2026-11-01")
    page.fill("#id_end", "2026-11-30")
    page.click("#period-form button")
    page.wait_for_selector("#figures")
    assert page.locator("#difference").inner_text().strip() == "$ 0.00"  # 327.50 = 330.00 − 2.50 of fee
    assert_no_english_states(page)
    assert_fits(page)
    assert_axe(page)
    page.click("#close-form button")
    page.wait_for_selector("#reopen-form")
    assert page.locator("#period-state").inner_text().strip() == "Cerrado"
    watcher.assert_clean()
