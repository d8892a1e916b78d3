"""paysim itself, over HTTP and its command line: the CLI sets and clears faults and registers
merchants, the hosted pages take a payment once and redirect with Wompi's signed parameters,
paysim keeps only the last four digits of a card, and webhooks are retried until answered."""

import hashlib
import hmac
import http.server
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]


def cli(*args):
    out = subprocess.run([sys.executable, "-m", "paysim", *args], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def _merchant(paysim, gateway, **extra):
    cid = f"{gateway}-{uuid.uuid4().hex[:8]}"
    cli("register-merchant", "--gateway", gateway, "--client-id", cid, "--client-secret", f"sk-{cid}", "--url", paysim,
        *[x for k, v in extra.items() for x in (f"--{k.replace('_', '-')}", v)])
    return cid, f"sk-{cid}"


def _wompi_token(paysim, cid, secret):
    r = httpx.post(f"{paysim}/wompi/connect/token", data={"grant_type": "client_credentials", "audience": "wompi_api",
                                                          "client_id": cid, "client_secret": secret})
    assert r.status_code == 200
    return r.json()["access_token"]


def test_cli_faults_set_listed_and_cleared(paysim):
    cli("fault", "decline", "--gateway", "wompi", "--count", "2", "--url", paysim)
    cli("fault", "webhook_duplicate", "--copies", "3", "--seconds", "60", "--url", paysim)
    faults = httpx.get(f"{paysim}/_paysim/faults").json()["faults"]
    assert {(f["mode"], f["gateway"], f["remaining"]) for f in faults} >= {("decline", "wompi", 2), ("webhook_duplicate", "", None)}
    cli("fault", "clear", "--url", paysim)
    assert httpx.get(f"{paysim}/_paysim/faults").json()["faults"] == []


def test_cli_rejects_an_unknown_mode(paysim):
    out = subprocess.run([sys.executable, "-m", "paysim", "fault", "explode", "--url", paysim], cwd=REPO,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "invalid choice" in out.stderr


def test_wrong_credentials_get_no_token(paysim):
    cid, _secret = _merchant(paysim, "wompi")
    r = httpx.post(f"{paysim}/wompi/connect/token", data={"grant_type": "client_credentials", "audience": "wompi_api",
                                                          "client_id": cid, "client_secret": "otra"})
    assert r.status_code == 400
    assert httpx.post(f"{paysim}/wompi/EnlacePago", json={}, headers={"Authorization": "Bearer nada"}).status_code == 401


def test_hosted_page_pays_once_redirects_signed_and_keeps_only_last_four(paysim):
    cid, secret = _merchant(paysim, "wompi")
    token = _wompi_token(paysim, cid, secret)
    ref = f"ORD-{uuid.uuid4().hex[:8]}"
    link = httpx.post(f"{paysim}/wompi/EnlacePago", headers={"Authorization": f"Bearer {token}"}, json={
        "identificadorEnlaceComercio": ref, "monto": 12.34, "nombreProducto": "Pedido",
        "configuracion": {"urlRedirect": "https://tienda.example/retorno"}}).json()
    page = httpx.get(link["urlEnlace"])
    assert page.status_code == 200 and "$ 12.34" in page.text and 'name="tarjeta"' in page.text
    paid = httpx.post(link["urlEnlace"], data={"accion": "pagar", "tarjeta": "4000056655665556", "cvv": "123"})
    assert paid.status_code == 302
    q = {k: v[0] for k, v in parse_qs(urlsplit(paid.headers["Location"]).query).items()}
    assert q["identificadorEnlaceComercio"] == ref and q["monto"] == "12.34"
    # The redirect hash: HMAC-SHA256(identificadorEnlaceComercio+idTransaccion+idEnlace+monto, API secret) [facts §1 C W6].
    text = f"{ref}{q['idTransaccion']}{q['idEnlace']}{q['monto']}"
    assert q["hash"] == hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()
    again = httpx.post(link["urlEnlace"], data={"accion": "pagar", "tarjeta": "4000056655665556", "cvv": "123"})
    assert "ya fue pagado" in again.text or "Pago recibido" in again.text
    ledger = httpx.get(f"{paysim}/_paysim/ledger", params={"reference": ref}).json()
    assert ledger["captured"] == "12.34" and ledger["double_charges"] == 0
    assert ledger["payments"][0]["card_last4"] == "5556"
    assert "4000056655665556" not in str(ledger)


def test_three_ds_on_the_hosted_page(paysim):
    cid, secret = _merchant(paysim, "wompi")
    token = _wompi_token(paysim, cid, secret)
    link = httpx.post(f"{paysim}/wompi/EnlacePago", headers={"Authorization": f"Bearer {token}"}, json={
        "identificadorEnlaceComercio": "R-3DS", "monto": 5, "nombreProducto": "Pedido"}).json()
    step = httpx.post(link["urlEnlace"], data={"accion": "pagar", "tarjeta": "4000000000002701"})
    assert "3-D Secure" in step.text
    done = httpx.post(link["urlEnlace"], data={"accion": "3ds_ok"})
    assert "Pago recibido" in done.text


class _Flaky(http.server.BaseHTTPRequestHandler):
    calls: list

    def do_POST(self):  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.calls.append(time.monotonic())
        self.send_response(500 if len(self.calls) == 1 else 200)
        self.end_headers()

    def log_message(self, *a):
        pass


def test_webhook_retried_until_answered(paysim):
    calls = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), type("Flaky", (_Flaky,), {"calls": calls}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        cid, secret = _merchant(paysim, "wompi")
        token = _wompi_token(paysim, cid, secret)
        ref = f"ORD-{uuid.uuid4().hex[:8]}"
        link = httpx.post(f"{paysim}/wompi/EnlacePago", headers={"Authorization": f"Bearer {token}"}, json={
            "identificadorEnlaceComercio": ref, "monto": 3, "nombreProducto": "Pedido",
            "configuracion": {"urlWebhook": f"http://127.0.0.1:{server.server_address[1]}/hook"}}).json()
        httpx.post(f"{paysim}/_paysim/pay", json={"gateway": "wompi", "id": str(link["idEnlace"]), "card": "4000056655665556"})
        deadline = time.monotonic() + 30
        while len(calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(calls) == 2  # a 500, then a retry answered 200
        hook = httpx.get(f"{paysim}/_paysim/webhooks", params={"reference": ref}).json()["webhooks"][0]
        assert hook["attempts"] == 2 and hook["delivered_at"] and hook["last_status"] == 200
    finally:
        server.shutdown()


@pytest.mark.parametrize("mode", ["down"])
def test_faults_do_not_touch_the_control_api(paysim, mode):
    cli("fault", mode, "--url", paysim)
    try:
        assert httpx.get(f"{paysim}/_paysim/health").status_code == 200
        assert httpx.post(f"{paysim}/wompi/connect/token", data={}).status_code == 503
    finally:
        cli("fault", "clear", "--url", paysim)
