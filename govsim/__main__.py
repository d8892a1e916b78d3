"""The MH simulator as its own process.

    python -m govsim serve [--bind 127.0.0.1:8800] [--workers 2]
    python -m govsim register-issuer --nit N --user U --password P --public-key key.pem [--url URL]
    python -m govsim register-issuer --from-json var/demo-issuer.json
    python -m govsim fault MODE [--seconds S] [--count N] [--latency-ms MS] [--share F] [--status 503] [--url URL]
    python -m govsim fault clear [--url URL]
    python -m govsim migrate | <any Django management command, on govsim's own database>

`serve` migrates govsim's database, starts gunicorn, and listens on a control port (service
port + 1) where `fault refuse --seconds S` stops the service so connections are refused, then
starts it again.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import django
from django.core.management import call_command, execute_from_command_line

os.environ["DJANGO_SETTINGS_MODULE"] = "govsim.settings"
DEFAULT_URL = os.environ.get("GOVSIM_URL", "http://127.0.0.1:8800")


def _post(url, payload, method="POST"):
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method=method,  # noqa: S310
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
                    sys.executable, "-m", "gunicorn", "govsim.wsgi", "--bind", self.bind, "--workers", str(self.workers),
                    "--worker-class", os.environ.get("GOVSIM_WORKER_CLASS", "gthread"), "--threads", "4",
                    "--timeout", "120", "--log-level", "warning",
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
    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    supervisor = Supervisor(args.bind, args.workers)
    supervisor.start_child()
    host, port = args.bind.rsplit(":", 1)

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
        supervisor.stop_child()
        control.shutdown()
        sys.exit(0)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    print(f"govsim: MH simulado en http://{args.bind} (control en {host}:{int(port) + 1})", flush=True)
    while True:
        time.sleep(1)
        with supervisor.lock:
            child = supervisor.child
        if child is not None and child.poll() is not None and not supervisor.stopping:
            supervisor.start_child()  # restart a crashed service


def register_issuer(args, parser):
    if args.from_json:
        with open(args.from_json, encoding="utf-8") as fh:
            data = json.load(fh)
    else:
        if not (args.nit and args.password and args.public_key):
            parser.error("register-issuer necesita --nit, --password y --public-key (o --from-json)")
        with open(args.public_key, encoding="utf-8") as fh:
            data = {"nit": args.nit, "user": args.user or args.nit, "password": args.password,
                    "public_key_pem": fh.read(), "name": args.name}
    if args.url:
        print(_post(f"{args.url}/_govsim/issuers", data))
        return
    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from govsim.models import Issuer  # noqa: PLC0415 - app loading: only after django.setup()
    from govsim.views import hash_password  # noqa: PLC0415 - app loading: it imports govsim.models

    Issuer.objects.update_or_create(nit=data["nit"], defaults={
        "api_user": data.get("user") or data["nit"], "api_password_hash": hash_password(data["password"]),
        "public_key_pem": data["public_key_pem"], "name": data.get("name", "")})
    print(f"govsim: emisor {data['nit']} registrado (usuario {data.get('user') or data['nit']})")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in {"serve", "register-issuer", "fault"}:
        execute_from_command_line(["govsim", *argv])
        return
    parser = argparse.ArgumentParser(prog="python -m govsim")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve")
    p.add_argument("--bind", default=os.environ.get("GOVSIM_BIND", "127.0.0.1:8800"))
    p.add_argument("--workers", type=int, default=int(os.environ.get("GOVSIM_WORKERS", "2")))
    p = sub.add_parser("register-issuer", help="sin --url escribe directo en la base de govsim")
    p.add_argument("--nit")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--public-key", help="archivo PEM con la llave pública")
    p.add_argument("--name", default="")
    p.add_argument("--from-json", help="archivo con nit, user, password, public_key_pem y name")
    p.add_argument("--url", help="registrar en un govsim en marcha, por HTTP")
    p = sub.add_parser("fault")
    p.add_argument("mode", choices=["down", "slow", "error", "drop", "reject", "hang", "refuse", "clear"])
    p.add_argument("--seconds", type=float)
    p.add_argument("--count", type=int)
    p.add_argument("--latency-ms", type=int, default=0)
    p.add_argument("--share", type=float, default=1.0)
    p.add_argument("--status", type=int, default=503)
    p.add_argument("--path-prefix", default="/fesv/")
    p.add_argument("--url", default=DEFAULT_URL)
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "register-issuer":
        return register_issuer(args, parser)
    if args.mode == "clear":
        print(_post(f"{args.url}/_govsim/faults", {}, method="DELETE"))
    elif args.mode == "refuse":
        host, port = args.url.rsplit(":", 1)
        print(_post(f"{host}:{int(port) + 1}/refuse", {"seconds": args.seconds or 10}))
    else:
        print(_post(f"{args.url}/_govsim/faults", {
            "mode": args.mode, "seconds": args.seconds, "count": args.count, "latency_ms": args.latency_ms,
            "share": args.share, "status_code": args.status, "path_prefix": args.path_prefix}))
    return None


if __name__ == "__main__":
    main()
