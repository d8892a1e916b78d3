"""Every bench in bench/ still runs: each at its small size (--small), in a subprocess of its own,
against a PostgreSQL database of its own (made from one migrated template), with a deadline. A
bench passes when it reaches its last line, the `name=value` pairs a note quotes; its figures are
not judged here (timings never go into tests). Benches rot unseen otherwise: a template column
added, a render that fails and a bench waiting for it forever."""

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest

from conftest import _tcp_open, require

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
LAST_LINE = re.compile(r"^[a-z0-9_]+=\S+( [a-z0-9_]+=\S+)*$")
DEADLINE = 240  # seconds for one bench at its small size (all of them take about three minutes)

pytestmark = pytest.mark.bench

# bench → the arguments of its small run ({url}: its database)
BENCHES = {
    "sign": ["--small"],
    "schema_compile": ["--small"],
    "govsim": ["--small"],
    "import_clients": ["--small"],
    "issue": ["--small"],
    "pipeline": ["--small"],
    "chaos": ["--small"],
    "outage_drill": ["--small"],
    "pdf": ["--small"],
    "billing_run": ["--small"],
    "search": ["--small"],
    "api": ["--small"],
    "payments_chaos": ["--small"],
    "inbox": ["--small"],
    "web_load": ["--small"],
    "scale": ["--small"],
    "reconcile": ["--small"],
    "seed_million": ["--small", "--database-url", "{url}"],
    "reports": ["--small", "--database-url", "{url}"],  # over what seed_million --small left
}
DATABASE_OF = {"reports": "seed_million"}  # benches that read another one's database


def _admin(url):
    import psycopg

    return psycopg.connect(urlunparse(urlparse(url)._replace(path="/postgres")), autocommit=True)


def _url_named(url, name):
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


@pytest.fixture(scope="module")
def template_url():
    """A migrated database the benches' databases are copied from (migrating each would take
    longer than most benches)."""
    url = os.environ.get("DATABASE_URL", "")
    require(url.startswith("postgres") and _tcp_open(url, 5432), "PostgreSQL (DATABASE_URL)")
    from psycopg import sql

    name = f"{urlparse(url).path.lstrip('/')}_bench_template"
    with _admin(url) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    template = _url_named(url, name)
    out = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT,
                         env=dict(os.environ, DATABASE_URL=template), capture_output=True, text=True, timeout=DEADLINE)
    assert out.returncode == 0, out.stderr[-3000:]
    return template


def _fresh_database(template, name):
    from psycopg import sql

    base = urlparse(template).path.lstrip("/").removesuffix("_template")
    db = f"{base}_{name}"
    with _admin(template) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db)))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(db), sql.Identifier(urlparse(template).path.lstrip("/"))))
    return _url_named(template, db)


@pytest.fixture(scope="module")
def databases():
    return {}


@pytest.mark.parametrize("bench", list(BENCHES))
def test_the_bench_reaches_its_last_line(bench, template_url, databases):
    require(shutil.which("redis-server") is not None, "redis-server")
    if bench in DATABASE_OF:
        url = databases.get(DATABASE_OF[bench])
        if url is None:
            pytest.fail(f"{bench} lee la base que deja {DATABASE_OF[bench]}, que no corrió antes", pytrace=False)
    else:
        url = databases[bench] = _fresh_database(template_url, bench)
    args = [a.replace("{url}", url) for a in BENCHES[bench]]
    env = dict(os.environ, DATABASE_URL=url, BENCH_SMALL="1", PYTHONUNBUFFERED="1")
    # Its own process group: past the deadline the bench goes with everything it started
    # (workers, Redis, govsim).
    proc = subprocess.Popen([sys.executable, str(BENCH / f"{bench}.py"), *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        pytest.fail(f"bench/{bench}.py no terminó en {DEADLINE} s:\n{stdout[-3000:]}\n{stderr[-3000:]}", pytrace=False)
    lines = [line for line in stdout.splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    assert proc.returncode == 0 and LAST_LINE.match(last), (
        f"bench/{bench}.py (código {proc.returncode}) no llegó a su última línea:\n{stdout[-3000:]}\n{stderr[-4000:]}")


def test_every_bench_is_run_here():
    scripts = {p.stem for p in BENCH.glob("*.py") if not p.stem.startswith("_")}
    assert scripts == set(BENCHES), "agregue el bench nuevo a BENCHES, con su tamaño pequeño"
