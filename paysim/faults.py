"""Misbehaviour on demand (tests and `python -m paysim fault`), like govsim's:

HTTP level, on the gateways' API paths (/wompi/, /n1co/, /paypal/), by the middleware:
  down   503 before anything is processed (nothing happened: the caller may retry)
  slow   the answer comes latency_ms late (the request is processed)
  hang   no processing, and no answer for latency_ms, then 504 (a timeout before the charge)
  drop   processed and recorded in the ledger, then the connection is cut before the answer:
         the charge went through and the caller cannot know (a timeout after the charge)
Where a payment is attempted (charges, the hosted pages, PayPal approvals), by the gateway code:
  decline    the issuer declines
  challenge  3-D Secure is required
Webhooks, by paysim.webhooks: webhook_lost, webhook_duplicate (``copies`` each), webhook_reorder
(each is held latency_ms, so a later event overtakes it), webhook_delay (latency_ms late).
Settlement reports, by paysim.settlements: settlement_missing, settlement_extra, settlement_amount.
Each for a period (seconds) and/or the next N times (count), for a share of the requests, for one
gateway or all. Connection refused is the supervisor's (`python -m paysim fault refuse`)."""

import random
import socket
import time

from django.db import connection
from django.db.models import F, Q
from django.http import HttpResponse
from django.utils import timezone

from paysim.models import Fault

GATEWAYS = ("wompi", "n1co", "paypal")


def gateway_of(path):
    part = path.strip("/").split("/", 1)[0]
    return part if part in GATEWAYS else ""


def _any_fault():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM paysim_fault LIMIT 1")
        return cursor.fetchone() is not None


def take(modes, gateway, path=""):
    """The newest active fault among ``modes`` for ``gateway`` (and ``path``), consuming one of its
    count; None when there is none (or the dice said no)."""
    if isinstance(modes, str):
        modes = [modes]
    if not _any_fault():
        return None
    now = timezone.now()
    candidates = (Fault.objects.filter(mode__in=modes).filter(Q(gateway="") | Q(gateway=gateway))
                  .filter(Q(until__isnull=True) | Q(until__gt=now))
                  .filter(Q(remaining__isnull=True) | Q(remaining__gt=0)).order_by("-id"))
    for fault in candidates:
        if fault.path_prefix and not path.startswith(fault.path_prefix):
            continue
        if fault.share < 1.0 and random.random() >= fault.share:
            continue
        if fault.remaining is not None:
            if not Fault.objects.filter(pk=fault.pk, remaining__gt=0).update(remaining=F("remaining") - 1):
                continue
        return fault
    return None


def _cut(request):
    sock = request.META.get("gunicorn.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    else:  # not under gunicorn (Django's test client): just be very late
        time.sleep(30)


class FaultMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        gateway = gateway_of(request.path)
        # The hosted pages are the payer's, not the merchant's API: faults there are charge faults.
        if not gateway or "/pagar/" in request.path or "/checkoutnow" in request.path or "/3ds/" in request.path:
            return self.get_response(request)
        fault = take(Fault.HTTP_MODES, gateway, request.path)
        if fault is None:
            return self.get_response(request)
        if fault.mode == "down":
            return HttpResponse("Service Unavailable", status=503, content_type="text/plain")
        if fault.mode == "hang":
            time.sleep(fault.latency_ms / 1000)
            return HttpResponse("Gateway Timeout", status=504, content_type="text/plain")
        response = self.get_response(request)
        if fault.mode == "slow":
            time.sleep(fault.latency_ms / 1000)
            return response
        # drop: the request was processed (the ledger has it); the answer never arrives.
        time.sleep(fault.latency_ms / 1000)
        _cut(request)
        return response
