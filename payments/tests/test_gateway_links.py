"""n1co's checkout link through the adapter (the contract suite pays n1co with card tokens):
link → the payer pays on n1co's page → status captured → a full refund by the link's order."""

import uuid
from decimal import Decimal

import httpx
import pytest

from payments.gateways.base import OperationRefused, Status
from payments.tests.gateway_harness import Harness


def test_n1co_checkout_link_paid_and_refunded(paysim):
    h = Harness(paysim, "n1co")
    ref = f"ORD-{uuid.uuid4().hex[:8]}"
    link = h.gw.authorize(Decimal("33.10"), "USD", reference=ref, idempotency_key=f"{ref}-k",
                          return_url="https://tienda.example/ok", description="Pedido")
    assert link.status == Status.PENDING and link.gateway_id.startswith("link:")
    assert link.action_url.startswith(f"{paysim}/n1co/pagar/")
    assert h.gw.status(ref, gateway_id=link.gateway_id).status == Status.PENDING
    page = httpx.get(link.action_url)
    assert "$ 33.10" in page.text
    assert h.payer(link.gateway_id)["outcome"] == "approved"
    paid = h.gw.status(ref, gateway_id=link.gateway_id)
    assert paid.status == Status.CAPTURED and paid.captured_amount == Decimal("33.10") and paid.authorization_code
    assert h.payer(link.gateway_id)["outcome"] == "paid"  # paying twice is impossible
    with pytest.raises(OperationRefused):
        h.gw.refund(link.gateway_id, Decimal("10.00"), reference=ref, idempotency_key=f"{ref}-r0")
    refunded = h.gw.refund(link.gateway_id, reference=ref, idempotency_key=f"{ref}-r1")
    assert refunded.status == Status.REFUNDED and refunded.refunded_amount == Decimal("33.10")
    assert h.ledger(ref)["refunded"] == "33.10"


@pytest.mark.parametrize("code", ["wompi", "n1co", "paypal"])
def test_expiry_at_the_gateway_is_seen_by_status(paysim, code):
    """An unpaid link expires; a PayPal hold is voided at its end (with its webhook): status() says so."""
    from payments.gateways.base import EventKind

    h = Harness(paysim, code)
    ref = f"ORD-{uuid.uuid4().hex[:8]}"
    if code == "paypal":
        start = h.pay(ref, "19.00", capture=False)
        assert start.status == Status.AUTHORIZED
    else:
        start = h.gw.authorize(Decimal("19.00"), "USD", reference=ref, idempotency_key=f"{ref}-k", description="Pedido")
    r = httpx.post(f"{paysim}/_paysim/expire", json={"gateway": code, "id": start.gateway_id})
    assert r.status_code == 200, r.text
    after = h.gw.status(ref, gateway_id=start.gateway_id)
    assert after.status in ((Status.VOIDED,) if code != "n1co" else (Status.EXPIRED,))
    assert h.payer(start.gateway_id)["outcome"] in ("inactive", "paid")
    if code == "paypal":
        kinds = [h.gw.verify_webhook(w["headers"], w["body"].encode()).kind for w in h.webhooks(ref)]
        assert kinds[-1] == EventKind.VOIDED
        with pytest.raises(OperationRefused):
            h.gw.capture(start.gateway_id, None, reference=ref, idempotency_key=f"{ref}-c")
    assert h.money_taken(ref) == []


def test_paypal_order_creation_in_doubt_is_replayed_by_its_key(paysim):
    """The order's creation answered nothing (connection cut after it was made): the same
    PayPal-Request-Id returns the same order [facts §3 D P3], so no second order exists."""
    h = Harness(paysim, "paypal")
    ref = f"ORD-{uuid.uuid4().hex[:8]}"
    h.fault("drop", count=1, path_prefix="/paypal/v2/checkout/orders")
    try:
        doubt = h.start(ref, "44.00", gw=h.adapter(timeout=2.0))
    finally:
        h.clear()
    assert doubt.status == Status.IN_DOUBT
    again = h.start(ref, "44.00")  # the same key (harness: f"{ref}-k1")
    assert again.status == Status.PENDING
    assert [p["id"] for p in h.ledger(ref)["payments"]] == [again.gateway_id]
