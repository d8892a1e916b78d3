"""Our hold expires: the PayPal authorization is voided at the gateway (paysim, over HTTP) before
the order goes back to pending; once, whatever the sweep runs; a void whose answer is lost is
asked about, never sent again with a new key."""

import datetime
from decimal import Decimal

import httpx
import pytest
from django.utils import timezone

from orders import services
from orders.models import GatewayOperation, OpKind, OpState, OrderState
from orders.tests.test_paysim import _ledger, _merchant

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(paysim, company, make_order, parties):
    httpx.delete(f"{paysim}/_paysim/faults")
    _merchant(paysim, company, "paypal")
    order = make_order(parties["consumer"])
    op = services.order_pay_start(order=order, gateway="paypal", return_url="https://tienda.example/retorno")
    assert httpx.post(f"{paysim}/_paysim/pay", json={"gateway": "paypal", "id": op.gateway_id}).json()["outcome"] == "approved"
    services.operation_resolve(op=op)
    order.refresh_from_db()
    assert order.state == OrderState.AUTHORIZED and order.amount_authorized == Decimal("276.00")
    yield order, op
    httpx.delete(f"{paysim}/_paysim/faults")


def _voids(paysim, reference):
    payment = _ledger(paysim, reference)["payments"][0]
    return payment["status"], [o for o in payment["operations"] if o["kind"] == "void"]


def test_an_expired_hold_is_voided_at_paypal_once(held, paysim):
    order, charge = held
    later = timezone.now() + datetime.timedelta(days=30)  # past our hold's expiry
    counts = services.sweep(now=later)
    assert counts["expired"] == 1
    order.refresh_from_db()
    assert order.state == OrderState.PENDING and order.amount_authorized == 0
    status, voids = _voids(paysim, charge.reference)
    assert status == "voided" and len(voids) == 1 and voids[0]["ok"]
    void = GatewayOperation.objects.get(order=order, kind=OpKind.VOID)
    assert void.state == OpState.SUCCEEDED and void.on_expiry and void.idempotency_key == voids[0]["idempotency_key"]
    # the sweep again: nothing to do, nothing sent
    assert services.sweep(now=later)["expired"] == 0
    assert len(_voids(paysim, charge.reference)[1]) == 1
    # the pay link works again: a new charge may be started
    again = services.order_pay_start(order=order, gateway="paypal", return_url="https://tienda.example/retorno")
    assert again.pk != charge.pk and again.state == OpState.STARTED


def test_a_lost_answer_to_the_void_is_asked_about_not_sent_again(held, paysim):
    order, charge = held
    later = timezone.now() + datetime.timedelta(days=30)
    # the void reaches PayPal and is done, but its answer is cut (paysim's "drop")
    httpx.post(f"{paysim}/_paysim/faults", json={"mode": "drop", "gateway": "paypal", "count": 1,
                                                 "path_prefix": "/paypal/v2/payments/authorizations"})
    services.sweep(now=later)
    order.refresh_from_db()
    void = GatewayOperation.objects.get(order=order, kind=OpKind.VOID)
    assert void.state == OpState.IN_DOUBT and order.state == OrderState.AUTHORIZED  # we do not know yet
    # the next sweep asks PayPal, learns the void went through, and releases the order
    services.sweep(now=later + datetime.timedelta(minutes=5))
    order.refresh_from_db()
    void.refresh_from_db()
    assert void.state == OpState.SUCCEEDED and order.state == OrderState.PENDING
    status, voids = _voids(paysim, charge.reference)
    assert status == "voided" and len(voids) == 1
    assert GatewayOperation.objects.filter(order=order, kind=OpKind.VOID).count() == 1


def test_a_charge_the_gateway_does_not_know_yet_stays_in_doubt_until_it_cannot_be_in_flight(paysim, company,
                                                                                            make_order, parties):
    """n1co: a refused charge whose answer is dropped is in doubt, and n1co does not know it. Right
    after the call that may only mean it is still queued there: the payment stays in doubt (the
    payer cannot start another); once the call is older than ORDERS_NOT_FOUND_AFTER_SECONDS it
    failed, and the order may be paid again."""
    httpx.delete(f"{paysim}/_paysim/faults")
    _merchant(paysim, company, "n1co")
    order = make_order(parties["consumer"])
    httpx.post(f"{paysim}/_paysim/faults", json={"mode": "drop", "gateway": "n1co", "count": 1,
                                                 "path_prefix": "/n1co/api/v3/Charges"})
    try:
        op = services.order_pay_start(order=order, gateway="n1co", payment_token="card_no_existe")
    finally:
        httpx.delete(f"{paysim}/_paysim/faults")
    assert op.state == OpState.IN_DOUBT
    services.operation_resolve(op=op)
    op.refresh_from_db()
    assert op.state == OpState.IN_DOUBT  # not_found, but too soon to believe it
    with pytest.raises(services.OrderRefused):
        services.order_pay_start(order=order, gateway="n1co", payment_token="card_no_existe")
    GatewayOperation.objects.filter(pk=op.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=3))
    op.refresh_from_db()
    services.operation_resolve(op=op)
    op.refresh_from_db()
    order.refresh_from_db()
    assert op.state == OpState.FAILED and order.state == OrderState.PENDING
