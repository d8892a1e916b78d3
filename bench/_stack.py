"""The pieces the pipeline benches start for themselves: a Redis of their own (so restarting it
disturbs nothing else), govsim on a free port with its own database, Celery worker processes, and
a company wired to govsim with issued documents waiting in the outbox."""

import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from decimal import Decimal

from _setup import ROOT, SHARED


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Redis:
    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="bench-redis-")
        self.proc = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", self.dir], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        for _ in range(100):
            if subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True).stdout.strip() == "PONG":
                return
            time.sleep(0.1)
        raise SystemExit("redis-server no arrancó")

    def restart(self):
        """Stop and start again: everything queued in it is lost (it keeps nothing on disk)."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.start()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class Govsim:
    def __init__(self, workers=4, database_url=""):
        self.port = free_port()
        self.var = tempfile.mkdtemp(prefix="bench-govsim-")
        # MH's official schemas of both generations when ../shared is there, else the project's own.
        schema_dir = (os.pathsep.join(str(SHARED / "spec" / f"mh-schemas-{g}") for g in ("2023", "2026"))
                      if (SHARED / "spec").is_dir() else ROOT / "dte" / "schemas")
        env = dict(os.environ, GOVSIM_VAR_DIR=self.var, GOVSIM_SCHEMA_DIR=str(schema_dir),
                   GOVSIM_DATABASE_URL=database_url, GOVSIM_LOT_DELAY_SECONDS="1")
        self.proc = subprocess.Popen([sys.executable, "-m", "govsim", "serve", "--bind", f"127.0.0.1:{self.port}",
                                      "--workers", str(workers)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        import httpx

        for _ in range(300):
            try:
                if httpx.get(f"{self.url}/_govsim/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise SystemExit("govsim no arrancó")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def fault(self, **spec):
        import httpx

        assert httpx.post(f"{self.url}/_govsim/faults", json=spec).status_code == 201

    def clear(self):
        import httpx

        httpx.delete(f"{self.url}/_govsim/faults")

    def ledger(self, code):
        import httpx

        return httpx.get(f"{self.url}/_govsim/ledger", params={"codigoGeneracion": code}, timeout=30).json()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.var, ignore_errors=True)


def default_node_prefix():
    """``<bench><pid>-``, e.g. ``chaos41234-``: the worker ``i`` is then ``chaos41234-<i>@<host>``."""
    script = re.sub(r"[^a-z0-9]", "", os.path.basename(sys.argv[0]).removesuffix(".py").lower()) or "bench"
    return f"{script}{os.getpid()}-"


class Workers:
    """Celery worker processes (each with its own pool), restartable."""

    def __init__(self, env, count=2, pool="threads", concurrency=16, beat=False, loglevel="INFO", name=None):
        # ``name``: the node name's prefix; kill_random matches "<name><i>@" on the whole machine,
        # so every run has a prefix of its own: by default the bench's name and this process's id
        # (two benches, or the same bench run twice at once, never kill each other's workers).
        self.env, self.count, self.pool, self.concurrency, self.loglevel = env, count, pool, concurrency, loglevel
        self.name = name or default_node_prefix()
        self.procs = [None] * count
        self.logs = [os.path.join(tempfile.gettempdir(), f"bench-worker-{os.getpid()}-{i}.log") for i in range(count)]
        self.beat = None
        for i in range(count):
            self.start(i)
        if beat:
            self.beat = subprocess.Popen([sys.executable, "-m", "celery", "-A", "billing", "beat", "--loglevel=WARNING",
                                          "-s", os.path.join(tempfile.mkdtemp(), "beat-schedule")], cwd=ROOT, env=env,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.wait_ready()

    def start(self, i):
        with open(self.logs[i], "a") as log:
            self.procs[i] = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "billing", "worker", f"--pool={self.pool}",
                 f"--concurrency={self.concurrency}", "-n", f"{self.name}{i}@%h", "--without-gossip", "--without-mingle",
                 f"--loglevel={self.loglevel}"], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        for i, path in enumerate(self.logs):
            while True:
                if os.path.exists(path) and ("ready." in open(path).read() or self.loglevel != "INFO"):
                    break
                if self.procs[i].poll() is not None:
                    raise SystemExit(open(path).read()[-3000:])
                if time.monotonic() > deadline:
                    raise SystemExit(f"el worker {i} no estuvo listo en {timeout} s")
                time.sleep(0.2)

    def errors(self):
        """Tasks that failed in a worker (their tracebacks, as the logs show them)."""
        out = []
        for path in self.logs:
            if os.path.exists(path):
                with open(path) as fh:
                    text = fh.read()
                out += [chunk[:2000] for chunk in re.split(r"(?m)^\[", text) if " raised unexpected" in chunk]
        return out

    def kill_random(self, rng=random):
        """SIGKILL one worker process (the whole pool dies with its main process) and start it again."""
        i = rng.randrange(self.count)
        self.procs[i].send_signal(signal.SIGKILL)
        self.procs[i].wait()
        subprocess.run(["pkill", "-9", "-f", f" {self.name}{i}@"], capture_output=True)  # its pool children
        self.start(i)
        return i

    def stop(self):
        for p in self.procs + ([self.beat] if self.beat else []):
            if p and p.poll() is None:
                p.terminate()
        for p in self.procs + ([self.beat] if self.beat else []):
            if p:
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()


def wire_company(govsim_url):
    """The bench company (bench/issue.py's world) pointed at govsim, registered there."""
    import httpx

    from accounts.models import Company
    from dte.signing.certificates import load_signing_key

    company = Company.objects.get(nit="06140507071048")
    company.mh_api_url = govsim_url
    company.mh_api_user = company.nit
    company.mh_api_password = "bench-api"
    company.save()
    key = load_signing_key(company.certificate, company.certificate_password)
    response = httpx.post(f"{govsim_url}/_govsim/issuers", json={
        "nit": company.nit, "user": company.nit, "password": "bench-api", "public_key_pem": key.public_pem.decode()})
    assert response.status_code == 201, response.text
    return company


def issue_without_sending(world, n, rng, *, issue_fn=None):
    """Issue ``n`` Facturas and CCFs (1–5 lines) whose outbox rows wait: the transmission is what
    is measured. Returns the outbox ids in order."""
    from django.utils import timezone

    from dte.models import Outbox
    from dte.services.drafts import draft_save
    from dte.services.issuing import document_issue
    from dte.transmission import outbox as pipeline

    real = pipeline.queue_after_commit
    pipeline.queue_after_commit = lambda outbox_id: None
    try:
        base = {"establishment_id": world["est"].pk, "point_of_sale_id": world["pos"].pk,
                "issue_date": timezone.localdate()}
        ids = []
        for i in range(n):
            tipo = "03" if i % 3 == 0 else "01"
            client = world["taxpayer"] if tipo == "03" else world["consumer"]
            lines = []
            for _ in range(rng.randint(1, 5)):
                p = rng.choice(world["products"])
                lines.append({"product_id": p.pk, "code": p.code, "description": p.description,
                              "quantity": Decimal(rng.randint(1, 9)), "unit_price": Decimal(rng.randint(100, 9999)) / 100})
            draft = draft_save(acting_user=world["user"], data=dict(base, tipo_dte=tipo, client_id=client.pk), lines=lines)
            doc = (issue_fn or document_issue)(document=draft, acting_user=world["user"])
            ids.append(Outbox.objects.get(document=doc).pk)
        return ids
    finally:
        pipeline.queue_after_commit = real


def sale_draft(world, rng, i, base):
    """A Factura (or every third, a CCF) of 1–4 free lines, saved as the form would save it."""
    from dte.services.drafts import draft_save

    tipo = "03" if i % 3 == 0 else "01"
    client = world["taxpayer"] if tipo == "03" else world["consumer"]
    lines = [{"description": f"Artículo {k}", "quantity": 1, "unit_price": rng.randint(100, 9999) / 100}
             for k in range(rng.randint(1, 4))]
    return draft_save(acting_user=world["user"], data=dict(base, tipo_dte=tipo, client_id=client.pk), lines=lines)


TICK = os.sysconf("SC_CLK_TCK")


def cpu_of(pids):
    """CPU seconds (user + system) the processes ``pids`` have used so far (/proc/<pid>/stat)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of proc(5)
        except (OSError, IndexError, ValueError):
            continue
    return total / TICK


def children_of(parent):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == parent:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found
