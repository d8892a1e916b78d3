"""The payment-gateway simulator as its own process (like govsim).

    python -m paysim serve [--bind 127.0.0.1:8900] [--workers 2] [--merchants var/paysim-merchants.json]
    python -m paysim register-merchant --gateway wompi|n1co|paypal --client-id ID --client-secret S
                                       [--webhook-secret S] [--webhook-url URL] [--webhook-id ID] [--url URL]
    python -m paysim fault MODE [--gateway G] [--seconds S] [--count N] [--latency-ms MS] [--share F] [--copies N] [--url URL]
        MODE: down slow hang drop decline challenge webhook_lost webhook_duplicate webhook_reorder
              webhook_delay | refuse (connections refused for --seconds) | clear
    python -m paysim ledger [--reference R] [--gateway G] [--url URL]
    python -m paysim migrate | <any Django management command, on paysim's own database>

`serve` migrates paysim's database, starts gunicorn, delivers the webhooks it queues (a thread),
and listens on a control port (service port + 1) where `fault refuse --seconds S` stops the
service so connections are refused, then starts it again.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import django
from django.core.management import call_command, execute_from_command_line

os.environ["DJANGO_SETTINGS_MODULE"] = "paysim.settings"
DEFAULT_URL = os.environ.get("PAYSIM_URL", "http://127.0.0.1:8900")


def _call(url, payload=None, method="POST"):
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, method=method,  # noqa: S310
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the local simulator
        return json.loads(response.read() or b"{}")


class Supervisor:
    def __init__(self, bind, workers):
        self.bind, self.workers = bind, workers
        self.child = None
        self.lock = threading.Lock()
        self.stopping = False

    def start_child(self):
        with self.lock:
            if self.child is None or self.child.poll() is not None:
                self.child = subprocess.Popen([
                    sys.executable, "-m", "gunicorn", "paysim.wsgi", "--bind", self.bind, "--workers", str(self.workers),
                    "--worker-class", "gthread", "--threads", "4", "--timeout", "120", "--log-level", "warning",
                ])

    def stop_child(self):
        with self.lock:
            if self.child is not None and self.child.poll() is None:
                self.child.terminate()
                try:
                    self.child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.child.kill()
            self.child = None

    def refuse_for(self, seconds):
        self.stop_child()
        timer = threading.Timer(seconds, lambda: None if self.stopping else self.start_child())
        timer.daemon = True
        timer.start()


def serve(args):
    host, port = args.bind.rsplit(":", 1)
    os.environ.setdefault("PAYSIM_PUBLIC_URL", f"http://{args.bind}")
    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from paysim import paypal, webhooks  # noqa: PLC0415 - app loading: only after django.setup()

    paypal.signing_key()  # made once here, before the workers race for it
    if args.merchants and os.path.exists(args.merchants):
        load_merchants(args.merchants)
    supervisor = Supervisor(args.bind, args.workers)
    supervisor.start_child()
    stop = threading.Event()
    threading.Thread(target=webhooks.loop, args=(stop,), daemon=True).start()

    class Control(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            if self.path == "/refuse":
                supervisor.refuse_for(float(body.get("seconds", 10)))
                self._answer(200, {"refusing_for": body.get("seconds", 10)})
            elif self.path == "/start":
                supervisor.start_child()
                self._answer(200, {"started": True})
            else:
                self._answer(404, {"error": "desconocido"})

        def _answer(self, status, payload):
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a):
            pass

    control = ThreadingHTTPServer((host, int(port) + 1), Control)
    threading.Thread(target=control.serve_forever, daemon=True).start()

    def shutdown(*_):
        supervisor.stopping = True
        stop.set()
        supervisor.stop_child()
        control.shutdown()
        sys.exit(0)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    print(f"paysim: pasarelas simuladas en http://{args.bind} (control en {host}:{int(port) + 1})", flush=True)
    while True:
        time.sleep(1)
        with supervisor.lock:
            child = supervisor.child
        if child is not None and child.poll() is not None and not supervisor.stopping:
            supervisor.start_child()  # restart a crashed service


def load_merchants(path):
    """Merchants from a JSON list (as POST /_paysim/merchants takes them), e.g. the demo's."""
    from paysim.models import Merchant  # noqa: PLC0415 - app loading: only after django.setup()

    with open(path, encoding="utf-8") as fh:
        for row in json.load(fh):
            Merchant.objects.update_or_create(gateway=row["gateway"], client_id=row["client_id"], defaults={
                k: str(row.get(k) or "") for k in ("client_secret", "webhook_secret", "webhook_url", "webhook_id")})


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in {"serve", "register-merchant", "fault", "ledger"}:
        execute_from_command_line(["paysim", *argv])
        return None
    parser = argparse.ArgumentParser(prog="python -m paysim")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve")
    p.add_argument("--bind", default=os.environ.get("PAYSIM_BIND", "127.0.0.1:8900"))
    p.add_argument("--workers", type=int, default=int(os.environ.get("PAYSIM_WORKERS", "2")))
    p.add_argument("--merchants", default=os.environ.get("PAYSIM_MERCHANTS", "var/paysim-merchants.json"),
                   help="JSON list of merchants to register at start (if the file exists)")
    p = sub.add_parser("register-merchant")
    p.add_argument("--gateway", required=True, choices=["wompi", "n1co", "paypal"])
    p.add_argument("--client-id", required=True)
    p.add_argument("--client-secret", required=True)
    p.add_argument("--webhook-secret", default="")
    p.add_argument("--webhook-url", default="")
    p.add_argument("--webhook-id", default="")
    p.add_argument("--url", default=DEFAULT_URL)
    p = sub.add_parser("fault")
    p.add_argument("mode", choices=["down", "slow", "hang", "drop", "decline", "challenge", "webhook_lost",
                                    "webhook_duplicate", "webhook_reorder", "webhook_delay", "settlement_missing",
                                    "settlement_extra", "settlement_amount", "refuse", "clear"])
    p.add_argument("--gateway", default="")
    p.add_argument("--seconds", type=float)
    p.add_argument("--count", type=int)
    p.add_argument("--latency-ms", type=int, default=0)
    p.add_argument("--share", type=float, default=1.0)
    p.add_argument("--copies", type=int, default=2)
    p.add_argument("--url", default=DEFAULT_URL)
    p = sub.add_parser("ledger")
    p.add_argument("--reference", default="")
    p.add_argument("--gateway", default="")
    p.add_argument("--url", default=DEFAULT_URL)
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "register-merchant":
        print(_call(f"{args.url}/_paysim/merchants", {
            "gateway": args.gateway, "client_id": args.client_id, "client_secret": args.client_secret,
            "webhook_secret": args.webhook_secret, "webhook_url": args.webhook_url, "webhook_id": args.webhook_id}))
    elif args.command == "ledger":
        query = urllib.parse.urlencode({k: v for k, v in (("reference", args.reference), ("gateway", args.gateway)) if v})
        print(json.dumps(_call(f"{args.url}/_paysim/ledger?{query}", method="GET"), indent=2))
    elif args.mode == "clear":
        print(_call(f"{args.url}/_paysim/faults", {}, method="DELETE"))
    elif args.mode == "refuse":
        host, port = args.url.rsplit(":", 1)
        print(_call(f"{host}:{int(port) + 1}/refuse", {"seconds": args.seconds or 10}))
    else:
        print(_call(f"{args.url}/_paysim/faults", {
            "mode": args.mode, "gateway": args.gateway, "seconds": args.seconds, "count": args.count,
            "latency_ms": args.latency_ms, "share": args.share, "copies": args.copies}))
    return None


if __name__ == "__main__":
    main()
