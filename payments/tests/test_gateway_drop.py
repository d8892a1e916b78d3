"""paysim's n1co "drop" fault, investigated (issue 20): in the chaos bench two dropped requests
left no ledger entry and the adapter answered not_found. A dropped *charge* cannot do that:
paysim's charge view commits the charge and its ledger row before the fault middleware cuts the
connection, so every dropped charge is found by status() and is in the ledger once, here under
concurrency. What the drop can cut is the answer to a Charges request paysim refused or failed
(a 4xx, or a 5xx under load): no charge, so status() rightly says not_found. The product side
(orders.services.operation_resolve) now believes not_found only once the call can no longer be
in flight (a charge still queued at a busy gateway would otherwise be paid twice)."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import httpx
import pytest

from payments.gateways.base import Status, get_gateway


@pytest.fixture
def n1co(paysim):
    httpx.delete(f"{paysim}/_paysim/faults")
    client_id = f"drop-{uuid.uuid4().hex[:8]}"
    creds = {"client_id": client_id, "client_secret": "secreto", "webhook_secret": "whsec"}
    httpx.post(f"{paysim}/_paysim/merchants", json={"gateway": "n1co", **creds}).raise_for_status()
    card = httpx.post(f"{paysim}/_paysim/cards", json={"gateway": "n1co", "client_id": client_id,
                                                       "number": "4000056655665556"}).json()["id"]
    yield get_gateway("n1co", {**creds, "base_url": f"{paysim}/n1co"}, timeout=10), card
    httpx.delete(f"{paysim}/_paysim/faults")


def _drop(paysim, **extra):
    httpx.post(f"{paysim}/_paysim/faults", json={"mode": "drop", "gateway": "n1co",
                                                 "path_prefix": "/n1co/api/v3/Charges", **extra}).raise_for_status()


def test_every_dropped_charge_is_made_once_and_in_the_ledger(paysim, n1co):
    gw, card = n1co
    _drop(paysim, share=0.5, seconds=300)
    keys = [uuid.uuid4().hex for _ in range(40)]

    def charge(key):
        result = gw.authorize(Decimal("1.00"), "USD", reference=f"R-{key[:8]}", idempotency_key=key,
                              payment_token=card)
        after = gw.status(f"R-{key[:8]}", gateway_id=key) if result.status == Status.IN_DOUBT else result
        return result.status, after.status

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(charge, keys))
    httpx.delete(f"{paysim}/_paysim/faults")
    assert any(first == Status.IN_DOUBT for first, _after in outcomes)  # the drop did cut answers
    assert all(after == Status.CAPTURED for _first, after in outcomes), outcomes
    for key in keys:  # each charge in paysim's ledger, once, for its amount
        book = httpx.get(f"{paysim}/_paysim/ledger", params={"gateway": "n1co", "reference": key}).json()
        assert len(book["payments"]) == 1 and Decimal(book["captured"]) == Decimal("1.00"), (key, book)
        assert book["double_charges"] == 0


def test_a_refused_charge_whose_answer_is_dropped_charges_nothing(paysim, n1co):
    gw, _card = n1co
    _drop(paysim, count=1)
    key = uuid.uuid4().hex
    result = gw.authorize(Decimal("1.00"), "USD", reference="R-x", idempotency_key=key, payment_token="card_no_existe")
    assert result.status == Status.IN_DOUBT  # paysim answered 400 "cardId inválido"; the answer was cut
    assert gw.status("R-x", gateway_id=key).status == Status.NOT_FOUND
    book = httpx.get(f"{paysim}/_paysim/ledger", params={"gateway": "n1co", "reference": key}).json()
    assert book["payments"] == [] and Decimal(book["captured"]) == 0
