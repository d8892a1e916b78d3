"""Container health check: GET /salud/ with an allowed Host header. Exit 0 when healthy."""

import os
import sys
import urllib.request


def main():
    host = (os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0] or "localhost").strip().lstrip(".")
    request = urllib.request.Request("http://127.0.0.1:8000/salud/", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310 - fixed local URL
            return 0 if response.status == 200 else 1
    except OSError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
