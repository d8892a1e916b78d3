"""Special cases before issuing: found, confirmed by the rep or approved by a supervisor (per
role), asked again when the document changes, and recorded on the issued document."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dte.models import CaseState
from dte.services.cases import case_confirm, case_decide, case_request_approval, cases_refresh
from dte.services.drafts import draft_save
from dte.services.issuing import IssueError, document_issue
from dte.tests.conftest import line

pytestmark = pytest.mark.django_db


def _codes(cases):
    return sorted(c.code for c in cases)


def test_credit_limit_needs_a_supervisor_for_a_sales_rep(make_draft, issuer, parties, users):
    client = parties["taxpayer"]  # credit limit 1000.00
    first = make_draft("03", [line("Mercadería", "1", "800.00")], client=client, condition=2, payment_term_days=30)
    assert _codes(cases_refresh(document=first, acting_user=issuer)) == []  # 800 + 13 % = 904.00 ≤ 1000
    document_issue(document=first, acting_user=issuer)
    second = make_draft("03", [line("Mercadería", "1", "100.00")], client=client, condition=2, payment_term_days=30)
    cases = cases_refresh(document=second, acting_user=issuer)
    assert _codes(cases) == ["credit_limit"]
    case = cases[0]
    # owed 904.00 + 113.00 = 1017.00 > 1000.00
    assert "$ 904.00" in case.detail and "$ 1,017.00" in case.detail and case.needs_approval
    with pytest.raises(PermissionDenied):
        case_confirm(case=case, acting_user=issuer)  # the Vendedor role may not confirm it alone
    with pytest.raises(IssueError, match="límite de crédito"):
        document_issue(document=second, acting_user=issuer)
    case_request_approval(case=case, acting_user=issuer)
    with pytest.raises(PermissionDenied):
        case_decide(case=case, acting_user=issuer, approve=True, reason="yo mismo")
    with pytest.raises(ValidationError):
        case_decide(case=case, acting_user=users["Supervisor"], approve=True, reason="  ")
    case_decide(case=case, acting_user=users["Supervisor"], approve=True, reason="Cliente con pago en camino")
    case.refresh_from_db()
    assert (case.state, case.decided_by, case.reason) == (CaseState.APPROVED, users["Supervisor"],
                                                          "Cliente con pago en camino")
    doc = document_issue(document=second, acting_user=issuer)
    record = doc.confirmations[0]
    assert record["code"] == "credit_limit" and record["decided_by"] == users["Supervisor"].pk


def test_a_refused_case_blocks_and_can_be_asked_again(make_draft, issuer, parties, users, products):
    draft = make_draft("01", [line("Silla", "1", "50.00", product_id=products["chair"].pk)])  # cost 60
    case = cases_refresh(document=draft, acting_user=issuer)[0]
    assert case.code == "below_cost" and case.needs_approval
    case_request_approval(case=case, acting_user=issuer)
    case_decide(case=case, acting_user=users["Supervisor"], approve=False, reason="Precio no autorizado")
    with pytest.raises(IssueError):
        document_issue(document=draft, acting_user=issuer)
    case_request_approval(case=case, acting_user=issuer)
    case.refresh_from_db()
    assert case.state == CaseState.REQUESTED


def test_below_cost_compares_the_net_price(make_draft, issuer, products):
    # A Factura's 67.80 includes IVA: 67.80 / 1.13 = 60.00, exactly the cost: not below.
    at_cost = make_draft("01", [line("Silla", "1", "67.80", product_id=products["chair"].pk)])
    assert _codes(cases_refresh(document=at_cost, acting_user=issuer)) == ["negative_stock"]
    # 67.79 / 1.13 = 59.99 < 60.00
    below = make_draft("01", [line("Silla", "1", "67.79", product_id=products["chair"].pk)])
    assert "below_cost" in _codes(cases_refresh(document=below, acting_user=issuer))


def test_a_confirmed_case_is_asked_again_when_the_document_changes(make_draft, issuer, products, establishments):
    from inventory.services import stock_move

    stock_move(product=products["chair"], establishment=establishments["main"], quantity=2, reason="inicial")
    lines = [line("Silla", "3", "113.00", product_id=products["chair"].pk)]
    draft = make_draft("01", lines)
    case = cases_refresh(document=draft, acting_user=issuer)[0]
    assert case.code == "negative_stock" and not case.needs_approval and "hay 2" in case.detail
    case_confirm(case=case, acting_user=issuer)
    lines[0]["quantity"] = Decimal("5")
    draft = draft_save(acting_user=issuer, document=draft, data={}, lines=lines)
    case = cases_refresh(document=draft, acting_user=issuer)[0]
    assert case.state == CaseState.OPEN  # what was confirmed is not what would be issued
    case_confirm(case=case, acting_user=issuer)
    document_issue(document=draft, acting_user=issuer)
    from inventory.models import Stock

    assert Stock.objects.get(product=products["chair"]).quantity == Decimal("-3")


def test_negative_stock_is_refused_when_the_setting_forbids_it(make_draft, issuer, products, settings):
    settings.ALLOW_NEGATIVE_STOCK = False
    draft = make_draft("01", [line("Silla", "1", "113.00", product_id=products["chair"].pk)])
    with pytest.raises(IssueError, match="hay 0"):
        document_issue(document=draft, acting_user=issuer)


def test_retention_other_date_and_large_amount(make_draft, issuer, parties, settings):
    import datetime

    from django.utils import timezone

    settings.DTE_LARGE_AMOUNT_THRESHOLD = "500.00"
    draft = make_draft("03", [line("Equipo", "1", "1000.00")], client=parties["large"],
                       issue_date=timezone.localdate() - datetime.timedelta(days=1))
    cases = {c.code: c for c in cases_refresh(document=draft, acting_user=issuer)}
    assert sorted(cases) == ["large_amount", "other_date", "retention"]
    # A large buyer withholds 1 % of 1000.00 = 10.00
    assert "10.00" in cases["retention"].detail and not cases["retention"].needs_approval
    assert cases["large_amount"].needs_approval
