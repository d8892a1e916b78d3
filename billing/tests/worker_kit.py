"""Start a real Celery worker process for a test, on one queue, and read its log lines."""

import os
import queue as queue_module
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

BASE = Path(__file__).resolve().parents[2]


class Worker:
    def __init__(self, queue, **env):
        full_env = dict(os.environ, CELERY_TASK_DEFAULT_QUEUE=queue, DJANGO_SETTINGS_MODULE="billing.settings", **env)
        if connection.vendor == "postgresql":
            db = settings.DATABASES["default"]
            full_env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "billing", "worker", "--pool=solo", "--concurrency=1",
             "-Q", queue, "--without-gossip", "--without-mingle", "--loglevel=INFO"],
            cwd=BASE, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        self.lines = []
        self._new = queue_module.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line)
            self._new.put(line)

    def wait_for(self, predicate, *, timeout=60):
        """The first log line for which ``predicate`` is true, within ``timeout`` seconds (else None)."""
        for line in list(self.lines):
            if predicate(line):
                return line
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._new.get(timeout=left)
            except queue_module.Empty:
                break
            if predicate(line):
                return line
        return None

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(timeout=5)
        return "".join(self.lines)
