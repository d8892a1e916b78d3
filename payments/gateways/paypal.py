"""PayPal Orders v2 / Payments v2 behind payments.gateways.base.Gateway.

The payer approves on PayPal's page; we then authorize (a hold, 29 days valid, 3 honoured) or
capture. Sources per call (payments-facts.md §3):
- token: POST /v1/oauth2/token, Basic client_id:secret [D P2].
- authorize → POST /v2/checkout/orders {intent AUTHORIZE|CAPTURE, purchase_units[{reference_id,
  custom_id, amount}]}; CREATED (approve link) or PAYER_ACTION_REQUIRED (payer-action link, 3-D
  Secure) [D P7].
- complete → POST /v2/checkout/orders/{id}/authorize|capture [D P7]; 422 INSTRUMENT_DECLINED.
- status → GET /v2/checkout/orders/{id}; COMPLETED ≠ paid: read the authorizations/captures [D P7].
  PayPal has no search by our reference (facts §8): status needs the order id.
- capture → POST /v2/payments/authorizations/{id}/capture {amount?, final_capture}, partial OK [D P1, D P8].
- void → POST /v2/payments/authorizations/{id}/void, also after a partial capture [D P8].
- refund → POST /v2/payments/captures/{id}/refund {amount?}: omitted = full, several partials [D P8].
- Every POST carries PayPal-Request-Id = the caller's idempotency key: a repeat returns the
  original's answer, never a second operation [D P3].
- webhook: offline check — RSA-SHA256 (PAYPAL-AUTH-ALGO SHA256withRSA) over
  ``transmission_id|transmission_time|webhook_id|crc32(raw body)``, base64 PAYPAL-TRANSMISSION-SIG,
  cert fetched from PAYPAL-CERT-URL only on *.paypal.com (or the configured sandbox/paysim host),
  cached [D P4, P P11]. Dedup on the event id (kept across PayPal's retries).
"""

import base64
import datetime
import json
import threading
import zlib
from dataclasses import replace
from decimal import Decimal
from urllib.parse import urlsplit

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from django.utils.translation import gettext as _

from core.formats import money as format_money
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

_EVENTS = {"CHECKOUT.ORDER.APPROVED": EventKind.APPROVED, "PAYMENT.AUTHORIZATION.CREATED": EventKind.AUTHORIZED,
           "PAYMENT.AUTHORIZATION.VOIDED": EventKind.VOIDED, "PAYMENT.CAPTURE.COMPLETED": EventKind.CAPTURED,
           "PAYMENT.CAPTURE.DECLINED": EventKind.DECLINED, "PAYMENT.CAPTURE.DENIED": EventKind.DECLINED,
           "PAYMENT.CAPTURE.REFUNDED": EventKind.REFUNDED, "PAYMENT.CAPTURE.REVERSED": EventKind.REFUNDED}
_CERTS: dict[str, x509.Certificate] = {}
_CERTS_LOCK = threading.Lock()


def _amount(value):
    return {"currency_code": "USD", "value": f"{money(value):.2f}"}


def _issue(r):
    details = r.data.get("details") if isinstance(r.data, dict) else None
    if details:
        return str(details[0].get("issue") or "")
    return str(r.data.get("name") or f"HTTP {r.status}") if isinstance(r.data, dict) else f"HTTP {r.status}"


@register
class PayPal(Gateway):
    code = "paypal"
    name = "PayPal"
    supports_holds = True
    supports_partial_capture = True
    supports_refund = True
    supports_partial_refund = True
    credential_fields = ("client_id", "client_secret", "webhook_id")

    @property
    def base(self):
        return (self.credentials.get("base_url") or "https://api-m.paypal.com").rstrip("/")

    def _token(self):
        key = (self.base, self.credentials["client_id"])
        token = http.TOKENS.get(key)
        if token:
            return token
        try:
            r = http.call("POST", f"{self.base}/v1/oauth2/token", timeout=self.timeout,
                          data={"grant_type": "client_credentials"},
                          auth=(self.credentials["client_id"], self.credentials["client_secret"]))
        except http.NoAnswer:
            raise GatewayUnavailable("PayPal no respondió al pedir el token") from None
        if not r.ok or not r.data.get("access_token"):
            raise GatewayError(f"PayPal rechazó las credenciales (HTTP {r.status})")
        http.TOKENS.put(key, r.data["access_token"], r.data.get("expires_in"))
        return r.data["access_token"]

    def _call(self, method, path, key="", **kwargs):
        headers = {"Authorization": f"Bearer {self._token()}", "Prefer": "return=representation"}
        if key:
            headers["PayPal-Request-Id"] = key
        return http.call(method, f"{self.base}{path}", timeout=self.timeout, headers=headers, **kwargs)

    def _order(self, order_id):
        try:
            r = self._call("GET", f"/v2/checkout/orders/{order_id}")
        except http.NoAnswer as exc:
            raise GatewayUnavailable(f"PayPal no respondió ({exc})") from None
        if r.status == 404:
            return None
        if not r.ok:
            raise GatewayError(f"PayPal: {_issue(r)}")
        return r.data

    def _result(self, reference, order, message=""):
        """An order as a Result: the status is read from its authorizations and captures (COMPLETED ≠ paid)."""
        oid = order["id"]
        links = {link.get("rel"): link.get("href") for link in order.get("links", [])}
        status = order.get("status")
        unit = (order.get("purchase_units") or [{}])[0]
        pays = unit.get("payments") or {}
        auths = pays.get("authorizations") or []
        caps = [c for c in pays.get("captures") or [] if c.get("status") in ("COMPLETED", "PARTIALLY_REFUNDED", "REFUNDED", "PENDING")]
        captured = sum((money(c["amount"]["value"]) for c in caps), Decimal("0.00"))
        refunded = sum((money(r["amount"]["value"]) for r in pays.get("refunds") or [] if r.get("status") == "COMPLETED"),
                       Decimal("0.00"))
        authorized = money(auths[0]["amount"]["value"]) if auths else (captured or None)
        common = {"gateway_id": oid, "authorized_amount": authorized, "captured_amount": captured, "refunded_amount": refunded,
                  "raw": scrub(order), "message": message,
                  "expires_at": auths[0].get("expiration_time", "") if auths else ""}
        if status == "CREATED":
            return Result(Status.PENDING, reference, action_url=links.get("approve", ""), **common)
        if status == "PAYER_ACTION_REQUIRED":
            return Result(Status.CHALLENGE, reference, action_url=links.get("payer-action", ""), **common)
        if status == "APPROVED":
            return Result(Status.APPROVED, reference, **common)
        if status == "VOIDED":
            return Result(Status.VOIDED, reference, **common)
        auth_status = auths[0].get("status") if auths else ""
        if captured and refunded >= captured:
            return Result(Status.REFUNDED, reference, operation_id=caps[-1]["id"], **common)
        if auth_status in ("CREATED", "PARTIALLY_CAPTURED"):
            return Result(Status.AUTHORIZED, reference, operation_id=auths[0]["id"], **common)
        if captured:
            return Result(Status.CAPTURED, reference, operation_id=caps[-1]["id"], **common)
        if auth_status in ("VOIDED", "EXPIRED"):
            return Result(Status.VOIDED, reference, **common)
        return Result(Status.DECLINED, reference, **common)

    # --- the interface ----------------------------------------------------------------------

    def authorize(self, amount, currency, *, reference, idempotency_key, capture=True, return_url="", cancel_url="",
                  webhook_url="", description="", payment_token="", authentication_id="", payer_email=""):
        if currency != "USD":
            raise OperationRefused("Sólo USD")
        if payment_token:
            raise OperationRefused("Este adaptador de PayPal cobra con la aprobación del pagador, no con tokens")
        body = {"intent": "CAPTURE" if capture else "AUTHORIZE",
                "purchase_units": [{"reference_id": reference[:256], "custom_id": reference[:127],
                                    "description": (description or reference)[:127], "amount": _amount(amount)}],
                "payment_source": {"paypal": {"experience_context": {
                    "return_url": return_url, "cancel_url": cancel_url or return_url, "user_action": "PAY_NOW",
                    "shipping_preference": "NO_SHIPPING", "locale": "es-SV"}}}}
        try:
            r = self._call("POST", "/v2/checkout/orders", key=idempotency_key, json=body)
        except http.NoAnswer as exc:
            # Creating an order moves no money; the same key replays it [D P3].
            return Result(Status.IN_DOUBT, reference, message=f"Sin respuesta de PayPal ({exc}): repita con la misma clave")
        if not r.ok:
            raise OperationRefused(f"PayPal rechazó la orden: {_issue(r)}")
        return self._result(reference, r.data)

    def complete(self, gateway_id, *, reference, idempotency_key):
        order = self._order(gateway_id)
        if order is None:
            return Result(Status.NOT_FOUND, reference, gateway_id=gateway_id)
        if order.get("status") != "APPROVED":
            return self._result(reference, order)
        action = "authorize" if order.get("intent") == "AUTHORIZE" else "capture"
        try:
            r = self._call("POST", f"/v2/checkout/orders/{gateway_id}/{action}", key=idempotency_key, json={})
        except http.NoAnswer as exc:
            return Result(Status.IN_DOUBT, reference, gateway_id=gateway_id, message=f"Sin respuesta de PayPal ({exc})")
        if r.status == 422 and _issue(r) == "INSTRUMENT_DECLINED":
            return Result(Status.DECLINED, reference, gateway_id=gateway_id, message="INSTRUMENT_DECLINED", raw=scrub(r.data))
        if not r.ok:
            raise OperationRefused(f"PayPal: {_issue(r)}")
        return self._result(reference, r.data)

    def status(self, reference, *, gateway_id=""):
        if not gateway_id:
            raise OperationRefused("PayPal no busca por nuestra referencia: pase el id de la orden")
        order = self._order(gateway_id)
        if order is None:
            return Result(Status.NOT_FOUND, reference, gateway_id=gateway_id)
        return self._result(reference, order)

    def _auth_id(self, reference, gateway_id):
        order = self._order(gateway_id)
        if order is None:
            raise OperationRefused("Orden de PayPal no encontrada")
        now = self._result(reference, order)
        auths = ((order.get("purchase_units") or [{}])[0].get("payments") or {}).get("authorizations") or []
        return now, (auths[0]["id"] if auths else "")

    def capture(self, gateway_id, amount=None, *, reference, idempotency_key, final=True):
        now, auth_id = self._auth_id(reference, gateway_id)
        if not auth_id:  # intent CAPTURE: already captured when completed
            if now.status == Status.CAPTURED and (amount is None or money(amount) == now.captured_amount):
                return now
            raise OperationRefused(f"No hay una retención que capturar (estado {now.status})")
        if now.status != Status.AUTHORIZED:
            raise OperationRefused(f"La retención no se puede capturar (estado {now.status})")
        left = now.authorized_amount - now.captured_amount
        if amount is not None and money(amount) > left:
            raise OperationRefused(_("No se puede capturar más de lo autorizado (quedan %(a)s)") % {"a": format_money(left)})
        body = {"final_capture": bool(final) or amount is None or money(amount) == left}
        if amount is not None:
            body["amount"] = _amount(amount)
        try:
            r = self._call("POST", f"/v2/payments/authorizations/{auth_id}/capture", key=idempotency_key, json=body)
        except http.NoAnswer as exc:
            return Result(Status.IN_DOUBT, reference, gateway_id=gateway_id, message=f"Sin respuesta de PayPal ({exc})")
        if not r.ok:
            raise OperationRefused(f"PayPal rechazó la captura: {_issue(r)}")
        after = self.status(reference, gateway_id=gateway_id)
        return _with(after, operation_id=str(r.data.get("id", "")))

    def void(self, gateway_id, *, reference, idempotency_key):
        now, auth_id = self._auth_id(reference, gateway_id)
        if now.status == Status.VOIDED:
            return now
        if not auth_id or now.status != Status.AUTHORIZED:
            raise OperationRefused(f"No hay una retención que anular (estado {now.status})")
        try:
            r = self._call("POST", f"/v2/payments/authorizations/{auth_id}/void", key=idempotency_key)
        except http.NoAnswer as exc:
            return Result(Status.IN_DOUBT, reference, gateway_id=gateway_id, message=f"Sin respuesta de PayPal ({exc})")
        if not r.ok:
            raise OperationRefused(f"PayPal rechazó la anulación: {_issue(r)}")
        return self.status(reference, gateway_id=gateway_id)

    def refund(self, gateway_id, amount=None, *, reference, idempotency_key, reason=""):
        order = self._order(gateway_id)
        if order is None:
            raise OperationRefused("Orden de PayPal no encontrada")
        pays = (order.get("purchase_units") or [{}])[0].get("payments") or {}
        refunds = pays.get("refunds") or []
        caps = [c for c in pays.get("captures") or [] if c.get("status") in ("COMPLETED", "PARTIALLY_REFUNDED")]
        # What is left on each capture: its amount minus the refunds against it (refunds name their capture
        # in links "up"; paysim and PayPal list them in order, so subtract per capture from the capture's own status).
        left = []
        for c in caps:
            cap_total = money(c["amount"]["value"])
            done = sum((money(r["amount"]["value"]) for r in refunds if _refund_capture(r) == c["id"]), Decimal("0.00"))
            if cap_total - done > 0:
                left.append((c["id"], cap_total - done))
        available = sum((v for _, v in left), Decimal("0.00"))
        if not left:
            raise OperationRefused("No queda nada cobrado que reembolsar")
        wanted = available if amount is None else money(amount)
        if wanted <= 0 or wanted > available:
            raise OperationRefused(_("No se puede reembolsar más de lo cobrado (quedan %(a)s)") % {"a": format_money(available)})
        ids, remaining = [], wanted
        for n, (cap_id, cap_left) in enumerate(left):
            if remaining <= 0:
                break
            part = min(cap_left, remaining)
            body = {"note_to_payer": reason[:255]} if reason else {}
            if part != cap_left or amount is not None:
                body["amount"] = _amount(part)
            try:
                r = self._call("POST", f"/v2/payments/captures/{cap_id}/refund", key=f"{idempotency_key}:{n}", json=body)
            except http.NoAnswer as exc:
                return Result(Status.IN_DOUBT, reference, gateway_id=gateway_id, message=f"Sin respuesta de PayPal ({exc})")
            if not r.ok:
                raise OperationRefused(f"PayPal rechazó el reembolso: {_issue(r)}")
            ids.append(str(r.data.get("id", "")))
            remaining -= part
        return _with(self.status(reference, gateway_id=gateway_id), operation_id=",".join(ids))

    def verify_webhook(self, headers, raw_body):
        algo = header(headers, "PAYPAL-AUTH-ALGO")
        tid, ttime = header(headers, "PAYPAL-TRANSMISSION-ID"), header(headers, "PAYPAL-TRANSMISSION-TIME")
        sig, cert_url = header(headers, "PAYPAL-TRANSMISSION-SIG"), header(headers, "PAYPAL-CERT-URL")
        if algo != "SHA256withRSA" or not (tid and ttime and sig and cert_url):
            raise WebhookInvalid("Faltan las cabeceras de firma de PayPal")
        cert = self._cert(cert_url)
        message = f"{tid}|{ttime}|{self.credentials['webhook_id']}|{zlib.crc32(raw_body)}".encode()
        try:
            cert.public_key().verify(base64.b64decode(sig), message, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError, TypeError):
            raise WebhookInvalid("Firma de PayPal incorrecta") from None
        try:
            event = json.loads(raw_body)
            resource = event.get("resource") or {}
            related = (resource.get("supplementary_data") or {}).get("related_ids") or {}
            gateway_id = related.get("order_id") or (resource.get("id") if event["event_type"].startswith("CHECKOUT.ORDER") else "")
            reference = resource.get("custom_id") or ((resource.get("purchase_units") or [{}])[0].get("custom_id") or "")
            amount = (resource.get("amount") or {}).get("value")
            return WebhookEvent(event_id=str(event["id"]), kind=_EVENTS.get(event["event_type"], EventKind.OTHER),
                                gateway_id=str(gateway_id or ""), reference=str(reference),
                                amount=money(amount) if amount is not None else None,
                                occurred_at=str(event.get("create_time", "")), raw=scrub(event))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise WebhookInvalid(f"Cuerpo de webhook de PayPal ilegible ({type(exc).__name__})") from None

    def _cert(self, url):
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        own = urlsplit(self.base)
        trusted = (parts.scheme == "https" and (host == "paypal.com" or host.endswith(".paypal.com"))) or \
                  (bool(self.credentials.get("base_url")) and parts.scheme == own.scheme and parts.netloc == own.netloc)
        if not trusted:
            raise WebhookInvalid("PAYPAL-CERT-URL fuera de paypal.com")
        with _CERTS_LOCK:
            cert = _CERTS.get(url)
        if cert is None:
            try:
                r = httpx.get(url, timeout=self.timeout)
                r.raise_for_status()
                cert = x509.load_pem_x509_certificate(r.content)
            except (httpx.HTTPError, ValueError):
                raise WebhookInvalid("No se pudo obtener el certificado de PayPal") from None
            now = datetime.datetime.now(datetime.UTC)
            if not (cert.not_valid_before_utc <= now <= cert.not_valid_after_utc):
                raise WebhookInvalid("Certificado de PayPal vencido")
            with _CERTS_LOCK:
                _CERTS[url] = cert
        return cert

    # --- settlements (issue 21): the daily Settlement Report CSV [D P10]. PayPal places it on its
    # SFTP server (/ppreports/outgoing, separate SFTP credentials); ``settlement_url`` (paysim's
    # HTTP copy of that folder) is read with Basic client_id:secret [G: transport only].
    def settlement(self, payout_date):
        folder = self.credentials.get("settlement_url") or f"{self.base}/ppreports/outgoing"
        name = f"STL-{payout_date:%Y%m%d}.A.01.009.CSV"
        try:
            r = http.call("GET", f"{folder.rstrip('/')}/{name}", timeout=self.timeout,
                          auth=(self.credentials["client_id"], self.credentials["client_secret"]))
        except http.NoAnswer as exc:
            raise GatewayUnavailable(f"PayPal no respondió ({exc})") from None
        if not r.ok:
            raise GatewayError(f"PayPal no entregó el reporte {name} (HTTP {r.status})")
        return settlements.paypal(r.content, file_name=name)

    def parse_settlement(self, content, *, file_name=""):
        return settlements.paypal(content, file_name)


def _refund_capture(refund):
    for link in refund.get("links") or []:
        if link.get("rel") == "up" and "/captures/" in link.get("href", ""):
            return link["href"].rstrip("/").rsplit("/", 1)[-1]
    return ((refund.get("supplementary_data") or {}).get("related_ids") or {}).get("capture_id", "")


def _with(result, **changes):
    return replace(result, **changes)
