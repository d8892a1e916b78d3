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
        count = _count(f"api-rate:{key.pk}:{window}")
        self._wait = (window + 1) * WINDOW - now
        return count <= limit

    def wait(self):
        return max(1, int(self._wait + 0.999))


def _count(name):
    """Add one to this window's counter and return it: one round trip to Redis (INCR and EXPIRE in
    a pipeline) when the cache is Redis, Django's cache API otherwise."""
    client = getattr(cache, "_cache", None)
    if client is not None and hasattr(client, "get_client"):
        redis = client.get_client(name, write=True)
        key = cache.make_and_validate_key(name)
        with redis.pipeline(transaction=False) as pipe:
            pipe.incr(key)
            pipe.expire(key, WINDOW + 5)
            count, _expiry = pipe.execute()
        return int(count)
    cache.add(name, 0, WINDOW + 5)
    try:
        return cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.add(name, 1, WINDOW + 5)
        return 1
