"""Fixtures for orders: the issuing fixtures (a company that signs, a rep at M001/P001,
clients, products), stock at the main establishment, and a scriptable gateway for the
product-side logic (the adapters themselves are tested against paysim in payments)."""

from decimal import Decimal

import pytest

from dte.tests.conftest import issuer, make_draft, parties, products, signing_company, wired  # noqa: F401
from payments.gateways.base import Gateway, Result, Status, WebhookEvent, WebhookInvalid, register


@register
class FakeGateway(Gateway):
    """A gateway whose answers a test scripts: ``script`` maps a method to the Status it
    answers (IN_DOUBT: the answer was lost after the gateway did it); ``ledger`` is what the
    gateway did, the truth status() reports."""

    code = "fakepay"
    name = "Pasarela de prueba"
    supports_holds = True
    supports_refund = supports_partial_refund = supports_partial_capture = True
    script: dict = {}
    ledger: dict = {}
    calls: list = []

    def _record(self, method, reference, **state):
        FakeGateway.calls.append((method, reference))
        entry = FakeGateway.ledger.setdefault(reference, {"captured": Decimal(0), "refunded": Decimal(0),
                                                          "authorized": Decimal(0), "status": Status.PENDING})
        entry.update(state)
        return entry

    def _answer(self, method, reference, entry, **extra):
        wanted = FakeGateway.script.get(method)
        if wanted == Status.IN_DOUBT:
            return Result(status=Status.IN_DOUBT, reference=reference)
        if wanted == Status.DECLINED:
            entry["status"] = Status.DECLINED
            return Result(status=Status.DECLINED, reference=reference, message="Fondos insuficientes")
        return Result(status=entry["status"], reference=reference, gateway_id=f"gw-{reference}",
                      authorized_amount=entry["authorized"], captured_amount=entry["captured"],
                      refunded_amount=entry["refunded"], authorization_code="AUTH123", **extra)

    def authorize(self, amount, currency, *, reference, idempotency_key, capture=True, **kwargs):
        if reference in FakeGateway.ledger and FakeGateway.ledger[reference].get("key") == idempotency_key:
            FakeGateway.calls.append(("authorize-replay", reference))
            return self._answer("authorize", reference, FakeGateway.ledger[reference])
        if FakeGateway.script.get("authorize") == "pending":
            entry = self._record("authorize", reference, key=idempotency_key, status=Status.PENDING, amount=amount)
            return Result(status=Status.PENDING, reference=reference, gateway_id=f"gw-{reference}",
                          action_url=f"https://pay.example/{reference}")
        entry = self._record("authorize", reference, key=idempotency_key, authorized=amount,
                             status=Status.AUTHORIZED if not capture else Status.CAPTURED,
                             captured=Decimal(0) if not capture else amount)
        return self._answer("authorize", reference, entry)

    def capture(self, gateway_id, amount=None, *, reference, idempotency_key, final=True):
        entry = FakeGateway.ledger[reference]
        entry = self._record("capture", reference, captured=amount or entry["authorized"], status=Status.CAPTURED)
        return self._answer("capture", reference, entry)

    def void(self, gateway_id, *, reference, idempotency_key):
        entry = self._record("void", reference, status=Status.VOIDED)
        return self._answer("void", reference, entry)

    def refund(self, gateway_id, amount=None, *, reference, idempotency_key, reason=""):
        entry = FakeGateway.ledger[reference]
        refunded = entry["refunded"] + (amount or entry["captured"])
        entry = self._record("refund", reference, refunded=refunded,
                             status=Status.REFUNDED if refunded >= entry["captured"] else Status.CAPTURED)
        return self._answer("refund", reference, entry)

    def status(self, reference, *, gateway_id=""):
        FakeGateway.calls.append(("status", reference))
        entry = FakeGateway.ledger.get(reference)
        if entry is None:
            return Result(status=Status.EXPIRED, reference=reference)
        return Result(status=entry["status"], reference=reference, gateway_id=f"gw-{reference}",
                      authorized_amount=entry["authorized"], captured_amount=entry["captured"],
                      refunded_amount=entry["refunded"], authorization_code="AUTH123")

    def verify_webhook(self, headers, raw_body):
        import json  # noqa: PLC0415 - test double

        if headers.get("X-Fake-Signature") != "ok":
            raise WebhookInvalid("firma")
        body = json.loads(raw_body)
        return WebhookEvent(event_id=body["id"], kind=body["kind"], reference=body["reference"])


@pytest.fixture
def fake_gateway(company):
    from payments.models import GatewayAccount

    FakeGateway.script, FakeGateway.ledger, FakeGateway.calls = {}, {}, []
    FakeGateway.supports_holds = True
    account = GatewayAccount(company=company, gateway="fakepay")
    account.set_credentials({"key": "secreto"})
    account.save()
    return FakeGateway


@pytest.fixture
def stocked(products, establishments, issuer):  # noqa: F811 - the dte fixtures imported above
    from inventory.services import stock_move

    stock_move(product=products["chair"], establishment=establishments["main"], quantity=Decimal(5), reason="Conteo")
    return products


@pytest.fixture
def make_order(issuer, establishments, stocked):  # noqa: F811 - idem
    from orders.services import order_create

    def make(client, lines=None, *, user=None, pos="M001P001", confirm=True):
        lines = lines or [{"product": stocked["chair"], "quantity": Decimal(2)},
                          {"product": stocked["service"], "quantity": Decimal(1)}]
        return order_create(acting_user=user or issuer, client=client, point_of_sale=establishments["pos"][pos],
                            lines=lines, confirm=confirm)

    return make
