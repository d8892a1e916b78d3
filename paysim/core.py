"""What the three simulated gateways share: access tokens, the test cards, the decision a charge
gets (approve / decline / 3-D Secure), the ledger, idempotent replays, and webhook emission."""

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone

from paysim import faults
from paysim.models import Delivery, Merchant, Operation, Replay

CENT = Decimal("0.01")

# The test cards (PAN → behaviour). 4000000000002701 is n1co's documented 3-D Secure test card
# [facts §2, D N2], 4000056655665556 its no-3DS card [C N7], 5200000000002235 Wompi's [C W9];
# 4000000000000002 (declined) is paysim's own. Any other number is approved.
TEST_CARDS = {
    "4000000000002701": "challenge",
    "4000056655665556": "approve",
    "5200000000002235": "approve",
    "4000000000000002": "decline",
}


def card_behaviour(pan):
    return TEST_CARDS.get("".join(ch for ch in str(pan) if ch.isdigit()), "approve")


def last4(pan):
    digits = "".join(ch for ch in str(pan) if ch.isdigit())
    return digits[-4:]


def money(value):
    try:
        return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        return None


def new_id(prefix="", n=12):
    return prefix + secrets.token_hex(n // 2 + 1)[:n].upper()


def auth_code():
    return f"{secrets.randbelow(10**6):06d}"


def now():
    return timezone.now()


def public_url(request):
    return settings.PAYSIM_PUBLIC_URL or request.build_absolute_uri("/").rstrip("/")


def json_body(request):
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


# --- access tokens: "<merchant id>.<expiry>.<hmac>", stateless ---------------------------------

def issue_token(merchant):
    expiry = int(time.time()) + settings.PAYSIM_TOKEN_SECONDS
    payload = f"{merchant.pk}.{expiry}"
    mac = hmac.new(settings.SECRET_KEY.encode(), payload.encode(), hashlib.sha256).hexdigest()[:32]
    return base64.urlsafe_b64encode(f"{payload}.{mac}".encode()).decode().rstrip("=")


def merchant_from_request(request, gateway):
    """The merchant whose Bearer token the request carries, or None."""
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("Bearer "):
        return None
    token = auth[7:].strip()
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        pk, expiry, mac = raw.split(".")
    except (ValueError, UnicodeDecodeError):
        return None
    good = hmac.new(settings.SECRET_KEY.encode(), f"{pk}.{expiry}".encode(), hashlib.sha256).hexdigest()[:32]
    if not hmac.compare_digest(mac, good) or int(expiry) < time.time():
        return None
    return Merchant.objects.filter(pk=int(pk), gateway=gateway).first()


def find_merchant(gateway, client_id, client_secret):
    merchant = Merchant.objects.filter(gateway=gateway, client_id=client_id).first()
    if merchant is None or not hmac.compare_digest(merchant.client_secret, client_secret or ""):
        return None
    return merchant


# --- the decision a payment attempt gets --------------------------------------------------------

def decide(gateway, behaviour, three_ds_done=False):
    """approve, decline or challenge, faults first, then the card's behaviour."""
    fault = faults.take(["decline", "challenge"], gateway)
    if fault is not None and fault.mode == "decline":
        return "decline"
    if not three_ds_done and (behaviour == "challenge" or (fault is not None and fault.mode == "challenge")):
        return "challenge"
    if behaviour == "decline":
        return "decline"
    return "approve"


def record(payment, kind, amount, ok=True, message="", key="", final=True, op_id=None, parent=""):
    return Operation.objects.create(payment=payment, kind=kind, amount=amount, ok=ok, message=message[:200], parent=parent,
                                    idempotency_key=key or "", final=final, op_id=op_id or new_id(kind[:3].upper() + "-", 16))


# --- idempotent replays (PayPal-Request-Id) -----------------------------------------------------

def replayed(merchant, key, path):
    if not key:
        return None
    row = Replay.objects.filter(merchant=merchant, key=key, path=path).first()
    if row is None:
        return None
    return HttpResponse(row.body, status=row.status, content_type="application/json")


def remember(merchant, key, path, response):
    if key and 200 <= response.status_code < 300:
        try:
            with transaction.atomic():
                Replay.objects.create(merchant=merchant, key=key, path=path, status=response.status_code,
                                      body=response.content.decode())
        except IntegrityError:
            pass
    return response


def error(status, payload):
    return JsonResponse(payload, status=status)


# --- webhooks -----------------------------------------------------------------------------------

def emit(payment, event_type, event_id, body_bytes, sign):
    """Queue a webhook for ``payment``: ``sign(body_bytes) -> headers`` (called once per copy, so
    PayPal's retries get fresh transmission ids). The webhook faults decide how many copies, when,
    and whether it is lost."""
    merchant = payment.merchant
    url = payment.webhook_url or merchant.webhook_url
    fault = faults.take(["webhook_lost", "webhook_duplicate", "webhook_reorder", "webhook_delay"],
                        payment.gateway)
    due = now() + timedelta(seconds=settings.PAYSIM_WEBHOOK_DELAY_SECONDS)
    copies, lost = 1, False
    if fault is not None:
        if fault.mode == "webhook_lost":
            lost = True
        elif fault.mode == "webhook_duplicate":
            copies = max(2, fault.copies)
        elif fault.mode in ("webhook_delay", "webhook_reorder"):
            due += timedelta(milliseconds=fault.latency_ms or 2000)
    for i in range(copies):
        Delivery.objects.create(merchant=merchant, payment=payment, event_id=event_id, event_type=event_type,
                                url=url, headers=sign(body_bytes), body=body_bytes.decode(),
                                due_at=due + timedelta(milliseconds=50 * i), lost=lost)


def dumps(data):
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def uuid4():
    return str(uuid.uuid4())
