"""Receptions per second that govsim sustains, so that it is never the bottleneck of later
benchmarks (target >= 300/s). Starts its own govsim on a free port and database, registers an
issuer, pre-signs the documents, then sends them from several client threads. For comparison it
also measures the same receptions sent one at a time from a single client.

    .venv/bin/python bench/govsim.py [--documents 2000] [--clients 4] [--workers 2] [--small]
"""

import argparse
import http.client
import json
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from _setup import ROOT, SHARED, SMALL_HELP, django_setup, is_small, sample_document  # noqa: E402


def free_port():
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
                return port
            except OSError:
                continue


def send_all(job):
    url, token, bodies = job
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    out = []
    for body in bodies:
        started = time.perf_counter()
        conn.request("POST", "/fesv/recepciondte", body=body,
                     headers={"Authorization": token, "Content-Type": "application/json"})
        answer = json.loads(conn.getresponse().read())
        out.append((answer.get("estado"), time.perf_counter() - started))
    conn.close()
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=300, help="segundos que pueden tardar los envíos")
    parser.add_argument("--small", action="store_true", help=SMALL_HELP)
    args = parser.parse_args()
    serial_n, wrk_seconds = 200, 5
    if is_small(args.small):
        args.documents, args.timeout, serial_n, wrk_seconds = 100, 60, 20, 1
    django_setup()
    import httpx
    from django.utils import timezone

    from dte.signing import jws
    from dte.signing.certificates import build_mh_crt, load_signing_key

    schema_dir = os.environ.get("GOVSIM_SCHEMA_DIR") or (
        os.pathsep.join(str(SHARED / "spec" / f"mh-schemas-{g}") for g in ("2023", "2026"))
        if (SHARED / "spec").is_dir() else str(ROOT / "dte" / "schemas"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    var = tempfile.mkdtemp(prefix="govsim-bench-")
    env = dict(os.environ, GOVSIM_VAR_DIR=var, GOVSIM_SCHEMA_DIR=schema_dir, GOVSIM_DATABASE_URL=os.environ.get(
        "GOVSIM_BENCH_DATABASE_URL", ""))
    proc = subprocess.Popen([sys.executable, "-m", "govsim", "serve", "--bind", f"127.0.0.1:{port}",
                             "--workers", str(args.workers)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{url}/_govsim/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise SystemExit("govsim no arrancó")
        nit = "22222222222221"
        key = load_signing_key(build_mh_crt(nit=nit, password="pw"), "pw")
        httpx.post(f"{url}/_govsim/issuers", json={"nit": nit, "password": "api", "public_key_pem": key.public_pem.decode()})
        token = httpx.post(f"{url}/seguridad/auth", data={"user": nit, "pwd": "api"}).json()["body"]["token"]

        doc = sample_document()
        doc["identificacion"]["fecEmi"] = timezone.localdate().isoformat()
        total = args.documents + serial_n
        bodies = []
        for _ in range(total):
            code = str(uuid.uuid4()).upper()
            doc["identificacion"]["codigoGeneracion"] = code
            bodies.append({"ambiente": "00", "idEnvio": 1, "version": 3, "tipoDte": "03", "codigoGeneracion": code,
                           "documento": jws.sign(jws.canonical_payload(doc), key.private_key)})
        serial_bodies, parallel_bodies = bodies[:serial_n], bodies[serial_n:]

        serial = send_all((url, token, [json.dumps(b) for b in serial_bodies]))
        serial_rate = len(serial) / sum(t for _e, t in serial)

        # The load comes from separate processes with plain keep-alive connections, so the
        # client's own cost does not hide govsim's capacity.
        chunks = [(url, token, [json.dumps(b) for b in parallel_bodies[i::args.clients]]) for i in range(args.clients)]
        start = time.perf_counter()
        with multiprocessing.get_context("fork").Pool(args.clients) as pool:
            results = [r for part in pool.map_async(send_all, chunks).get(timeout=args.timeout) for r in part]
        elapsed = time.perf_counter() - start
        results = [estado for estado, _t in results]
        wrk_rate = wrk_result = None
        if shutil.which("wrk"):
            # A C load generator costs far less CPU than Python clients: govsim's own capacity.
            more = []
            for _ in range(args.documents * 3):
                code = str(uuid.uuid4()).upper()
                doc["identificacion"]["codigoGeneracion"] = code
                more.append(json.dumps({"ambiente": "00", "idEnvio": 1, "version": 3, "tipoDte": "03",
                                        "codigoGeneracion": code,
                                        "documento": jws.sign(jws.canonical_payload(doc), key.private_key)}))
            bodies_file = os.path.join(var, "bodies.jsonl")
            with open(bodies_file, "w") as fh:
                fh.write("\n".join(more) + "\n")
            out = subprocess.run(["wrk", "-t2", "-c8", f"-d{wrk_seconds}s", "-s", str(ROOT / "bench" / "govsim_wrk.lua"), url,
                                  "--", bodies_file, token, "2"], capture_output=True, text=True, timeout=120).stdout
            line = next((x for x in out.splitlines() if x.startswith("WRK ")), None)
            if line:
                wrk_result = dict(item.split("=") for item in line.split()[1:])
                wrk_rate = int(wrk_result["ok"]) / float(wrk_result["seconds"])
        accepted = sum(1 for r in results if r == "PROCESADO")
        rate = len(results) / elapsed
        print(f"esquemas: {schema_dir}")
        print(f"govsim con {args.workers} procesos: {len(results)} recepciones en {elapsed:.1f} s, {accepted} PROCESADO")
        print(f"{'concurrente (' + str(args.clients) + ' procesos)':<28}{rate:>10.0f} recepciones/s")
        print(f"{'un cliente, en serie':<28}{serial_rate:>10.0f} recepciones/s")
        if wrk_rate is not None:
            print(f"{'wrk (2 hilos, 8 conexiones)':<28}{wrk_rate:>10.0f} recepciones/s  "
                  f"({wrk_result['ok']} PROCESADO, p50 {wrk_result['p50_ms']} ms, p99 {wrk_result['p99_ms']} ms)")
        else:
            print("wrk no está instalado (apt-get install wrk): solo clientes Python")
        best = max(rate, wrk_rate or 0)
        print(f"govsim_receptions_per_s={best:.0f} python_clients_per_s={rate:.0f} "
              f"wrk_per_s={(wrk_rate or 0):.0f} serial_per_s={serial_rate:.0f} accepted={accepted} sent={len(results)}")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
