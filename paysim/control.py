"""paysim's control API (tests and the CLI): merchants, faults, the ledger, the webhooks sent, and
the payer's actions as JSON. Not part of any gateway's protocol."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Q
from django.http import HttpResponseNotAllowed, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from paysim import core, n1co, pages, paypal, webhooks
from paysim.models import CardToken, Delivery, Fault, Merchant, Operation, Payment


def health(request):
    return JsonResponse({"status": "ok", "payments": Payment.objects.count()})


@csrf_exempt
def merchants(request):
    """POST {gateway, client_id, client_secret, webhook_secret?, webhook_url?, webhook_id?}: create or update."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    body = core.json_body(request) or {}
    if body.get("gateway") not in pages.MODULES or not body.get("client_id") or not body.get("client_secret"):
        return JsonResponse({"error": "gateway (wompi|n1co|paypal), client_id y client_secret son requeridos"}, status=400)
    merchant, _ = Merchant.objects.update_or_create(
        gateway=body["gateway"], client_id=body["client_id"],
        defaults={k: str(body.get(k) or "") for k in ("client_secret", "webhook_secret", "webhook_url", "webhook_id")})
    return JsonResponse({"id": merchant.pk, "gateway": merchant.gateway, "client_id": merchant.client_id}, status=201)


@csrf_exempt
def faults(request):
    if request.method == "DELETE":
        Fault.objects.all().delete()
        return JsonResponse({"faults": 0})
    if request.method == "GET":
        return JsonResponse({"faults": list(Fault.objects.values())}, safe=False)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST", "DELETE"])
    body = core.json_body(request) or {}
    if body.get("mode") not in Fault.MODES:
        return JsonResponse({"error": f"mode debe ser uno de {Fault.MODES}"}, status=400)
    if body.get("gateway") and body["gateway"] not in pages.MODULES:
        return JsonResponse({"error": "gateway desconocida"}, status=400)
    seconds = body.get("seconds")
    fault = Fault.objects.create(
        mode=body["mode"], gateway=body.get("gateway") or "", latency_ms=int(body.get("latency_ms") or 0),
        share=float(body.get("share", 1.0)), copies=int(body.get("copies") or 2), remaining=body.get("count"),
        until=timezone.now() + datetime.timedelta(seconds=float(seconds)) if seconds else None,
        path_prefix=body.get("path_prefix") or "")
    return JsonResponse({"id": fault.pk, "mode": fault.mode}, status=201)


def _payment_json(p):
    return {"gateway": p.gateway, "kind": p.kind, "id": p.public_id, "reference": p.reference, "order_id": p.order_id,
            "intent": p.intent, "status": p.status, "amount": str(p.amount), "authorized": str(p.authorized),
            "captured": str(p.captured), "refunded": str(p.refunded), "card_last4": p.card_last4,
            "operations": [{"kind": o.kind, "id": o.op_id, "amount": str(o.amount), "ok": o.ok, "final": o.final,
                            "parent": o.parent, "idempotency_key": o.idempotency_key, "message": o.message,
                            "at": o.created_at.isoformat()} for o in p.operations.order_by("id")]}


def ledger(request):
    """Every payment (filter by gateway, reference) with its operations, and the figures to check
    against: money taken, refunded, and references charged more than their amount."""
    rows = Payment.objects.all().order_by("id")
    if request.GET.get("gateway"):
        rows = rows.filter(gateway=request.GET["gateway"])
    if request.GET.get("reference"):
        ref = request.GET["reference"]
        rows = rows.filter(Q(reference=ref) | Q(order_id=ref))
    rows = list(rows.prefetch_related("operations"))
    by_ref = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for p in rows:
        key = (p.merchant_id, p.reference)
        by_ref[key][0] += p.captured
        by_ref[key][1] = max(by_ref[key][1], p.amount)
    ops = Operation.objects.filter(payment__in=rows, ok=True)
    taken = sum((o.amount for o in ops if o.kind in ("charge", "capture")), Decimal(0))
    refunded = sum((o.amount for o in ops if o.kind == "refund"), Decimal(0))
    return JsonResponse({"payments": [_payment_json(p) for p in rows], "captured": str(taken), "refunded": str(refunded),
                         "double_charges": sum(1 for got, limit in by_ref.values() if got > limit)})


@csrf_exempt
def deliveries(request):
    """GET: the webhooks queued (filter by reference, gateway), with the exact headers and body."""
    rows = Delivery.objects.select_related("payment").order_by("id")
    if request.GET.get("reference"):
        ref = request.GET["reference"]
        rows = rows.filter(Q(payment__reference=ref) | Q(payment__order_id=ref))
    if request.GET.get("gateway"):
        rows = rows.filter(payment__gateway=request.GET["gateway"])
    return JsonResponse({"webhooks": [
        {"id": d.pk, "event_id": d.event_id, "event_type": d.event_type, "url": d.url, "headers": d.headers,
         "body": d.body, "lost": d.lost, "due_at": d.due_at.isoformat(), "attempts": d.attempts,
         "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None, "last_status": d.last_status}
        for d in rows]})


@csrf_exempt
def deliver(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return JsonResponse({"delivered": webhooks.deliver_due()})


@csrf_exempt
def pay(request):
    """The payer, as JSON: POST {gateway, id (idEnlace / orderCode / PayPal order id), card?, three_ds?}."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    body = core.json_body(request) or {}
    p = Payment.objects.filter(gateway=body.get("gateway"), public_id=str(body.get("id") or "")).first()
    if p is None:
        return JsonResponse({"error": "pago no encontrado"}, status=404)
    outcome, url = pages.attempt(request, p, pan=body.get("card"), three_ds=body.get("three_ds"))
    return JsonResponse({"outcome": outcome, "redirect": url})


@csrf_exempt
def three_ds(request, three_ds_id):
    """An n1co charge's 3-D Secure answered by the payer: POST {ok: true|false}."""
    p = Payment.objects.filter(gateway="n1co", three_ds_id=three_ds_id).first()
    if p is None:
        return JsonResponse({"error": "autenticación no encontrada"}, status=404)
    ok = bool((core.json_body(request) or {}).get("ok", True))
    n1co.authenticated(p, ok)
    return JsonResponse({"authenticated": ok, "authenticationId": three_ds_id})


@csrf_exempt
def cards(request):
    """The tokenizer, as JSON for tests (the payer's browser's job): POST {gateway, client_id, number}."""
    body = core.json_body(request) or {}
    merchant = Merchant.objects.filter(gateway=body.get("gateway", "n1co"), client_id=body.get("client_id")).first()
    if merchant is None or not body.get("number"):
        return JsonResponse({"error": "comercio o tarjeta faltante"}, status=400)
    number = str(body["number"])
    tok = CardToken.objects.create(merchant=merchant, token=core.new_id("card_", 20), last4=core.last4(number),
                                   behaviour=core.card_behaviour(number))
    return JsonResponse({"id": tok.token, "last4": tok.last4}, status=201)


@csrf_exempt
def expire(request):
    """Time passes at the gateway: POST {gateway, id}. An unpaid link or order expires; a PayPal
    hold's authorization is voided, as PayPal does at the end of its 29 days, with its
    PAYMENT.AUTHORIZATION.VOIDED webhook [facts §3, D P1/P6]."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    body = core.json_body(request) or {}
    p = Payment.objects.filter(gateway=body.get("gateway"), public_id=str(body.get("id") or "").removeprefix("link:")).first()
    if p is None:
        return JsonResponse({"error": "pago no encontrado"}, status=404)
    if p.gateway == "paypal" and p.authorization_id:
        if not paypal.expire_authorization(request, p):
            return JsonResponse({"error": "la retención ya no está vigente"}, status=409)
    elif p.captured > 0:
        return JsonResponse({"error": "ya pagado"}, status=409)
    else:
        p.status, p.active = "expired", False
        p.save()
    return JsonResponse({"id": p.public_id, "status": p.status})
