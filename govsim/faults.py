"""Misbehaviour on demand (tests and `python -m govsim fault`): down (503), slow, a share of 5xx,
accept-then-drop-the-answer, hang (no processing and no answer in time), reject everything; for a period and/or the next N requests.
Connection refused is the supervisor's job (`python -m govsim serve`, see __main__.py)."""

import json
import random
import socket
import time

from django.db import connection
from django.db.models import F, Q
from django.http import HttpResponse, JsonResponse
from django.utils import timezone

from govsim import clock
from govsim.answers import reception, spring_error
from govsim.models import Fault


def _state():
    """(any fault registered?, clock offset) in one cheap query: the common case is no fault."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT 1 FROM govsim_fault LIMIT 1), (SELECT offset_seconds FROM govsim_clock LIMIT 1)")
        any_fault, offset = cursor.fetchone()
    return any_fault is not None, offset or 0


def _active_fault(path):
    now = timezone.now()
    candidates = (Fault.objects.filter(Q(until__isnull=True) | Q(until__gt=now))
                  .filter(Q(remaining__isnull=True) | Q(remaining__gt=0)).order_by("-id"))
    for fault in candidates:
        if not path.startswith(fault.path_prefix):
            continue
        # A share below 1 applies the fault to that fraction of requests (each fault rolls its own
        # dice, so "drop 5 %" and "5xx 5 %" can run together); "error" rolls below, as before.
        if fault.mode != "error" and fault.share < 1.0 and random.random() >= fault.share:
            continue
        if fault.remaining is not None:
            taken = Fault.objects.filter(pk=fault.pk, remaining__gt=0).update(remaining=F("remaining") - 1)
            if not taken:
                continue
        return fault
    return None


class FaultMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        any_fault, offset = _state()
        clock.set_offset(offset)
        if request.path.startswith("/_govsim/") or not any_fault:
            return self.get_response(request)
        fault = _active_fault(request.path)
        if fault is None:
            return self.get_response(request)
        if fault.mode == "slow":
            time.sleep(fault.latency_ms / 1000)
            return self.get_response(request)
        if fault.mode == "hang":  # the request is taken, never processed, and no answer comes in time
            time.sleep(fault.latency_ms / 1000)
            return HttpResponse("Gateway Timeout", status=504, content_type="text/plain")
        if fault.mode == "down":
            return HttpResponse("Service Unavailable", status=503, content_type="text/plain")
        if fault.mode == "error":
            if random.random() < fault.share:
                return spring_error(request, fault.status_code, "Internal Server Error" if fault.status_code == 500
                                    else "Service Unavailable")
            return self.get_response(request)
        if fault.mode == "reject":
            try:
                body = json.loads(request.body or b"{}")
            except ValueError:
                body = {}
            answer = reception(estado="RECHAZADO", codigo_generacion=str(body.get("codigoGeneracion", "")),
                               ambiente=str(body.get("ambiente", "00")), codigo="999",
                               descripcion="RECHAZADO POR EL SIMULADOR",
                               observaciones=["Falla simulada: se rechaza todo"])
            return JsonResponse(answer, status=400)
        if fault.mode == "drop":
            response = self.get_response(request)  # processed and recorded in the ledger...
            sock = request.META.get("gunicorn.socket")
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)  # ...and the answer never arrives
                except OSError:
                    pass
            else:
                time.sleep(30)
            return response
        return self.get_response(request)
