"""A till's integration with Facturador, start to finish (needs only httpx):

1. listen for webhooks on this machine and subscribe to ``document.sealed``;
2. find or create the client;
3. issue a Factura at the key's point of sale;
4. wait for MH's seal through the webhook (its signature checked as examples/verify_webhook.py);
5. download the PDF.

    python examples/issue_factura.py --url http://127.0.0.1:8000 --key fct_… --out factura.pdf

The webhook receiver listens on --listen (127.0.0.1 and a free port by default): the Facturador
worker must be able to reach it. The last line printed is ``numero_control=… sello=… pdf_bytes=…``."""

import argparse
import json
import queue
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from verify_webhook import verify_request  # noqa: E402 - the documented check, beside this file


def receiver(secret_box, events, host="127.0.0.1", port=0):
    """An HTTP server in a thread: every POST whose signature verifies goes to ``events``."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not secret_box or not verify_request(secret_box[0], self.headers, body):
                self.send_response(401)
                self.end_headers()
                return
            events.put(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run(url, key, *, out="factura.pdf", listen="127.0.0.1", dui="04444444-0", timeout=90):
    api = httpx.Client(base_url=f"{url.rstrip('/')}/api/v1", timeout=30,
                       headers={"Authorization": f"Bearer {key}", "Accept-Language": "es"})
    events, secret_box = queue.Queue(), []
    server = receiver(secret_box, events, host=listen)
    hook_url = f"http://{listen}:{server.server_address[1]}/webhooks"
    subscription = api.post("/webhooks/", json={"url": hook_url, "events": ["document.sealed"]}).raise_for_status().json()
    secret_box.append(subscription["secret"])
    try:
        point = api.get("/puntos-de-venta/").raise_for_status().json()[0]
        found = api.get("/clientes/", params={"q": dui}).raise_for_status().json()["results"]
        client = found[0] if found else api.post(
            "/clientes/", json={"kind": "consumidor", "id_type": "13", "id_number": dui, "name": "Cliente de ejemplo",
                                "email": "cliente@example.com"},
            headers={"Idempotency-Key": f"cliente-{dui}"}).raise_for_status().json()
        # An Idempotency-Key per sale: a retry after a lost answer never issues it twice.
        sale = api.post("/documentos/", headers={"Idempotency-Key": f"venta-{uuid.uuid4()}"}, json={
            "tipo_dte": "01", "point_of_sale": point["id"], "client": client["id"], "issue": True,
            "lines": [{"description": "Café molido 1 lb", "quantity": "2", "unit_price": "6.50"}]})
        if sale.status_code == 409:  # a special case a person must look at: where, it says
            raise SystemExit(f"{sale.json()['message']} → {sale.json()['links']['confirm_page']}")
        document = sale.raise_for_status().json()
        deadline = time.monotonic() + timeout
        sealed = None
        while sealed is None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise SystemExit(f"sin sello tras {timeout} s: {document['links']['self']}")
            try:
                event = events.get(timeout=min(left, 5))
            except queue.Empty:
                continue
            if event["type"] == "document.sealed" and event["data"]["document"]["id"] == document["id"]:
                sealed = event["data"]["document"]
        while True:
            pdf = api.get(f"/documentos/{document['id']}/documento.pdf")
            if pdf.status_code != 202:
                break
            if time.monotonic() > deadline:
                raise SystemExit("el PDF no estuvo listo a tiempo")
            time.sleep(float(pdf.headers.get("Retry-After", "2")))
        pdf.raise_for_status()
        Path(out).write_bytes(pdf.content)
        return {"numero_control": sealed["numero_control"], "sello": sealed["sello_recibido"], "pdf_bytes": len(pdf.content)}
    finally:
        api.delete(f"/webhooks/{subscription['id']}/")
        server.shutdown()
        api.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="Facturador, e.g. http://127.0.0.1:8000")
    parser.add_argument("--key", required=True, help="an API key (fct_…) bound to a point of sale")
    parser.add_argument("--out", default="factura.pdf")
    parser.add_argument("--listen", default="127.0.0.1", help="address the webhook receiver listens on")
    parser.add_argument("--dui", default="04444444-0", help="the client's DUI")
    parser.add_argument("--timeout", type=float, default=90)
    args = parser.parse_args()
    result = run(args.url, args.key, out=args.out, listen=args.listen, dui=args.dui, timeout=args.timeout)
    print(" ".join(f"{k}={v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
