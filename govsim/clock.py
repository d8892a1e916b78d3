"""MH's clock. Tests move it (POST /_govsim/clock) to reach deadlines without waiting: the
offset is read once per request by the middleware and applies to every rule about dates."""

import datetime
import threading

from django.utils import timezone

_state = threading.local()


def set_offset(seconds):
    _state.offset = datetime.timedelta(seconds=seconds or 0)


def now():
    return timezone.now() + getattr(_state, "offset", datetime.timedelta(0))


def localtime():
    return timezone.localtime(now())


def localdate():
    return localtime().date()
