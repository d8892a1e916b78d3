"""One writer at a time on SQLite, queued by a blocking file lock instead of SQLite's busy
handler (which sleeps up to 100 ms between retries and wrecks throughput and latency)."""

import fcntl
import threading
from contextlib import contextmanager

from django.conf import settings
from django.db import connection

_thread_lock = threading.Lock()
_file = None


@contextmanager
def write_lock():
    global _file
    if connection.vendor != "sqlite":
        yield
        return
    with _thread_lock:
        if _file is None:
            _file = open(settings.VAR_DIR / "govsim.write.lock", "a+")  # noqa: SIM115 - held for the process
        fcntl.flock(_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(_file, fcntl.LOCK_UN)
