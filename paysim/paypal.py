"""PayPal Orders v2 / Payments v2, as paysim speaks it under /paypal/.

Sources (payments-facts.md §3; the codes are its sources list):
- POST /v1/oauth2/token — Basic client_id:secret, grant_type=client_credentials [D P2
  https://developer.paypal.com/api/rest/authentication/].
- POST /v2/checkout/orders {intent CAPTURE|AUTHORIZE, purchase_units[{reference_id, custom_id,
  invoice_id, amount}]}, GET …/{id}, POST …/{id}/authorize|capture; statuses CREATED, APPROVED,
  COMPLETED, VOIDED, PAYER_ACTION_REQUIRED (the ``payer-action`` link for 3-D Secure) [D P7
  https://developer.paypal.com/api/orders/v2/definitions/order_status].
- POST /v2/payments/authorizations/{id}/capture {amount?, final_capture, invoice_id} (partial
  captures), …/void (also after a partial capture with final_capture=false) [D P1
  https://developer.paypal.com/docs/checkout/advanced/authorization-honor, D P8
  https://developer.paypal.com/beta/payments/void-authorization].
- POST /v2/payments/captures/{id}/refund {amount?} — omitted amount = full; several partials up
  to the captured total [D P8 https://developer.paypal.com/beta/payments/refund].
- PayPal-Request-Id: the same id returns the original's latest answer [D P3
  https://developer.paypal.com/api/rest/reference/idempotency/].
- Errors {name, message, debug_id, details[{issue, description}], links} [D P4]. The issue codes
  (INSTRUMENT_DECLINED, ORDER_NOT_APPROVED, MAX_CAPTURE_AMOUNT_EXCEEDED, AUTHORIZATION_ALREADY_CAPTURED,
  PREVIOUSLY_VOIDED, REFUND_AMOUNT_EXCEEDED) are PayPal's names as commonly reported [G: not
  re-checked one by one in the reference].
- Webhooks: CHECKOUT.ORDER.APPROVED, PAYMENT.AUTHORIZATION.CREATED|VOIDED,
  PAYMENT.CAPTURE.COMPLETED|DECLINED|REFUNDED [D P6 https://developer.paypal.com/api/rest/webhooks/event-names/];
  signed RSA-SHA256 over ``transmission_id|transmission_time|webhook_id|crc32(raw body)``, base64 in
  PAYPAL-TRANSMISSION-SIG, cert at PAYPAL-CERT-URL, PAYPAL-AUTH-ALGO SHA256withRSA [D P4, P P11
  https://www.bahjeez.com/validating-paypal-webhooks-offline-almost/]. paysim's cert is self-signed
  and served at /paypal/certs/paysim.pem.
"""

import base64
import datetime
import json
import os
import zlib
from decimal import Decimal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from paysim import core
from paysim.models import Operation, Payment


def _err(status, name, issue, description=""):
    return JsonResponse({"name": name, "message": description or issue, "debug_id": core.new_id("", 13).lower(),
                         "details": [{"issue": issue, "description": description or issue}],
                         "links": [{"href": "https://developer.paypal.com/api/rest/reference/orders/v2/errors/",
                                    "rel": "information_link"}]}, status=status)


def _unprocessable(issue, description=""):
    return _err(422, "UNPROCESSABLE_ENTITY", issue, description)


# --- the signing key and its certificate --------------------------------------------------------

_KEY = None


def signing_key():
    """paysim's RSA key and self-signed cert, made once per VAR_DIR (shared by its workers)."""
    global _KEY
    if _KEY is not None:
        return _KEY
    key_path, cert_path = settings.VAR_DIR / "paysim-paypal-key.pem", settings.VAR_DIR / "paysim-paypal-cert.pem"
    if not cert_path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "messageverificationcerts.paysim.local")])
        now = datetime.datetime.now(datetime.UTC)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=3650)).sign(key, hashes.SHA256()))
        tmp = f".{os.getpid()}.tmp"
        key_tmp, cert_tmp = key_path.with_suffix(tmp), cert_path.with_suffix(tmp)
        key_tmp.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
        cert_tmp.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        if not cert_path.exists():  # another worker may have won: keep its pair
            os.replace(key_tmp, key_path)
            os.replace(cert_tmp, cert_path)
        else:
            key_tmp.unlink()
            cert_tmp.unlink()
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    _KEY = (key, cert_path.read_bytes())
    return _KEY


def cert(request):
    return HttpResponse(signing_key()[1], content_type="application/x-pem-file")


def sign(merchant, base_url):
    def _sign(body):
        key, _pem = signing_key()
        transmission_id = core.uuid4()
        transmission_time = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        message = f"{transmission_id}|{transmission_time}|{merchant.webhook_id}|{zlib.crc32(body)}"
        sig = key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
        return {"Content-Type": "application/json", "PAYPAL-TRANSMISSION-ID": transmission_id,
                "PAYPAL-TRANSMISSION-TIME": transmission_time, "PAYPAL-TRANSMISSION-SIG": base64.b64encode(sig).decode(),
                "PAYPAL-CERT-URL": f"{base_url}/paypal/certs/paysim.pem", "PAYPAL-AUTH-ALGO": "SHA256withRSA"}
    return _sign


# --- auth ---------------------------------------------------------------------------------------

@csrf_exempt
def token(request):
    auth = request.headers.get("Authorization", "")
    try:
        client_id, secret = base64.b64decode(auth[6:]).decode().split(":", 1) if auth.startswith("Basic ") else ("", "")
    except (ValueError, UnicodeDecodeError):
        client_id, secret = "", ""
    merchant = core.find_merchant("paypal", client_id, secret)
    if merchant is None or request.POST.get("grant_type") != "client_credentials":
        return JsonResponse({"error": "invalid_client", "error_description": "Client Authentication failed"}, status=401)
    return JsonResponse({"scope": "https://uri.paypal.com/services/payments/payment", "access_token": core.issue_token(merchant),
                         "token_type": "Bearer", "app_id": "APP-PAYSIM", "expires_in": 32400, "nonce": core.uuid4()})


def _merchant(request):
    return core.merchant_from_request(request, "paypal")


def _amount(value):
    return {"currency_code": "USD", "value": f"{value:.2f}"}


def _auth_status(p):
    if p.status == "voided" or p.operations.filter(kind="void", ok=True).exists():
        return "VOIDED"
    if p.captured and p.captured >= p.authorized:
        return "CAPTURED"
    if p.captured:
        return "PARTIALLY_CAPTURED"
    return "CREATED"


def _capture_json(op, p):
    refunded = sum((r.amount for r in p.operations.filter(kind="refund", parent=op.op_id, ok=True)), Decimal(0))
    status = "COMPLETED" if not refunded else ("REFUNDED" if refunded >= op.amount else "PARTIALLY_REFUNDED")
    return {"id": op.op_id, "status": status, "amount": _amount(op.amount), "final_capture": op.final,
            "invoice_id": p.request.get("invoice_id", ""), "custom_id": p.reference,
            "create_time": op.created_at.isoformat(),
            "supplementary_data": {"related_ids": {"order_id": p.public_id, "authorization_id": p.authorization_id}}}


def _order_json(request, p):
    base = core.public_url(request)
    status = {"created": "CREATED", "challenge": "PAYER_ACTION_REQUIRED", "approved": "APPROVED",
              "declined": "APPROVED", "voided": "VOIDED"}.get(p.status, "COMPLETED")
    payments = {}
    if p.authorization_id:
        payments["authorizations"] = [{"id": p.authorization_id, "status": _auth_status(p), "amount": _amount(p.authorized),
                                       "custom_id": p.reference, "expiration_time": (p.created_at + datetime.timedelta(days=29)).isoformat()}]
    captures = [_capture_json(op, p) for op in p.operations.filter(kind__in=["capture"], ok=True).order_by("id")]
    if captures:
        payments["captures"] = captures
    refunds = [{"id": op.op_id, "status": "COMPLETED", "amount": _amount(op.amount),
                "links": [{"href": f"{base}/paypal/v2/payments/captures/{op.parent}", "rel": "up", "method": "GET"}]}
               for op in p.operations.filter(kind="refund", ok=True).order_by("id")]
    if refunds:
        payments["refunds"] = refunds
    unit = {"reference_id": p.reference, "custom_id": p.reference, "invoice_id": p.request.get("invoice_id", ""),
            "amount": _amount(p.amount), "description": p.description}
    if payments:
        unit["payments"] = payments
    links = [{"href": f"{base}/paypal/v2/checkout/orders/{p.public_id}", "rel": "self", "method": "GET"}]
    if status in ("CREATED", "PAYER_ACTION_REQUIRED"):
        rel = "payer-action" if status == "PAYER_ACTION_REQUIRED" else "approve"
        links.append({"href": f"{base}/paypal/checkoutnow?token={p.public_id}", "rel": rel, "method": "GET"})
    return {"id": p.public_id, "intent": p.intent.upper(), "status": status, "purchase_units": [unit],
            "create_time": p.created_at.isoformat(), "links": links}


def _idempotent(view):
    """PayPal-Request-Id [D P3]: the first 2xx answer for (merchant, key, path) is replayed."""
    def wrapped(request, *args, **kwargs):
        merchant = _merchant(request)
        if merchant is None:
            return _err(401, "AUTHENTICATION_FAILURE", "AUTHENTICATION_FAILURE", "Authentication failed due to invalid authentication credentials or a missing Authorization header.")
        key = request.headers.get("PayPal-Request-Id", "")
        replay = core.replayed(merchant, key, request.path)
        if replay is not None:
            return replay
        return core.remember(merchant, key, request.path, view(request, merchant, *args, **kwargs))
    return csrf_exempt(wrapped)


@_idempotent
def orders(request, merchant):
    if request.method != "POST":
        return _err(405, "METHOD_NOT_SUPPORTED", "METHOD_NOT_SUPPORTED")
    body = core.json_body(request)
    if body is None:
        return _err(400, "INVALID_REQUEST", "MALFORMED_REQUEST_JSON")
    intent = str(body.get("intent") or "").lower()
    units = body.get("purchase_units") or []
    if intent not in ("capture", "authorize") or len(units) != 1:
        return _err(400, "INVALID_REQUEST", "INVALID_PARAMETER_VALUE", "intent and one purchase_unit are required")
    unit = units[0]
    amount = core.money((unit.get("amount") or {}).get("value"))
    if amount is None or amount <= 0 or (unit.get("amount") or {}).get("currency_code") != "USD":
        return _err(400, "INVALID_REQUEST", "INVALID_PARAMETER_VALUE", "amount")
    ctx = body.get("application_context") or (body.get("payment_source", {}).get("paypal", {}).get("experience_context", {}))
    p = Payment.objects.create(merchant=merchant, gateway="paypal", kind="order", public_id=core.new_id("", 17),
                               reference=str(unit.get("custom_id") or unit.get("reference_id") or ""), intent=intent,
                               amount=amount, description=str(unit.get("description") or "")[:255],
                               return_url=str(ctx.get("return_url") or ""), cancel_url=str(ctx.get("cancel_url") or ""),
                               request={"invoice_id": unit.get("invoice_id", ""), "reference_id": unit.get("reference_id", "")})
    if core.faults.take("challenge", "paypal") is not None:
        p.status, p.three_ds_id = "challenge", core.new_id("3DS", 16)
        p.save()
    return JsonResponse(_order_json(request, p), status=201)


def order(request, order_id):
    merchant = _merchant(request)
    if merchant is None:
        return _err(401, "AUTHENTICATION_FAILURE", "AUTHENTICATION_FAILURE")
    p = Payment.objects.filter(merchant=merchant, gateway="paypal", public_id=order_id).first()
    if p is None:
        return _err(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "Specified resource ID does not exist.")
    return JsonResponse(_order_json(request, p))


@_idempotent
def order_action(request, merchant, order_id, action):
    with transaction.atomic():
        p = Payment.objects.select_for_update().filter(merchant=merchant, gateway="paypal", public_id=order_id).first()
        if p is None:
            return _err(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "Specified resource ID does not exist.")
        if action != p.intent:
            return _unprocessable("ACTION_DOES_NOT_MATCH_INTENT")
        if p.status in ("authorized", "captured", "refunded") or (p.status == "voided" and p.authorization_id):
            return _unprocessable("ORDER_ALREADY_CAPTURED" if action == "capture" else "ORDER_ALREADY_AUTHORIZED")
        if p.status not in ("approved", "declined"):
            return _unprocessable("ORDER_NOT_APPROVED", "Payer has not yet approved the Order for payment.")
        key = request.headers.get("PayPal-Request-Id", "")
        if core.decide("paypal", "approve", three_ds_done=True) == "decline":
            core.record(p, action, p.amount, ok=False, message="INSTRUMENT_DECLINED", key=key)
            p.status = "declined"
            p.save()
            _webhook(request, p, "PAYMENT.CAPTURE.DECLINED", "capture", {"id": core.new_id("", 17), "status": "DECLINED",
                                                                         "amount": _amount(p.amount), "custom_id": p.reference})
            return _unprocessable("INSTRUMENT_DECLINED", "The instrument presented was either declined by the processor or bank, or it can't be used for this payment.")
        p.authorization_id = core.new_id("", 17)
        p.authorized = p.amount
        if action == "authorize":
            core.record(p, "authorize", p.amount, key=key, op_id=p.authorization_id)
            p.status = "authorized"
            p.save()
            _webhook(request, p, "PAYMENT.AUTHORIZATION.CREATED", "authorization",
                     {"id": p.authorization_id, "status": "CREATED", "amount": _amount(p.amount), "custom_id": p.reference,
                      "supplementary_data": {"related_ids": {"order_id": p.public_id}}})
        else:
            op = core.record(p, "capture", p.amount, key=key)
            p.status, p.captured, p.authorization_code = "captured", p.amount, core.auth_code()
            p.save()
            _webhook(request, p, "PAYMENT.CAPTURE.COMPLETED", "capture", _capture_json(op, p))
        return JsonResponse(_order_json(request, p), status=201)


def _find_auth(merchant, auth_id):
    return Payment.objects.select_for_update().filter(merchant=merchant, gateway="paypal", authorization_id=auth_id).first()


def authorization(request, auth_id):
    merchant = _merchant(request)
    if merchant is None:
        return _err(401, "AUTHENTICATION_FAILURE", "AUTHENTICATION_FAILURE")
    p = Payment.objects.filter(merchant=merchant, gateway="paypal", authorization_id=auth_id).first()
    if p is None:
        return _err(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID")
    return JsonResponse({"id": auth_id, "status": _auth_status(p), "amount": _amount(p.authorized), "custom_id": p.reference,
                         "supplementary_data": {"related_ids": {"order_id": p.public_id}}})


@_idempotent
def authorization_capture(request, merchant, auth_id):
    body = core.json_body(request) or {}
    with transaction.atomic():
        p = _find_auth(merchant, auth_id)
        if p is None or p.intent != "authorize":
            return _err(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID")
        if p.status == "voided" or p.operations.filter(kind="void", ok=True).exists():
            return _unprocessable("PREVIOUSLY_VOIDED", "Authorization has been previously voided.")
        left = p.authorized - p.captured
        if p.status == "captured" and (left <= 0 or p.operations.filter(kind="capture", final=True).exists()):
            return _unprocessable("AUTHORIZATION_ALREADY_CAPTURED", "Authorization has been previously captured.")
        amount = core.money((body.get("amount") or {}).get("value")) if body.get("amount") else left
        if amount is None or amount <= 0:
            return _err(400, "INVALID_REQUEST", "INVALID_PARAMETER_VALUE", "amount")
        if amount > left:
            return _unprocessable("MAX_CAPTURE_AMOUNT_EXCEEDED", "Capture amount exceeds allowable limit.")
        final = bool(body.get("final_capture", False)) or amount == left
        op = core.record(p, "capture", amount, key=request.headers.get("PayPal-Request-Id", ""), final=final)
        p.captured += amount
        p.status = "captured"
        p.authorization_code = p.authorization_code or core.auth_code()
        p.save()
        data = _capture_json(op, p)
        _webhook(request, p, "PAYMENT.CAPTURE.COMPLETED", "capture", data)
    return JsonResponse(data, status=201)


@_idempotent
def authorization_void(request, merchant, auth_id):
    with transaction.atomic():
        p = _find_auth(merchant, auth_id)
        if p is None:
            return _err(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID")
        if p.status == "voided" or p.operations.filter(kind="void", ok=True).exists():
            return _unprocessable("PREVIOUSLY_VOIDED", "Authorization has been previously voided.")
        if p.captured >= p.authorized or p.operations.filter(kind="capture", final=True).exists():
            return _unprocessable("AUTHORIZATION_ALREADY_CAPTURED", "Authorization has been previously captured.")
        core.record(p, "void", p.authorized - p.captured, key=request.headers.get("PayPal-Request-Id", ""))
        if not p.captured:
            p.status = "voided"
        p.active = False
        p.save()
        _webhook(request, p, "PAYMENT.AUTHORIZATION.VOIDED", "authorization",
                 {"id": auth_id, "status": "VOIDED", "amount": _amount(p.authorized), "custom_id": p.reference,
                  "supplementary_data": {"related_ids": {"order_id": p.public_id}}})
    return HttpResponse(status=204)


def capture(request, capture_id):
    merchant = _merchant(request)
    if merchant is None:
        return _err(401, "AUTHENTICATION_FAILURE", "AUTHENTICATION_FAILURE")
    op = Operation.objects.filter(op_id=capture_id, kind="capture", ok=True, payment__merchant=merchant).select_related("payment").first()
    if op is None:
        return _err(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID")
    return JsonResponse(_capture_json(op, op.payment))


@_idempotent
def capture_refund(request, merchant, capture_id):
    body = core.json_body(request) or {}
    with transaction.atomic():
        op = (Operation.objects.select_for_update().filter(op_id=capture_id, kind="capture", ok=True,
                                                           payment__merchant=merchant).select_related("payment").first())
        if op is None:
            return _err(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID")
        p = op.payment
        done = sum((r.amount for r in p.operations.filter(kind="refund", parent=capture_id, ok=True)), Decimal(0))
        left = op.amount - done
        amount = core.money((body.get("amount") or {}).get("value")) if body.get("amount") else left
        if amount is None or amount <= 0:
            return _err(400, "INVALID_REQUEST", "INVALID_PARAMETER_VALUE", "amount")
        if left <= 0:
            return _unprocessable("CAPTURE_FULLY_REFUNDED", "The capture has already been fully refunded.")
        if amount > left:
            return _unprocessable("REFUND_AMOUNT_EXCEEDED", "The refund amount must be less than or equal to the capture amount that has not yet been refunded.")
        ref = core.record(p, "refund", amount, key=request.headers.get("PayPal-Request-Id", ""), parent=capture_id,
                          message=str(body.get("note_to_payer") or "")[:200])
        p.refunded += amount
        if p.refunded >= p.captured and not (p.intent == "authorize" and p.status == "authorized"):
            p.status = "refunded"
        p.save()
        data = {"id": ref.op_id, "status": "COMPLETED", "amount": _amount(amount), "invoice_id": body.get("invoice_id", ""),
                "custom_id": p.reference, "create_time": ref.created_at.isoformat(),
                "links": [{"href": f"{core.public_url(request)}/paypal/v2/payments/captures/{capture_id}", "rel": "up", "method": "GET"}],
                "supplementary_data": {"related_ids": {"order_id": p.public_id, "capture_id": capture_id}}}
        _webhook(request, p, "PAYMENT.CAPTURE.REFUNDED", "refund", data)
    return JsonResponse(data, status=201)


def _webhook(request, p, event_type, resource_type, resource):
    event = {"id": "WH-" + core.new_id("", 17), "event_version": "1.0", "create_time": core.now().isoformat(),
             "resource_type": resource_type, "resource_version": "2.0", "event_type": event_type,
             "summary": event_type.replace(".", " ").title(), "resource": resource}
    core.emit(p, event_type, event["id"], json.dumps(event).encode(), sign(p.merchant, core.public_url(request)))


def expire_authorization(request, p):
    """The hold's end (control API): what is left of the authorization is voided, with its webhook."""
    with transaction.atomic():
        p = Payment.objects.select_for_update().get(pk=p.pk)
        if _auth_status(p) in ("VOIDED", "CAPTURED"):
            return False
        core.record(p, "void", p.authorized - p.captured, message="EXPIRED")
        if not p.captured:
            p.status = "voided"
        p.save()
        _webhook(request, p, "PAYMENT.AUTHORIZATION.VOIDED", "authorization",
                 {"id": p.authorization_id, "status": "VOIDED", "amount": _amount(p.authorized), "custom_id": p.reference,
                  "supplementary_data": {"related_ids": {"order_id": p.public_id}}})
    return True


# --- the payer's side (paysim.pages) -----------------------------------------------------------

def approved(p, request):
    """The payer approved the order on PayPal's page (nothing is charged until the merchant
    authorizes or captures it)."""
    p.status = "approved"
    p.save()
    _webhook(request, p, "CHECKOUT.ORDER.APPROVED", "checkout-order", _order_json(request, p))
    ret = p.return_url
    return f"{ret}{'&' if '?' in ret else '?'}token={p.public_id}&PayerID=PAYSIMPAYER" if ret else ""


def declined(p, request):
    return p.cancel_url
