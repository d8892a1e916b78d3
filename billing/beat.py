"""Celery beat's scheduler, recording its last tick in the shared cache for readiness and metrics
(CELERY_BEAT_SCHEDULER). Otherwise celery's own PersistentScheduler."""

import time

from celery.beat import PersistentScheduler
from django.core.cache import cache

BEAT_TICK_KEY = "ops:beat-tick"
RECORD_EVERY = 5.0


class RecordingScheduler(PersistentScheduler):
    _recorded = 0.0

    def tick(self, *args, **kwargs):
        wait = super().tick(*args, **kwargs)
        now = time.time()
        if now - self._recorded >= RECORD_EVERY:
            try:
                cache.set(BEAT_TICK_KEY, now, 24 * 60 * 60)
                self._recorded = now
            except Exception:  # noqa: BLE001, S110 - the cache down must not stop beat; readiness will say it
                pass
        return min(wait, RECORD_EVERY) if wait else wait
