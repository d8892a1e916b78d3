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
