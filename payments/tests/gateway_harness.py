"""Driving each adapter against a real paysim over HTTP: a merchant per gateway, the payer's side
(paysim's /_paysim/pay, /_paysim/cards, /_paysim/3ds), faults, the ledger and the webhooks sent."""

import uuid
from decimal import Decimal

import httpx

from payments.gateways.base import Status, get_gateway

TEST_PAN = "4000056655665556"  # n1co's no-3DS test card (payments-facts §2): never in our DB or logs
CHALLENGE_PAN = "4000000000002701"


class Harness:
    """One gateway on one paysim: ``gw`` is the adapter with a fresh merchant's credentials."""

    def __init__(self, paysim, code, webhook_url="", timeout=5.0):
        self.paysim, self.code = paysim, code
        suffix = uuid.uuid4().hex[:10]
        self.creds = {"client_id": f"{code}-{suffix}", "client_secret": f"sk_{suffix}", "base_url": f"{paysim}/{code}"}
        merchant = {"gateway": code, "client_id": self.creds["client_id"], "client_secret": self.creds["client_secret"],
                    "webhook_url": webhook_url if code != "wompi" else ""}
        if code == "n1co":
            self.creds["webhook_secret"] = merchant["webhook_secret"] = f"whsec_{suffix}"
        if code == "paypal":
            self.creds["webhook_id"] = merchant["webhook_id"] = f"WH-{suffix}"
        self.webhook_url = webhook_url
        r = httpx.post(f"{paysim}/_paysim/merchants", json=merchant, timeout=10)
        assert r.status_code == 201, r.text
        self.gw = get_gateway(code, self.creds, timeout=timeout)

    def adapter(self, timeout):
        return get_gateway(self.code, self.creds, timeout=timeout)

    # --- paysim's control API ---------------------------------------------------------------

    def fault(self, mode, **kw):
        r = httpx.post(f"{self.paysim}/_paysim/faults", json={"mode": mode, "gateway": self.code, **kw}, timeout=10)
        assert r.status_code == 201, r.text

    def clear(self):
        httpx.request("DELETE", f"{self.paysim}/_paysim/faults", timeout=10)

    def ledger(self, reference):
        return httpx.get(f"{self.paysim}/_paysim/ledger", params={"reference": reference, "gateway": self.code}, timeout=10).json()

    def money_taken(self, reference):
        """Successful charges/captures paysim recorded for ``reference`` (by our reference or n1co order id)."""
        ops = [o for p in self.ledger(reference)["payments"] for o in p["operations"]]
        return [Decimal(o["amount"]) for o in ops if o["ok"] and o["kind"] in ("charge", "capture")]

    def webhooks(self, reference):
        return httpx.get(f"{self.paysim}/_paysim/webhooks", params={"reference": reference, "gateway": self.code},
                         timeout=10).json()["webhooks"]

    def payer(self, gateway_id, card=TEST_PAN, three_ds=None):
        body = {"gateway": self.code, "id": gateway_id.removeprefix("link:"), "card": card}
        if three_ds:
            body["three_ds"] = three_ds
        return httpx.post(f"{self.paysim}/_paysim/pay", json=body, timeout=10).json()

    def card_token(self, number=TEST_PAN):
        r = httpx.post(f"{self.paysim}/_paysim/cards", json={"gateway": self.code, "client_id": self.creds["client_id"],
                                                            "number": number}, timeout=10)
        return r.json()["id"]

    def pass_3ds(self, authentication_id):
        return httpx.post(f"{self.paysim}/_paysim/3ds/{authentication_id}", json={"ok": True}, timeout=10).json()

    # --- paying, the way each gateway is paid -----------------------------------------------

    def start(self, reference, amount, *, capture=True, card=TEST_PAN, key=None, gw=None):
        """authorize(): for token gateways with a fresh card token, else the payer-facing link/order."""
        gw = gw or self.gw
        token = self.card_token(card) if self.code == "n1co" else ""
        self.last_token, self.last_amount = token, Decimal(amount)
        return gw.authorize(Decimal(amount), "USD", reference=reference, idempotency_key=key or f"{reference}-k1",
                            capture=capture, return_url="https://tienda.example/retorno", description=f"Pedido {reference}",
                            payment_token=token, webhook_url=self.webhook_url)

    def pay(self, reference, amount, *, capture=True, card=TEST_PAN):
        """Start, have the payer pay (passing 3-D Secure if asked), finish: the final Result."""
        r = self.start(reference, amount, capture=capture, card=card)
        return self.finish(reference, r, card=card)

    def finish(self, reference, r, *, card=TEST_PAN, key=None):
        if self.code == "n1co":
            if r.status == Status.CHALLENGE:
                self.pass_3ds(r.operation_id)
                r = self.gw.authorize(self.last_amount, "USD", reference=reference, idempotency_key=r.gateway_id,
                                      payment_token=self.last_token, authentication_id=r.operation_id)
            return r
        outcome = self.payer(r.gateway_id, card=card)["outcome"]
        if outcome == "challenge":
            outcome = self.payer(r.gateway_id, card=None, three_ds="pass")["outcome"]
        if self.code == "paypal":
            return self.gw.complete(r.gateway_id, reference=reference, idempotency_key=key or f"{reference}-complete")
        return self.gw.status(reference, gateway_id=r.gateway_id)
