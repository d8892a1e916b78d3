"""Wompi El Salvador (Banco Agrícola) behind payments.gateways.base.Gateway.

Payment links only: the payer types the card on Wompi's page, we hold the link (facts §1).
Sources per call (payments-facts.md §1):
- token: POST https://id.wompi.sv/connect/token, client credentials, audience wompi_api [D W1].
- authorize → POST /EnlacePago (identificadorEnlaceComercio = our reference) [C W6, C W7].
- status → GET /EnlacePago/{idEnlace} (transacciones[]) [C W7] and GET /TransaccionCompra/{id}
  (paid only if esReal and esAprobada and monto matches [D W4]). Without the link id:
  GET /EnlacePago?identificadorEnlaceComercio= — [G] not in Wompi's public docs (facts §8), served
  by paysim; confirm with Wompi before production.
- void (an unpaid link) → PUT /EnlacePago/{id}/desactivar [C W6–W9].
- webhook: header wompi_hash = hex HMAC-SHA256(raw body, API Secret); no event id or timestamp,
  so dedup on IdTransaccion [D W2, D W3].
No holds (captures at once), no refund API (dashboard only) [facts §0, C W7, C W9].
"""

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


@register
class Wompi(Gateway):
    code = "wompi"
    name = "Wompi"
    credential_fields = ("client_id", "client_secret")  # App ID, API Secret (also signs webhooks)

    @property
    def base(self):
        return (self.credentials.get("base_url") or "https://api.wompi.sv").rstrip("/")

    @property
    def auth_url(self):
        if self.credentials.get("auth_url"):
            return self.credentials["auth_url"]
        if self.credentials.get("base_url"):
            return f"{self.base}/connect/token"
        return "https://id.wompi.sv/connect/token"

    def _token(self):
        key = (self.auth_url, self.credentials["client_id"])
        token = http.TOKENS.get(key)
        if token:
            return token
        try:
            r = http.call("POST", self.auth_url, timeout=self.timeout, data={
                "grant_type": "client_credentials", "audience": "wompi_api",
                "client_id": self.credentials["client_id"], "client_secret": self.credentials["client_secret"]})
        except http.NoAnswer:
            raise GatewayUnavailable("Wompi no respondió al pedir el token") from None
        if not r.ok or not r.data.get("access_token"):
            raise GatewayError(f"Wompi rechazó las credenciales (HTTP {r.status})")
        http.TOKENS.put(key, r.data["access_token"], r.data.get("expires_in"))
        return r.data["access_token"]

    def _call(self, method, path, **kwargs):
        return http.call(method, f"{self.base}{path}", timeout=self.timeout,
                         headers={"Authorization": f"Bearer {self._token()}"}, **kwargs)

    @staticmethod
    def _message(r):
        msgs = r.data.get("mensajes") if isinstance(r.data, dict) else None
        return "; ".join(str(m) for m in msgs) if msgs else f"HTTP {r.status}"

    # --- the interface ----------------------------------------------------------------------

    def authorize(self, amount, currency, *, reference, idempotency_key, capture=True, return_url="", cancel_url="",
                  webhook_url="", description="", payment_token="", authentication_id="", payer_email=""):
        if currency != "USD":
            raise OperationRefused("Wompi cobra sólo en USD")
        if payment_token:
            raise OperationRefused("Este adaptador de Wompi cobra por enlace de pago, no con tarjeta tokenizada")
        body = {
            "identificadorEnlaceComercio": reference, "monto": float(amount),
            "nombreProducto": (description or reference)[:100],
            "formaPago": {"permitirTarjetaCreditoDebido": True, "permitirPagoConPuntoAgricola": False,
                          "permitirPagoEnCuotasAgricola": False, "permitirPagoEnBitcoin": False,
                          "permitePagoQuickPay": False},
            "configuracion": {"urlRedirect": return_url, "urlRetorno": cancel_url or return_url,
                              "urlWebhook": webhook_url, "notificarTransaccionCliente": False,
                              "esMontoEditable": False, "esCantidadEditable": False},
            "limitesDeUso": {"cantidadMaximaPagosExitosos": 1},
        }
        try:
            r = self._call("POST", "/EnlacePago", json=body)
        except http.NoAnswer as exc:
            return Result(Status.IN_DOUBT, reference, message=f"Sin respuesta de Wompi ({exc})")
        if not r.ok:
            raise OperationRefused(f"Wompi rechazó el enlace: {self._message(r)}")
        return Result(Status.PENDING, reference, gateway_id=str(r.data["idEnlace"]), action_url=r.data.get("urlEnlace", ""),
                      raw=scrub(r.data))

    def status(self, reference, *, gateway_id=""):
        try:
            if gateway_id:
                r = self._call("GET", f"/EnlacePago/{gateway_id}")
                if r.status == 404:
                    return Result(Status.NOT_FOUND, reference, gateway_id=gateway_id)
                links = [r.data] if r.ok else []
            else:
                r = self._call("GET", "/EnlacePago", params={"identificadorEnlaceComercio": reference})
                links = r.data.get("enlaces", []) if r.ok else []
            if not r.ok and r.status != 404:
                raise GatewayError(f"Wompi: {self._message(r)}")
            if not links:
                return Result(Status.NOT_FOUND, reference, gateway_id=gateway_id)
            link = links[-1]
            gid = str(link["idEnlace"])
            for tx in link.get("transacciones", []):
                if tx.get("esAprobada"):
                    t = self._call("GET", f"/TransaccionCompra/{tx['idTransaccion']}")
                    if t.ok and t.data.get("esReal") and t.data.get("esAprobada") and money(t.data["monto"]) == money(link["monto"]):
                        return Result(Status.CAPTURED, reference, gateway_id=gid, captured_amount=money(t.data["monto"]),
                                      authorized_amount=money(t.data["monto"]), refunded_amount=Decimal("0.00"),
                                      operation_id=t.data["idTransaccion"], authorization_code=t.data.get("codigoAutorizacion", ""),
                                      raw=scrub(t.data))
            declined = [tx for tx in link.get("transacciones", []) if not tx.get("esAprobada")]
            if not link.get("estaActivo", True):
                return Result(Status.VOIDED, reference, gateway_id=gid, raw=scrub(link))
            return Result(Status.PENDING, reference, gateway_id=gid, action_url=link.get("urlEnlace", ""),
                          message=declined[-1].get("mensaje", "") if declined else "", raw=scrub(link))
        except http.NoAnswer as exc:
            raise GatewayUnavailable(f"Wompi no respondió ({exc})") from None

    def capture(self, gateway_id, amount=None, *, reference, idempotency_key, final=True):
        # Wompi captures when the payer pays (no holds): "capturing" is checking it was paid in full.
        now = self.status(reference, gateway_id=gateway_id)
        if now.status != Status.CAPTURED:
            raise OperationRefused(f"No hay un pago que capturar (estado {now.status})")
        if amount is not None and money(amount) != now.captured_amount:
            raise OperationRefused("Wompi no admite capturas parciales ni por más de lo pagado")
        return now

    def void(self, gateway_id, *, reference, idempotency_key):
        now = self.status(reference, gateway_id=gateway_id)
        if now.status == Status.VOIDED:
            return now
        if now.status != Status.PENDING:
            raise OperationRefused(f"Wompi no anula por API un pago {now.status}: sólo se desactiva un enlace sin pagar")
        try:
            r = self._call("PUT", f"/EnlacePago/{now.gateway_id}/desactivar")
        except http.NoAnswer as exc:
            return Result(Status.IN_DOUBT, reference, gateway_id=now.gateway_id, message=str(exc))
        if not r.ok:
            raise OperationRefused(f"Wompi no desactivó el enlace: {self._message(r)}")
        return self.status(reference, gateway_id=now.gateway_id)

    def refund(self, gateway_id, amount=None, *, reference, idempotency_key, reason=""):
        raise OperationRefused("Wompi no tiene API de reembolsos: se hacen desde su panel (payments-facts §1)")

    def verify_webhook(self, headers, raw_body):
        given = header(headers, "wompi_hash")
        expected = hmac.new(self.credentials["client_secret"].encode(), raw_body, hashlib.sha256).hexdigest()
        if not given or not hmac.compare_digest(given.lower(), expected):
            raise WebhookInvalid("Firma wompi_hash ausente o incorrecta")
        try:
            data = json.loads(raw_body)
            link = data.get("EnlacePago") or {}
            ok = data["ResultadoTransaccion"] == "ExitosaAprobada"
            return WebhookEvent(event_id=str(data["IdTransaccion"]), kind=EventKind.CAPTURED if ok else EventKind.DECLINED,
                                gateway_id=str(link.get("Id", "")), reference=str(link.get("IdentificadorEnlaceComercio", "")),
                                amount=money(data["Monto"]), occurred_at=str(data.get("FechaTransaccion", "")), raw=scrub(data))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise WebhookInvalid(f"Cuerpo de webhook de Wompi ilegible ({type(exc).__name__})") from None

    # --- settlements (issue 21) [G: Wompi publishes no settlement report, facts §8; paysim's shape]
    def settlement(self, payout_date):
        try:
            r = self._call("GET", "/Liquidacion", params={"fechaPago": payout_date.isoformat()})
        except http.NoAnswer as exc:
            raise GatewayUnavailable(f"Wompi no respondió ({exc})") from None
        if not r.ok:
            raise GatewayError(f"Wompi no entregó la liquidación: {self._message(r)}")
        return settlements.wompi(r.content, file_name=f"wompi-{payout_date:%Y%m%d}.json")

    def parse_settlement(self, content, *, file_name=""):
        return settlements.wompi(content, file_name)
