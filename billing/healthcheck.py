"""Container health check: GET /salud/ with an allowed Host header. Exit 0 when healthy.

It asks the address gunicorn binds (``WEB_BIND``, as the Dockerfile, docker-compose.yml and the
Procfile start it; ``0.0.0.0:8000`` by default), so the check follows a changed port."""

import os
import sys
import urllib.request

DEFAULT_BIND = "0.0.0.0:8000"


def health_url(bind=None):
    """The /salud/ URL on this machine for a gunicorn ``--bind`` value (host:port)."""
    bind = (bind or os.environ.get("WEB_BIND") or DEFAULT_BIND).strip()
    host, _sep, port = bind.rpartition(":")
    host = host.strip("[]")
    if host in ("", "0.0.0.0"):  # noqa: S104 - a bind-all address: ask on loopback
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{int(port or 8000)}/salud/"


def main():
    host = (os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0] or "localhost").strip().lstrip(".")
    request = urllib.request.Request(health_url(), headers={"Host": host})  # noqa: S310 - always http://
    try:
        with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310 - a local URL
            return 0 if response.status == 200 else 1
    except OSError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
