"""Orders against paysim over HTTP with the real adapters: PayPal's hold (authorize, capture on
shipment, partial refund), Wompi's payment link with its signed webhooks delivered three times
and out of order, and n1co's charge whose answer is dropped after it went through (in doubt,
resolved by asking; one charge in paysim's ledger)."""

import json
from decimal import Decimal

import httpx
import pytest

from orders import services
from orders.models import OpState, OrderState

pytestmark = pytest.mark.django_db


def _merchant(paysim, company, gateway, **extra):
    from payments.models import GatewayAccount

    creds = {"client_id": f"{gateway}-app-{company.pk}", "client_secret": f"{gateway}-secreto",
             "webhook_secret": f"{gateway}-whsec", "webhook_id": f"WH-{gateway}", **extra}
    r = httpx.post(f"{paysim}/_paysim/merchants", json={"gateway": gateway, **creds})
    assert r.status_code == 201, r.text
    account = GatewayAccount(company=company, gateway=gateway, base_url=f"{paysim}/{gateway}")
    account.set_credentials({k: creds[k] for k in ("client_id", "client_secret", "webhook_secret", "webhook_id")})
    account.save()
    return account, creds


def _ledger(paysim, reference):
    return httpx.get(f"{paysim}/_paysim/ledger", params={"reference": reference}).json()


@pytest.fixture
def clean_faults(paysim):
    httpx.delete(f"{paysim}/_paysim/faults")
    yield paysim
    httpx.delete(f"{paysim}/_paysim/faults")


def test_paypal_hold_captured_on_shipment_then_partly_refunded(clean_faults, company, make_order, parties, users):
    paysim = clean_faults
    _merchant(paysim, company, "paypal")
    order = make_order(parties["consumer"])
    op = services.order_pay_start(order=order, gateway="paypal", return_url="https://tienda.example/retorno")
    assert op.state == OpState.STARTED and op.action_url and op.gateway_id
    paid = httpx.post(f"{paysim}/_paysim/pay", json={"gateway": "paypal", "id": op.gateway_id}).json()
    assert paid["outcome"] == "approved", paid
    services.operation_resolve(op=op)  # the payer came back: the approved order is authorized
    order.refresh_from_db()
    assert order.state == OrderState.AUTHORIZED and order.amount_authorized == Decimal("276.00")
    with pytest.raises(services.OrderRefused):
        services.order_ship(order=order, acting_user=order.created_by, amount=Decimal("300.00"))
    services.order_ship(order=order, acting_user=order.created_by)
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    doc = services.receipt_issue(order_id=order.pk)
    assert doc.total_to_pay == Decimal("276.00")
    assert json.loads(doc.payload)["resumen"]["numPagoElectronico"]
    order.refresh_from_db()
    refund = services.order_refund(order=order, amount=Decimal("50.00"), reason="Instalación no hecha",
                                   acting_user=users["Contador"])
    assert refund.state == OpState.SUCCEEDED, refund.message
    book = _ledger(paysim, op.reference)
    assert Decimal(book["captured"]) == Decimal("276.00") and Decimal(book["refunded"]) == Decimal("50.00")
    assert book["double_charges"] == 0


def test_wompi_link_paid_with_its_webhook_three_times_out_of_order_ends_paid_once(clean_faults, company, make_order,
                                                                                  parties):
    paysim = clean_faults
    account, _creds = _merchant(paysim, company, "wompi")
    order = make_order(parties["consumer"])
    op = services.order_pay_start(order=order, gateway="wompi", webhook_url="http://127.0.0.1:9/no-llega")
    assert op.action_url and op.gateway_id
    paid = httpx.post(f"{paysim}/_paysim/pay", json={"gateway": "wompi", "id": op.gateway_id}).json()
    assert paid["outcome"] == "approved", paid
    # This payment's webhooks only: paysim lives for the whole session and keeps earlier tests' ones.
    hooks = httpx.get(f"{paysim}/_paysim/webhooks", params={"gateway": "wompi", "reference": op.reference}).json()["webhooks"]
    assert hooks, "paysim firmó un webhook del pago"
    received = []
    for hook in reversed(hooks * 3):  # three copies of each, the last first
        headers = hook["headers"]
        body = hook["body"].encode() if isinstance(hook["body"], str) else json.dumps(hook["body"]).encode()
        received.append(services.webhook_receive(account=account, headers=headers, raw_body=body))
    assert sum(1 for r in received if r is not None) == len(hooks)  # each event once
    order.refresh_from_db()
    assert order.state == OrderState.PAID and order.amount_captured == Decimal("276.00")
    assert _ledger(paysim, op.reference)["double_charges"] == 0


def test_n1co_answer_dropped_after_the_charge_is_in_doubt_and_resolved_without_charging_again(
        clean_faults, company, make_order, parties):
    paysim = clean_faults
    _account, creds = _merchant(paysim, company, "n1co")
    card = httpx.post(f"{paysim}/_paysim/cards", json={"gateway": "n1co", "client_id": creds["client_id"],
                                                       "number": "4000056655665556"}).json()
    order = make_order(parties["consumer"])
    # paysim lives for the whole session: what n1co took before this test, to count only ours.
    before = Decimal(httpx.get(f"{paysim}/_paysim/ledger", params={"gateway": "n1co"}).json()["captured"])
    httpx.post(f"{paysim}/_paysim/faults", json={"mode": "drop", "gateway": "n1co", "count": 1,
                                                 "path_prefix": "/n1co/api/v3/Charges"})
    op = services.order_pay_start(order=order, gateway="n1co", payment_token=card["id"])
    assert op.state == OpState.IN_DOUBT
    with pytest.raises(services.OrderRefused):
        services.order_pay_start(order=order, gateway="n1co", payment_token=card["id"])
    services.operation_resolve(op=op)
    op.refresh_from_db()
    order.refresh_from_db()
    assert op.state == OpState.SUCCEEDED and order.state == OrderState.PAID
    # One charge of 276.00 in all of n1co since the test began (a second charge under a new order
    # id would show here), and that charge (n1co knows it by its order id, our idempotency key) once.
    everything = httpx.get(f"{paysim}/_paysim/ledger", params={"gateway": "n1co"}).json()
    assert Decimal(everything["captured"]) - before == Decimal("276.00")
    book = httpx.get(f"{paysim}/_paysim/ledger", params={"gateway": "n1co", "reference": op.gateway_id}).json()
    assert Decimal(book["captured"]) == Decimal("276.00") and book["double_charges"] == 0
