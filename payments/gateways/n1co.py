"""n1co (H4B) behind payments.gateways.base.Gateway.

Two ways to pay, neither with card data here: a card token made by n1co's tokenizer in the
payer's browser (``payment_token`` → a charge), or n1co's checkout link (no token → a link).
Sources per call (payments-facts.md §2):
- token: POST /api/v3/Token {clientId, clientSecret} [D N4].
- authorize with a token → POST /api/v3/Charges {customer, order{id, amount, …}, cardId,
  authenticationId, billingInfo}; SUCCEEDED / AUTHENTICATION_REQUIRED (authentication{url,id}, then
  the same charge again with authenticationId) [D N1, D N3]; failures "FAILED" [G: not found].
  order.id = our idempotency key, so a repeat can never become a second charge (n1co keeps
  order.id unique [G]) and the order id is known even when the answer is lost.
- authorize without a token → POST /api/paymentlink/checkout; status GET
  /api/paymentlink/order/{orderCode} [D N6, C N7]; static Bearer (the secret key) [C N7].
- status of a charge → GET /api/v3/Orders/{orderId} — [G] not in n1co's public docs (facts §8),
  served by paysim; confirm with n1co before production.
- refund → POST /api/v3/Refunds {orderId, cancellationReason}: the whole charge only [D N4, C N7].
- webhook: X-H4B-Hmac-Sha256 = base64 HMAC-SHA256(raw body, webhook secret); body {orderId,
  orderReference, type, metadata}; no event id, so dedup on orderId:type:operation [C N7, D N5].
No holds (captured at once), no partial capture, no partial refund [facts §0].
Gateway ids: a charge's is its orderId; a checkout link's is ``link:<orderCode>``.
"""

import base64
import hashlib
import hmac
import json
from decimal import Decimal

from payments.gateways import http, settlements
from payments.gateways.base import (
    EventKind,
    Gateway,
    GatewayError,
    GatewayUnavailable,
    OperationRefused,
    Result,
    Status,
    WebhookEvent,
    WebhookInvalid,
    header,
    money,
    register,
    scrub,
)

_EVENTS = {"SuccessPayment": EventKind.CAPTURED, "PaymentError": EventKind.DECLINED, "SuccessReverse": EventKind.REFUNDED,
           "Requires3ds": EventKind.CHALLENGE, "Cancelled": EventKind.CANCELLED}
_ORDER = {"PAID": Status.CAPTURED, "PENDING": Status.PENDING, "AUTHENTICATION_REQUIRED": Status.CHALLENGE,
          "FAILED": Status.DECLINED, "REFUNDED": Status.REFUNDED, "CANCELLED": Status.EXPIRED}
_LINK = {"PAID": Status.CAPTURED, "FINALIZED": Status.CAPTURED, "PENDING": Status.PENDING, "CANCELLED": Status.EXPIRED}


@register
class N1co(Gateway):
    code = "n1co"
    name = "n1co"
    supports_refund = True
    credential_fields = ("client_id", "client_secret", "webhook_secret")

    @property
    def base(self):
        # Production host unverified (facts §2: api.n1co.com [C N7]); sandbox api-sandbox.n1co.shop [D N1].
        return (self.credentials.get("base_url") or "https://api.n1co.com").rstrip("/")

    @property
    def link_base(self):
        return (self.credentials.get("link_base_url") or self.credentials.get("base_url") or "https://api-pay.n1co.shop").rstrip("/")

    def _token(self):
        key = (self.base, self.credentials["client_id"])
        token = http.TOKENS.get(key)
        if token:
            return token
        try:
            r = http.call("POST", f"{self.base}/api/v3/Token", timeout=self.timeout,
                          json={"clientId": self.credentials["client_id"], "clientSecret": self.credentials["client_secret"]})
        except http.NoAnswer:
            raise GatewayUnavailable("n1co no respondió al pedir el token") from None
        if not r.ok or not r.data.get("accessToken"):
            raise GatewayError(f"n1co rechazó las credenciales (HTTP {r.status})")
        http.TOKENS.put(key, r.data["accessToken"], r.data.get("expiresIn"))
        return r.data["accessToken"]

    def _api(self, method, path, **kwargs):
        return http.call(method, f"{self.base}/api/v3{path}", timeout=self.timeout,
                         headers={"Authorization": f"Bearer {self._token()}"}, **kwargs)

    def _link(self, method, path, **kwargs):
        secret = self.credentials.get("link_secret_key") or self.credentials["client_secret"]
        return http.call(method, f"{self.link_base}/api/paymentlink{path}", timeout=self.timeout,
                         headers={"Authorization": f"Bearer {secret}"}, **kwargs)

    @staticmethod
    def _message(r):
        return str(r.data.get("message") or r.data.get("error") or f"HTTP {r.status}") if isinstance(r.data, dict) else f"HTTP {r.status}"

    # --- the interface ----------------------------------------------------------------------

    def authorize(self, amount, currency, *, reference, idempotency_key, capture=True, return_url="", cancel_url="",
                  webhook_url="", description="", payment_token="", authentication_id="", payer_email=""):
        if currency != "USD":
            raise OperationRefused("n1co cobra sólo en USD")
        if not payment_token:
            return self._checkout_link(amount, reference, return_url, cancel_url, description)
        order_id = idempotency_key
        body = {"customer": {"id": reference[:50], "email": payer_email},
                "order": {"id": order_id, "amount": float(amount), "description": description or reference, "name": reference},
                "cardId": payment_token, "authenticationId": authentication_id or None,
                "billingInfo": {"countryCode": "SV", "stateCode": "SS", "zipCode": "1101"}}
        try:
            r = self._api("POST", "/Charges", json=body)
        except http.NoAnswer as exc:
            return Result(Status.IN_DOUBT, reference, gateway_id=order_id, message=f"Sin respuesta de n1co ({exc})")
        if r.status >= 400 and not r.data.get("status"):
            raise OperationRefused(f"n1co rechazó el cargo: {self._message(r)}")
        return self._charge_result(reference, order_id, r.data)

    def _charge_result(self, reference, order_id, data):
        order = data.get("order") or {}
        status = data.get("status")
        if status == "SUCCEEDED":
            amount = money(order.get("captureAmount") or order.get("amount"))
            return Result(Status.CAPTURED, reference, gateway_id=order_id, authorized_amount=amount, captured_amount=amount,
                          refunded_amount=Decimal("0.00"), operation_id=str(order.get("reference") or ""),
                          authorization_code=str(order.get("authorizationCode") or ""), raw=scrub(data))
        if status == "AUTHENTICATION_REQUIRED":
            auth = data.get("authentication") or {}
            return Result(Status.CHALLENGE, reference, gateway_id=order_id, action_url=auth.get("url", ""),
                          operation_id=str(auth.get("id", "")), raw=scrub(data))
        return Result(Status.DECLINED, reference, gateway_id=order_id, message=str(data.get("message") or status), raw=scrub(data))

    def _checkout_link(self, amount, reference, return_url, cancel_url, description):
        body = {"orderReference": reference, "orderName": (description or reference)[:100], "orderDescription": description,
                "amount": float(amount), "successUrl": return_url, "cancelUrl": cancel_url or return_url,
                "metadata": [{"name": "reference", "value": reference}]}
        try:
            r = self._link("POST", "/checkout", json=body)
        except http.NoAnswer as exc:
            return Result(Status.IN_DOUBT, reference, message=f"Sin respuesta de n1co ({exc})")
        if not r.ok:
            raise OperationRefused(f"n1co rechazó el enlace: {self._message(r)}")
        return Result(Status.PENDING, reference, gateway_id=f"link:{r.data['orderCode']}", action_url=r.data.get("paymentLinkUrl", ""),
                      raw=scrub(r.data))

    def status(self, reference, *, gateway_id=""):
        if not gateway_id:
            raise OperationRefused("n1co no busca por nuestra referencia: pase el orderId (nuestra clave de idempotencia)")
        try:
            if gateway_id.startswith("link:"):
                r = self._link("GET", f"/order/{gateway_id[5:]}")
                if r.status == 404:
                    return Result(Status.NOT_FOUND, reference, gateway_id=gateway_id)
                if not r.ok:
                    raise GatewayError(f"n1co: {self._message(r)}")
                status = _LINK.get(r.data.get("orderStatus"), Status.PENDING)
                total = money(r.data.get("total") or 0)
                pay = r.data.get("payment") or {}
                return Result(status, reference, gateway_id=gateway_id, authorized_amount=total if status == Status.CAPTURED else None,
                              captured_amount=total if status == Status.CAPTURED else None,
                              authorization_code=str(pay.get("authorizationCode") or ""), operation_id=str(r.data.get("orderId", "")),
                              raw=scrub(r.data))
            r = self._api("GET", f"/Orders/{gateway_id}")
        except http.NoAnswer as exc:
            raise GatewayUnavailable(f"n1co no respondió ({exc})") from None
        if r.status == 404:
            return Result(Status.NOT_FOUND, reference, gateway_id=gateway_id)
        if not r.ok:
            raise GatewayError(f"n1co: {self._message(r)}")
        d = r.data
        return Result(_ORDER.get(d.get("status"), Status.PENDING), reference, gateway_id=gateway_id,
                      authorized_amount=money(d.get("captureAmount") or 0), captured_amount=money(d.get("captureAmount") or 0),
                      refunded_amount=money(d.get("refundedAmount") or 0), operation_id=str(d.get("chargeId") or ""),
                      authorization_code=str(d.get("authorizationCode") or ""), raw=scrub(d))

    def capture(self, gateway_id, amount=None, *, reference, idempotency_key, final=True):
        # n1co charges are captured at once (facts §2): "capturing" is checking it was paid in full.
        now = self.status(reference, gateway_id=gateway_id)
        if now.status != Status.CAPTURED:
            raise OperationRefused(f"No hay un pago que capturar (estado {now.status})")
        if amount is not None and money(amount) != now.captured_amount:
            raise OperationRefused("n1co no admite capturas parciales ni por más de lo cobrado")
        return now

    def void(self, gateway_id, *, reference, idempotency_key):
        raise OperationRefused("n1co no retiene fondos: no hay nada que anular; un cobro se devuelve con un reembolso")

    def refund(self, gateway_id, amount=None, *, reference, idempotency_key, reason=""):
        now = self.status(reference, gateway_id=gateway_id)
        if now.status == Status.REFUNDED and amount is None:
            return now  # already done (a repeat after an answer that never came)
        if now.status != Status.CAPTURED:
            raise OperationRefused(f"No hay un cobro que reembolsar (estado {now.status})")
        if amount is not None and money(amount) != now.captured_amount:
            raise OperationRefused("n1co sólo reembolsa el cargo completo (payments-facts §2)")
        order_id = now.operation_id if gateway_id.startswith("link:") else gateway_id
        try:
            r = self._api("POST", "/Refunds", json={"orderId": order_id, "cancellationReason": reason or "Reembolso"})
        except http.NoAnswer as exc:
            return Result(Status.IN_DOUBT, reference, gateway_id=gateway_id, message=f"Sin respuesta de n1co ({exc})")
        if not r.ok or not r.data.get("success"):
            raise OperationRefused(f"n1co rechazó el reembolso: {self._message(r)}")
        return Result(Status.REFUNDED, reference, gateway_id=gateway_id, captured_amount=now.captured_amount,
                      refunded_amount=money(r.data.get("amount")), operation_id=str(r.data.get("refundId", "")), raw=scrub(r.data))

    def verify_webhook(self, headers, raw_body):
        given = header(headers, "X-H4B-Hmac-Sha256")
        mac = hmac.new(self.credentials["webhook_secret"].encode(), raw_body, hashlib.sha256).digest()
        if not given or not hmac.compare_digest(given.strip(), base64.b64encode(mac).decode()):
            raise WebhookInvalid("Firma X-H4B-Hmac-Sha256 ausente o incorrecta")
        try:
            data = json.loads(raw_body)
            meta = data.get("metadata") or {}
            op = meta.get("ChargeId") or meta.get("PaymentId") or meta.get("OperationId") or ""
            kind = data["type"]
            return WebhookEvent(event_id=f"{data['orderId']}:{kind}:{op}", kind=_EVENTS.get(kind, EventKind.OTHER),
                                gateway_id=str(data["orderId"]), reference=str(data.get("orderReference") or ""),
                                occurred_at=str(meta.get("TransactionDate") or ""), raw=scrub(data))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise WebhookInvalid(f"Cuerpo de webhook de n1co ilegible ({type(exc).__name__})") from None

    # --- settlements (issue 21) [G: n1co publishes no settlement report, facts §8; paysim's shape]
    def settlement(self, payout_date):
        try:
            r = self._api("GET", "/Settlements", params={"payoutDate": payout_date.isoformat()})
        except http.NoAnswer as exc:
            raise GatewayUnavailable(f"n1co no respondió ({exc})") from None
        if not r.ok:
            raise GatewayError(f"n1co no entregó la liquidación: {self._message(r)}")
        return settlements.n1co(r.content, file_name=f"n1co-{payout_date:%Y%m%d}.json")

    def parse_settlement(self, content, *, file_name=""):
        return settlements.n1co(content, file_name)
