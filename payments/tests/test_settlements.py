"""Gateway settlements (issue 21) against a real paysim over HTTP: orders paid through n1co and
PayPal with the real adapters, the gateway's settlement report fetched (and uploaded), every line
matched to our captures and refunds; paysim's settlement faults make a report with one line
missing, one extra and one amount different, and exactly those are flagged.

Fees are paysim's (paysim/settlements.py): n1co 3.50 % + $0.25, PayPal 5.40 % + $0.30 per charge,
rounded half up to the cent, none on refunds. Payout = transaction day + 2 (n1co), + 1 (PayPal).
Orders: the consumer's Factura prices include IVA, so n × "Instalación" ($50.00) is n × $50.00."""

import datetime
from decimal import Decimal

import httpx
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from orders import services as orders
from orders.models import OpState
from orders.tests.conftest import make_order, stocked  # noqa: F401 - fixtures
from payments.models import LineStatus, Settlement, SettlementLine
from payments.settlements import settlement_fetch, settlement_upload

pytestmark = pytest.mark.django_db
D = Decimal


def _account(paysim, company, gateway):
    from payments.models import GatewayAccount

    suffix = f"{gateway}-{timezone.now().timestamp():.6f}"  # paysim lives for the session: a fresh merchant
    creds = {"client_id": f"app-{suffix}", "client_secret": f"secreto-{suffix}", "webhook_secret": "whsec", "webhook_id": "WH-1"}
    r = httpx.post(f"{paysim}/_paysim/merchants", json={"gateway": gateway, **creds})
    assert r.status_code == 201, r.text
    account = GatewayAccount(company=company, gateway=gateway, base_url=f"{paysim}/{gateway}")
    account.set_credentials(creds)
    account.save()
    return account, creds


@pytest.fixture
def clean_faults(paysim):
    httpx.delete(f"{paysim}/_paysim/faults")
    yield paysim
    httpx.delete(f"{paysim}/_paysim/faults")


@pytest.fixture
def n1co_sales(clean_faults, company, make_order, parties, stocked):  # noqa: F811 - fixtures imported above
    """Three orders of 1, 2 and 3 installations ($50, $100, $150) paid by card through n1co."""
    paysim = clean_faults
    account, creds = _account(paysim, company, "n1co")
    ops = []
    for n in (1, 2, 3):
        order = make_order(parties["consumer"], [{"product": stocked["service"], "quantity": D(n)}])
        assert order.total == D(50 * n)
        card = httpx.post(
            f"{paysim}/_paysim/cards", json={"gateway": "n1co", "client_id": creds["client_id"], "number": "4000056655665556"}
        ).json()
        op = orders.order_pay_start(order=order, gateway="n1co", payment_token=card["id"])
        assert op.state == OpState.SUCCEEDED, op.message
        ops.append(op)
    return paysim, account, ops


def _payout(days):
    return timezone.localdate() + datetime.timedelta(days=days)


def test_settlement_with_fees_matches_every_charge_and_nets_to_the_cent(n1co_sales, users):
    paysim, account, ops = n1co_sales
    settlement, created = settlement_fetch(account=account, payout_date=_payout(2), acting_user=users["Contador"])
    assert created
    # by hand: 50.00 → 1.75 + 0.25 = 2.00; 100.00 → 3.50 + 0.25 = 3.75; 150.00 → 5.25 + 0.25 = 5.50
    lines = list(settlement.lines.order_by("position"))
    assert [(ln.gross, ln.fee, ln.net) for ln in lines] == [
        (D("50.00"), D("2.00"), D("48.00")),
        (D("100.00"), D("3.75"), D("96.25")),
        (D("150.00"), D("5.50"), D("144.50")),
    ]
    assert all(ln.gross - ln.fee == ln.net for ln in lines)
    assert (settlement.gross, settlement.fee, settlement.net) == (D("300.00"), D("11.25"), D("288.75"))
    assert [ln.status for ln in lines] == [LineStatus.MATCHED] * 3
    assert [ln.our_key for ln in lines] == [f"op:{op.pk}" for op in ops]
    assert settlement.differences == 0
    assert settlement.period_start == timezone.localdate() and settlement.payout_date == _payout(2)
    from core.models import AuditEntry

    assert AuditEntry.objects.filter(content_type__model="settlement", object_id=str(settlement.pk)).count() == 1


def test_report_with_one_missing_one_extra_one_different_flags_exactly_those(n1co_sales, users):
    paysim, account, ops = n1co_sales
    for mode in ("settlement_missing", "settlement_extra", "settlement_amount"):
        assert httpx.post(f"{paysim}/_paysim/faults", json={"mode": mode, "gateway": "n1co", "count": 1}).status_code == 201
    settlement, _created = settlement_fetch(account=account, payout_date=_payout(2), acting_user=users["Contador"])
    # paysim dropped the last line ($150), added a $42.00 charge of nobody's, reported the first $1.00 short
    by_status = {}
    for ln in settlement.lines.all():
        by_status.setdefault(ln.status, []).append(ln)
    assert {s: len(v) for s, v in by_status.items()} == {"matched": 1, "different": 1, "extra": 1, "missing": 1}
    (different,), (extra,), (missing,), (matched,) = (by_status[s] for s in ("different", "extra", "missing", "matched"))
    assert (different.our_key, different.gross, different.expected, different.difference) == (
        f"op:{ops[0].pk}",
        D("49.00"),
        D("50.00"),
        D("-1.00"),
    )
    assert (extra.gross, extra.expected, extra.our_key) == (D("42.00"), None, "")
    assert (missing.our_key, missing.expected, missing.in_report) == (f"op:{ops[2].pk}", D("150.00"), False)
    assert matched.our_key == f"op:{ops[1].pk}"
    # by hand: 49.00 → 1.715 + 0.25 = 1.965 → 1.97; 100.00 → 3.75; 42.00 → 1.47 + 0.25 = 1.72
    assert (settlement.gross, settlement.fee, settlement.net) == (D("191.00"), D("7.44"), D("183.56"))
    assert (settlement.matched_count, settlement.missing_count, settlement.extra_count, settlement.different_count) == (
        1,
        1,
        1,
        1,
    )


def test_the_same_report_twice_adds_nothing_fetched_or_uploaded(n1co_sales, users):
    paysim, account, _ops = n1co_sales
    first, created = settlement_fetch(account=account, payout_date=_payout(2), acting_user=users["Contador"])
    assert created
    again, created = settlement_fetch(account=account, payout_date=_payout(2), acting_user=users["Contador"])
    assert (again.pk, created) == (first.pk, False)
    uploaded, created = settlement_upload(
        account=account, content=bytes(first.content), file_name="n1co.json", acting_user=users["Contador"]
    )
    assert (uploaded.pk, created) == (first.pk, False)
    assert Settlement.objects.count() == 1 and SettlementLine.objects.count() == 3
    # the same batch restated with other figures is refused, not merged
    altered = (
        bytes(first.content)
        .replace(b'"grossAmount":50.0', b'"grossAmount":51.0')
        .replace(b'"grossAmount": 50.0', b'"grossAmount": 51.0')
    )
    assert altered != bytes(first.content)
    with pytest.raises(ValidationError):
        settlement_upload(account=account, content=altered, file_name="n1co.json", acting_user=users["Contador"])
    assert Settlement.objects.count() == 1


def test_only_company_wide_accounting_imports(n1co_sales, users):
    _paysim, account, _ops = n1co_sales
    for role in ("Supervisor", "Vendedor", "Auditor", "outsider"):
        with pytest.raises(PermissionDenied):
            settlement_fetch(account=account, payout_date=_payout(2), acting_user=users[role])
    assert not Settlement.objects.exists()


def test_paypal_settlement_report_csv_has_the_capture_with_its_fee_and_the_partial_refund(
    clean_faults,
    company,
    make_order,  # noqa: F811 - fixture imported above
    parties,
    users,
):
    paysim = clean_faults
    account, _creds = _account(paysim, company, "paypal")
    order = make_order(parties["consumer"])
    op = orders.order_pay_start(order=order, gateway="paypal", return_url="https://tienda.example/retorno")
    assert httpx.post(f"{paysim}/_paysim/pay", json={"gateway": "paypal", "id": op.gateway_id}).json()["outcome"] == "approved"
    orders.operation_resolve(op=op)
    order.refresh_from_db()
    orders.order_ship(order=order, acting_user=order.created_by)
    orders.receipt_issue(order_id=order.pk)
    order.refresh_from_db()
    refund = orders.order_refund(order=order, amount=D("50.00"), reason="Instalación no hecha", acting_user=users["Contador"])
    assert refund.state == OpState.SUCCEEDED, refund.message
    settlement, _created = settlement_fetch(account=account, payout_date=_payout(1), acting_user=users["Contador"])
    assert settlement.file_name.startswith("STL-") and bytes(settlement.content).startswith(b'"RH"')
    lines = list(settlement.lines.order_by("position"))
    # by hand: 276.00 × 5.4 % = 14.904, + 0.30 = 15.204 → 15.20; net 260.80. Refund 50.00, no fee, net −50.00
    assert [(ln.kind, ln.gross, ln.fee, ln.net, ln.status) for ln in lines] == [
        ("charge", D("276.00"), D("15.20"), D("260.80"), "matched"),
        ("refund", D("50.00"), D("0.00"), D("-50.00"), "matched"),
    ]
    assert (settlement.gross, settlement.fee, settlement.net) == (D("226.00"), D("15.20"), D("210.80"))
    assert lines[0].payment_id == order.payment_id and lines[0].payment_id is not None
    # the same file downloaded from PayPal's folder and uploaded adds nothing
    again, created = settlement_upload(account=account, content=bytes(settlement.content), file_name=settlement.file_name,
                                       acting_user=users["Contador"])
    assert (again.pk, created) == (settlement.pk, False)


def test_settlement_pages_show_the_differences_to_accounting_only(n1co_sales, users, client_as):
    paysim, account, _ops = n1co_sales
    httpx.post(f"{paysim}/_paysim/faults", json={"mode": "settlement_extra", "gateway": "n1co", "count": 1})
    accountant = client_as(users["Contador"])
    r = accountant.post("/cobros/liquidaciones/importar/", {"account": account.pk, "payout_date": _payout(2).isoformat()})
    assert r.status_code == 302, r.content[:500]
    settlement = Settlement.objects.get()
    page = accountant.get(r["Location"]).content.decode()
    # 300.00 + 42.00 gross; 11.25 + 1.72 fee; net 342.00 − 12.97 = 329.03
    assert 'data-status="extra"' in page and "$ 42.00" in page and "$ 329.03" in page and "$ 12.97" in page
    assert (settlement.gross, settlement.fee, settlement.net) == (D("342.00"), D("12.97"), D("329.03"))
    listing = accountant.get("/cobros/liquidaciones/").content.decode()
    assert settlement.batch_id in listing and 'id="settlement-import"' in listing
    supervisor = client_as(users["Supervisor"])  # company-wide, reports but no accounting edit: sees, cannot import
    assert settlement.batch_id in supervisor.get("/cobros/liquidaciones/").content.decode()
    assert 'id="settlement-import"' not in supervisor.get("/cobros/liquidaciones/").content.decode()
    assert (
        supervisor.post("/cobros/liquidaciones/importar/", {"account": account.pk, "payout_date": "2026-01-01"}).status_code
        == 403
    )
    assert client_as(users["Vendedor"]).get(f"/cobros/liquidaciones/{settlement.pk}/").status_code == 403
    assert client_as(users["outsider"]).get("/cobros/liquidaciones/").status_code == 403


def test_wompi_link_paid_appears_in_its_settlement_with_its_fee(clean_faults, company, make_order, parties, users):  # noqa: F811
    paysim = clean_faults
    account, _creds = _account(paysim, company, "wompi")
    order = make_order(parties["consumer"])
    op = orders.order_pay_start(order=order, gateway="wompi", webhook_url="http://127.0.0.1:9/no-llega")
    assert httpx.post(f"{paysim}/_paysim/pay", json={"gateway": "wompi", "id": op.gateway_id}).json()["outcome"] == "approved"
    orders.operation_resolve(op=op)
    op.refresh_from_db()
    assert op.state == OpState.SUCCEEDED
    settlement, _created = settlement_fetch(account=account, payout_date=_payout(2), acting_user=users["Contador"])
    (line,) = settlement.lines.all()
    # by hand: 276.00 × 3.00 % = 8.28; net 267.72
    assert (line.status, line.gross, line.fee, line.net, line.our_key) == ("matched", D("276.00"), D("8.28"), D("267.72"), f"op:{op.pk}")
    assert (settlement.gross, settlement.fee, settlement.net) == (D("276.00"), D("8.28"), D("267.72"))


def test_a_report_file_uploaded_on_the_page_is_matched_and_a_second_upload_adds_nothing(n1co_sales, users, client_as):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _paysim, account, _ops = n1co_sales
    content = account.gateway_client().settlement(_payout(2)).content  # what the merchant downloads from n1co
    web = client_as(users["Contador"])
    for _ in range(2):
        r = web.post("/cobros/liquidaciones/importar/", {"account": account.pk,
                                                        "file": SimpleUploadedFile("n1co.json", content, "application/json")})
        assert r.status_code == 302
    settlement = Settlement.objects.get()
    assert (settlement.source, settlement.matched_count, settlement.differences, settlement.net) == ("upload", 3, 0, D("288.75"))
    assert SettlementLine.objects.count() == 3
    r = web.post("/cobros/liquidaciones/importar/", {"account": account.pk,
                                                    "file": SimpleUploadedFile("otro.json", b"no es json", "application/json")})
    assert r.status_code == 302 and Settlement.objects.count() == 1
    assert "no es un JSON" in web.get("/cobros/liquidaciones/").content.decode()


def test_settlement_list_query_count_does_not_grow(n1co_sales, users, client_as, django_assert_max_num_queries):
    _paysim, account, _ops = n1co_sales
    settlement_fetch(account=account, payout_date=_payout(2), acting_user=users["Contador"])
    web = client_as(users["Contador"])
    web.get("/cobros/liquidaciones/")
    with django_assert_max_num_queries(12):
        assert web.get("/cobros/liquidaciones/").status_code == 200
    settlement = Settlement.objects.get()
    with django_assert_max_num_queries(12):
        assert web.get(f"/cobros/liquidaciones/{settlement.pk}/").status_code == 200


def test_matching_looks_around_the_period_but_flags_only_its_own_days_as_missing():
    from payments.gateways.base import SettlementItem
    from payments.settlements import Expected, match

    day = datetime.date(2026, 11, 3)
    ours = [
        Expected(kind="charge", amount=D("10.00"), key="op:1", keys=frozenset({"A"}), day=day),
        Expected(kind="charge", amount=D("20.00"), key="op:2", keys=frozenset({"B"}), day=day + datetime.timedelta(days=1)),
        Expected(kind="refund", amount=D("5.00"), key="op:3", keys=frozenset({"A"}), day=day),
        Expected(kind="refund", amount=D("2.00"), key="op:4", keys=frozenset({"A"}), day=day),
    ]
    items = [
        SettlementItem(kind="charge", transaction_id="t1", gross=D("20.00"), fee=D("0"), net=D("20.00"), keys=("B",)),
        SettlementItem(kind="refund", transaction_id="t2", gross=D("2.00"), fee=D("0"), net=D("-2.00"), keys=("A",)),
    ]
    pairs, missing = match(items, ours)
    # the charge resolved the next day is found by its id; the partial refund of 2.00 takes its
    # own operation, not the first refund of the same charge; the rest is left
    assert [(e.key, s) for _i, e, s in pairs] == [("op:2", "matched"), ("op:4", "matched")]
    assert [e.key for e in missing] == ["op:1", "op:3"]


def test_the_next_days_settlement_does_not_call_todays_payments_missing(n1co_sales, users):
    _paysim, account, _ops = n1co_sales
    settlement_fetch(account=account, payout_date=_payout(2), acting_user=users["Contador"])
    tomorrow, _created = settlement_fetch(account=account, payout_date=_payout(3), acting_user=users["Contador"])
    assert (tomorrow.gross, tomorrow.lines.count(), tomorrow.differences) == (D("0.00"), 0, 0)


def test_observers_hear_of_a_settlement_once_after_it_commits(n1co_sales, users, django_capture_on_commit_callbacks):
    from payments import hooks

    heard = []
    observer = hooks.register_settlement_observer(lambda s: heard.append((s.pk, s.differences)))
    try:
        _paysim, account, _ops = n1co_sales
        with django_capture_on_commit_callbacks(execute=True):
            first, _created = settlement_fetch(account=account, payout_date=_payout(2), acting_user=users["Contador"])
        with django_capture_on_commit_callbacks(execute=True):
            settlement_fetch(account=account, payout_date=_payout(2), acting_user=users["Contador"])
        assert heard == [(first.pk, 0)]
    finally:
        hooks._settlement_observers.remove(observer)


def test_an_establishments_manager_sees_no_company_payout(n1co_sales, users, client_as, make_user, establishments):
    from accounts.models import Role, RolePermission

    role = Role.objects.create(name="Jefe de sucursal", company_wide=False)
    RolePermission.objects.create(role=role, module="reportes", action="view")
    manager = make_user("jefe")
    manager.role = role
    manager.save()
    _paysim, account, _ops = n1co_sales
    settlement, _created = settlement_fetch(account=account, payout_date=_payout(2), acting_user=users["Contador"])
    web = client_as(manager)
    page = web.get("/cobros/liquidaciones/")
    assert page.status_code == 200 and settlement.batch_id not in page.content.decode()
    assert web.get(f"/cobros/liquidaciones/{settlement.pk}/").status_code == 404
