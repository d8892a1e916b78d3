"""n1co (H4B), as paysim speaks it under /n1co/.

Sources (payments-facts.md §2; the codes are its sources list):
- POST /api/v3/Token {clientId, clientSecret} → {tokenType, expiresIn, accessToken} [D N4
  https://api-docs-en.n1co.com/openapi/clientapp/operation/getToken].
- POST /api/v3/PaymentMethods — tokenize a card [D N2 https://docs.h4b.dev/docs/integration-api/epay/paymentmethods].
  Called by the payer's side (the tokenizer), never by the product's adapter.
- POST /api/v3/Charges — charge a token; AUTHENTICATION_REQUIRED with authentication{url,id}, then
  the same charge again with authenticationId [D N1 https://docs.h4b.dev/docs/integration-api/epay/payment/payments,
  D N3 https://docs.n1co.com/docs/integration-api/authentication3ds].
- POST /api/v3/Refunds {orderId, cancellationReason} — full refund only [D N4 …/refundCharge, C N7].
- POST /api/paymentlink/checkout, GET /api/paymentlink/order/{orderCode} — checkout links [D N6
  https://docs.n1co.com/en/docs/checkoutlink-api/endpoints, C N7]. Static Bearer (the secret key).
- Webhooks: body {orderId, orderReference, orderType, type, level, description, metadata}, header
  X-H4B-Hmac-Sha256 = base64 HMAC-SHA256(raw body, webhook secret) [C N7, D N5].
- [G] Failure status "FAILED": n1co's failure statuses were not found (facts §2).
- [G] GET /api/v3/Orders/{orderId}: NOT in n1co's public docs (facts §8). paysim offers it so an
  adapter whose charge answer was lost can ask where the order stands instead of charging again;
  confirm with n1co before production.
n1co has no holds (charges are captured at once) and no partial refunds [facts §0, D N4].
"""

import base64
import hashlib
import hmac

from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from paysim import core
from paysim.models import CardToken, Merchant, Payment


def _err(status, message):
    return JsonResponse({"success": False, "message": message, "error": message}, status=status)


def sign(merchant):
    def _sign(body):
        mac = hmac.new((merchant.webhook_secret or merchant.client_secret).encode(), body, hashlib.sha256).digest()
        return {"Content-Type": "application/json", "X-H4B-Hmac-Sha256": base64.b64encode(mac).decode()}
    return _sign


def _merchant(request, link=False):
    merchant = core.merchant_from_request(request, "n1co")
    if merchant is None and link:  # checkout links take the static secret key as Bearer [C N7]
        secret = request.headers.get("Authorization", "")[7:].strip()
        merchant = Merchant.objects.filter(gateway="n1co", client_secret=secret).first() if secret else None
    return merchant


@csrf_exempt
def token(request):
    body = core.json_body(request) or {}
    merchant = core.find_merchant("n1co", body.get("clientId"), body.get("clientSecret"))
    if merchant is None:
        return _err(401, "Credenciales inválidas")
    return JsonResponse({"tokenType": "Bearer", "expiresIn": 3599, "accessToken": core.issue_token(merchant)})


@csrf_exempt
def payment_methods(request):
    """The tokenizer: the card goes in, a token comes out; paysim keeps the last four digits only."""
    merchant = _merchant(request)
    if merchant is None:
        return _err(401, "No autorizado")
    body = core.json_body(request) or {}
    card = body.get("card") or {}
    number = str(card.get("number") or "")
    if len("".join(c for c in number if c.isdigit())) < 12 or not card.get("cvv"):
        return _err(400, "Tarjeta inválida")
    tok = CardToken.objects.create(merchant=merchant, token=core.new_id("card_", 20), last4=core.last4(number),
                                   brand="MASTERCARD" if number.startswith("5") else "VISA",
                                   behaviour=core.card_behaviour(number))
    return JsonResponse({"id": tok.token, "type": "card",
                         "bin": {"brand": tok.brand, "issuerName": "BANCO SIMULADO", "countryCode": "SV"},
                         "success": True, "message": "Tarjeta tokenizada"})


def _charge_json(request, p, status, message=""):
    body = {"status": status, "message": message, "error": "" if status == "SUCCEEDED" else message,
            "authentication": None,
            "order": {"id": p.order_id, "reference": p.transaction_id, "amount": float(p.amount),
                      "captureAmount": float(p.captured), "currency": "USD", "authorizationCode": p.authorization_code},
            "createdAt": p.created_at.isoformat()}
    if status == "AUTHENTICATION_REQUIRED":
        body["authentication"] = {"url": f"{core.public_url(request)}/n1co/3ds/{p.three_ds_id}", "id": p.three_ds_id}
    return body


@csrf_exempt
def charges(request):
    merchant = _merchant(request)
    if merchant is None:
        return _err(401, "No autorizado")
    body = core.json_body(request)
    if body is None:
        return _err(400, "JSON inválido")
    order = body.get("order") or {}
    order_id = str(order.get("id") or "")
    amount = core.money(order.get("amount"))
    if not order_id or amount is None or amount <= 0:
        return _err(400, "order.id y order.amount son requeridos")
    card = CardToken.objects.filter(merchant=merchant, token=str(body.get("cardId") or "")).first()
    if card is None:
        return _err(400, "cardId inválido")
    auth_id = str(body.get("authenticationId") or "")
    with transaction.atomic():
        p = Payment.objects.select_for_update().filter(merchant=merchant, gateway="n1co", kind="charge",
                                                       order_id=order_id).first()
        if p is not None:
            if not (p.status == "challenge" and auth_id and auth_id == p.three_ds_id):
                # [G] n1co keeps order.id unique (facts §2): a second charge for it is refused.
                return _err(400, f"La orden {order_id} ya existe")
            if not p.three_ds_done:
                return JsonResponse(_charge_json(request, p, "AUTHENTICATION_REQUIRED", "Autenticación 3DS pendiente"))
        else:
            try:
                p = Payment.objects.create(merchant=merchant, gateway="n1co", kind="charge", public_id=core.new_id("CH", 16),
                                           order_id=order_id, reference=order_id, amount=amount,
                                           description=str(order.get("description") or order.get("name") or "")[:255],
                                           card_last4=card.last4, request={k: v for k, v in body.items() if k != "card"})
            except IntegrityError:
                return _err(400, f"La orden {order_id} ya existe")
        outcome = core.decide("n1co", card.behaviour, p.three_ds_done)
        if outcome == "challenge":
            p.status, p.three_ds_id = "challenge", core.new_id("3DS", 16)
            p.save()
            _webhook(p, "Requires3ds", "Se requiere autenticación 3DS")
            return JsonResponse(_charge_json(request, p, "AUTHENTICATION_REQUIRED", "Se requiere autenticación 3DS"))
        if outcome == "decline":
            op = core.record(p, "charge", p.amount, ok=False, message="Tarjeta declinada")
            p.status = "declined"
            p.save()
            _webhook(p, "PaymentError", "Tarjeta declinada", op)
            return JsonResponse(_charge_json(request, p, "FAILED", "Tarjeta declinada"))
        return JsonResponse(_charge_json(request, _approve(p), "SUCCEEDED", "Pago exitoso"))


def _approve(p):
    op = core.record(p, "charge", p.amount, ok=True, message="Pago exitoso")
    p.status, p.captured, p.authorized = "captured", p.amount, p.amount
    p.authorization_code, p.transaction_id = core.auth_code(), op.op_id
    p.save()
    _webhook(p, "SuccessPayment", "Pago exitoso", op)
    return p


@csrf_exempt
def refunds(request):
    merchant = _merchant(request)
    if merchant is None:
        return _err(401, "No autorizado")
    body = core.json_body(request) or {}
    order_id = str(body.get("orderId") or "")
    if "amount" in body:
        return _err(400, "n1co reembolsa el cargo completo: no acepta monto")  # [D N4]
    with transaction.atomic():
        p = Payment.objects.select_for_update().filter(merchant=merchant, gateway="n1co", order_id=order_id).first()
        if p is None:
            return _err(404, "Orden no encontrada")
        if p.status != "captured":
            return _err(400, f"La orden no se puede reembolsar (estado {p.status})")
        op = core.record(p, "refund", p.captured, message=str(body.get("cancellationReason") or "")[:200])
        p.refunded, p.status = p.captured, "refunded"
        p.save()
        _webhook(p, "SuccessReverse", "Reverso exitoso", op)
    return JsonResponse({"success": True, "refundId": op.op_id, "orderId": order_id, "amount": float(op.amount),
                         "currency": "USD", "refundedAt": op.created_at.isoformat(), "status": "SUCCEEDED"})


_ORDER_STATUS = {"created": "PENDING", "challenge": "AUTHENTICATION_REQUIRED", "captured": "PAID",
                 "declined": "FAILED", "refunded": "REFUNDED", "expired": "CANCELLED", "voided": "CANCELLED"}


def order_status(request, order_id):
    """[G] see the module docstring."""
    merchant = _merchant(request)
    if merchant is None:
        return _err(401, "No autorizado")
    p = Payment.objects.filter(merchant=merchant, gateway="n1co", order_id=order_id).first()
    if p is None:
        return _err(404, "Orden no encontrada")
    return JsonResponse({"orderId": p.order_id, "orderReference": p.reference, "status": _ORDER_STATUS[p.status],
                         "amount": float(p.amount), "captureAmount": float(p.captured),
                         "refundedAmount": float(p.refunded), "authorizationCode": p.authorization_code,
                         "chargeId": p.transaction_id, "paymentLinkCode": p.public_id if p.kind == "link" else ""})


@csrf_exempt
def checkout(request):
    merchant = _merchant(request, link=True)
    if merchant is None:
        return _err(401, "No autorizado")
    body = core.json_body(request) or {}
    amount = core.money(body.get("amount"))
    ref = str(body.get("orderReference") or "")[:255]
    if amount is None or amount <= 0 or not ref:
        return _err(400, "orderReference y amount son requeridos")
    code = core.new_id("", 10)
    order_id = str(Payment.objects.filter(gateway="n1co").count() + 500000)
    p = Payment.objects.create(merchant=merchant, gateway="n1co", kind="link", public_id=code, order_id=order_id,
                               reference=ref, amount=amount, description=str(body.get("orderName") or "")[:255],
                               return_url=str(body.get("successUrl") or ""), cancel_url=str(body.get("cancelUrl") or ""),
                               request=body)
    _webhook(p, "Created", "Orden creada")
    return JsonResponse({"orderId": order_id, "orderCode": code,
                         "paymentLinkUrl": f"{core.public_url(request)}/n1co/pagar/{code}"})


_LINK_STATUS = {"created": "PENDING", "challenge": "PENDING", "captured": "PAID", "declined": "PENDING",
                "refunded": "FINALIZED", "expired": "CANCELLED", "voided": "CANCELLED"}


def link_order(request, code):
    merchant = _merchant(request, link=True)
    if merchant is None:
        return _err(401, "No autorizado")
    p = Payment.objects.filter(merchant=merchant, gateway="n1co", kind="link", public_id=code).first()
    if p is None:
        return _err(404, "Orden no encontrada")
    return JsonResponse({"orderId": p.order_id, "orderCode": p.public_id, "orderStatus": _LINK_STATUS[p.status],
                         "orderReference": p.reference, "total": float(p.amount),
                         "payment": {"authorizationCode": p.authorization_code, "buyer": {"email": "cliente@example.com"}}
                         if p.captured else None})


def _webhook(p, kind, description, op=None):
    meta = {}
    if kind == "SuccessPayment" and op is not None:
        meta = {"PaymentId": op.op_id, "ChargeId": op.op_id, "TransactionDate": op.created_at.isoformat(),
                "BuyerEmail": "cliente@example.com"}
    elif op is not None:
        meta = {"OperationId": op.op_id}
    body = {"orderId": p.order_id, "orderReference": p.reference, "orderType": "PaymentLink" if p.kind == "link" else "Charge",
            "type": kind, "level": "Info", "description": description, "metadata": meta}
    # n1co bodies carry no event id: the sender's dedup key is order + type + operation.
    core.emit(p, kind, f"{p.order_id}:{kind}:{op.op_id if op else ''}", core.dumps(body), sign(p.merchant))


# --- the payer's side (paysim.pages) -----------------------------------------------------------

def approved(p, request):
    _approve(p)
    return p.return_url


def declined(p, request):
    op = core.record(p, "charge", p.amount, ok=False, message="Tarjeta declinada")
    p.status = "declined" if p.kind == "charge" else "created"  # a link can be tried again
    p.save()
    _webhook(p, "PaymentError", "Tarjeta declinada", op)
    return p.cancel_url or p.return_url


def authenticated(p, ok):
    """The 3-D Secure page's outcome for a charge: the merchant repeats the charge with authenticationId."""
    p.three_ds_done = ok
    if not ok:
        p.status = "declined"
    p.save()
    _webhook(p, "ThreeDSecureAuthSucceeded" if ok else "ThreeDSecureAuthFailed", "Autenticación 3DS")
