"""Calls per key and minute. A fixed one-minute window counted with an atomic increment in the
cache (Redis in production, shared by every web process): over the limit answers 429 with
Retry-After, the seconds until the window ends."""

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

WINDOW = 60


class KeyRateThrottle(BaseThrottle):
    def allow_request(self, request, view):
        key = request.auth
        if key is None:
            return True  # refused by authentication or permission anyway
        limit = key.rate_per_minute or settings.API_RATE_PER_MINUTE
        now = time.time()
        window = int(now // WINDOW)
        name = f"api-rate:{key.pk}:{window}"
        cache.add(name, 0, WINDOW + 5)
        try:
            count = cache.incr(name)
        except ValueError:  # expired between add and incr
            cache.add(name, 1, WINDOW + 5)
            count = 1
        self._wait = (window + 1) * WINDOW - now
        return count <= limit

    def wait(self):
        return max(1, int(self._wait + 0.999))
