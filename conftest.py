"""Shared fixtures: the default roles, a company with establishments, one user per role, and
checks for the real services (PostgreSQL, Redis, Chromium). Under CI (CI=true) a missing
service fails the test instead of skipping it."""

import os
import shutil
import socket
from pathlib import Path
from urllib.parse import urlparse

import pytest

CI = os.environ.get("CI", "").lower() == "true"
BASE_DIR = Path(__file__).resolve().parent
SHARED_DIR = Path(os.environ.get("SHARED_DIR", BASE_DIR.parent / "shared"))
ROLE_NAMES = ["Administrador", "Supervisor", "Vendedor", "Contador", "Auditor"]


def require(available, what):
    if available:
        return
    if CI:
        pytest.fail(f"{what}: no disponible, y en CI nada se omite", pytrace=False)
    pytest.skip(f"{what} no disponible")


def _tcp_open(url, default_port):
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL", "")
    require(bool(url) and _tcp_open(url, 6379), "Redis (REDIS_URL)")
    return url


@pytest.fixture
def rabbitmq_url():
    """RabbitMQ, the other broker (CELERY_BROKER_URL=amqp://… runs every wired test through it)."""
    url = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
    require(_tcp_open(url, 5672), "RabbitMQ (RABBITMQ_URL)")
    return url


@pytest.fixture
def chromium_path():
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    require(Path(path).exists(), "Chromium")
    return path


@pytest.fixture
def shared_dir():
    require((SHARED_DIR / "spec").is_dir(), f"../shared/spec ({SHARED_DIR})")
    return SHARED_DIR


OFFICIAL_SCHEMA_DIRS = [SHARED_DIR / "spec" / f"mh-schemas-{generation}" for generation in ("2023", "2026")]


@pytest.fixture(autouse=True)
def _official_schemas(settings):
    """Every document and event a test issues is also validated against MH's official schemas of
    its generation (2023 or 2026; dte.schemas.validation.extra_errors picks the file by name)."""
    missing = [str(folder) for folder in OFFICIAL_SCHEMA_DIRS if not folder.is_dir()]
    if CI and missing:
        pytest.fail(f"{', '.join(missing)}: los esquemas oficiales de MH faltan, y en CI nada se omite", pytrace=False)
    settings.DTE_EXTRA_SCHEMA_DIRS = [str(folder) for folder in OFFICIAL_SCHEMA_DIRS if folder.is_dir()]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django empties the tables after each transactional test with one TRUNCATE of all of
    them, and the audit trail refuses TRUNCATE (accounts migration 0010) unless the session sets
    facturador.allow_audit_truncate and the role owns the table. Set it on the test database only
    (every new connection, the Celery worker's too), never on a real one: a production app role
    owns nothing and has no TRUNCATE privilege, so the setting would not help it anyway."""
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            name = connection.ops.quote_name(connection.settings_dict["NAME"])
            assert connection.settings_dict["NAME"].startswith("test_"), "solo en la base de datos de prueba"
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER DATABASE {name} SET facturador.allow_audit_truncate = 'on'")
                cursor.execute("SET facturador.allow_audit_truncate = 'on'")  # this connection is already open


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def roles(db):
    from accounts.models import Role
    from accounts.services import roles_ensure_defaults

    roles_ensure_defaults()  # a transactional test before this one may have flushed the migration's rows
    return {r.name: r for r in Role.objects.all()}


def _catalogs_reseed():
    """A transactional test's flush also empties the MH catalog rows the migrations seed; put the
    seed back (as catalogs migrations 0002 and 0003 do) when it is gone, so the order tests run in
    does not decide whether a document finds its activity, recinto fiscal or payment codes."""
    from catalogs.models import CatalogEntry
    from catalogs.seed import seed_rows

    for edition in ("2023", "2026"):
        rows = seed_rows(edition)
        if CatalogEntry.objects.filter(edition=edition).count() >= len(rows):
            continue
        CatalogEntry.objects.bulk_create(
            [CatalogEntry(catalog=r.catalog, edition=edition, code=r.code, parent=r.parent, name=r.name) for r in rows],
            ignore_conflicts=True)


@pytest.fixture
def company(db):
    from accounts.models import Company

    _catalogs_reseed()

    return Company.objects.create(
        nit="06140507071048", nrc="1234567", legal_name="Empresa de Prueba, S.A. de C.V.", trade_name="Prueba",
        activity_code="46900", activity_description="Venta al por mayor de otros productos",
        departamento="06", municipio="14", address="Calle 1", phone="22223333", email="empresa@example.com",
        mh_api_user="06140507071048", mh_api_password="api-secret-value",
        mh_responsible_name="María Elena Rivas", mh_responsible_id_type="13", mh_responsible_id_number="00016297-5",
    )


@pytest.fixture
def establishments(company):
    from accounts.models import Establishment, PointOfSale

    main = Establishment.objects.create(company=company, name="Matriz", cod_estable_mh="M001", departamento="06",
                                        municipio="14", address="Calle 1")
    branch = Establishment.objects.create(company=company, name="Sucursal Santa Tecla", cod_estable_mh="S001",
                                          establishment_type="01", departamento="05", municipio="11", address="Calle 2")
    pos = {
        "M001P001": PointOfSale.objects.create(establishment=main, name="Caja 1", cod_punto_venta_mh="P001"),
        "M001P002": PointOfSale.objects.create(establishment=main, name="Caja 2", cod_punto_venta_mh="P002"),
        "S001P001": PointOfSale.objects.create(establishment=branch, name="Caja 1", cod_punto_venta_mh="P001"),
    }
    return {"main": main, "branch": branch, "pos": pos}


@pytest.fixture
def make_user(db, roles):
    from accounts.models import User

    def make(username, role_name=None, **extra):
        user = User(username=username, email=f"{username}@example.com", role=roles.get(role_name), **extra)
        user.set_password("clave-segura-123")
        user.save()
        return user

    return make


@pytest.fixture
def users(make_user):
    """One user per default role, plus an outsider with no role at all."""
    made = {name: make_user(name.lower(), name) for name in ROLE_NAMES}
    made["Administrador"].is_staff = made["Administrador"].is_superuser = True
    made["Administrador"].save()
    made["outsider"] = make_user("outsider", None)
    return made


@pytest.fixture
def client_as(client):
    from django.test import Client

    def login(user):
        c = Client()
        c.force_login(user)
        return c

    return login


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # The control port (service port + 1) must be free too.
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port + 1))
        except OSError:
            return _free_port()
    return port


def govsim_schema_dirs():
    """The schema sets govsim is run with: MH's official ones (when ../shared is there, as in CI)
    and the project's own (govsim's default). GOVSIM_SCHEMA_DIR picks one."""
    explicit = os.environ.get("GOVSIM_SCHEMA_DIR")
    if explicit:
        return {"elegidos": explicit}
    dirs = {}
    official = [str(folder) for folder in OFFICIAL_SCHEMA_DIRS if folder.is_dir()]
    if official:
        dirs["oficiales"] = os.pathsep.join(official)  # both generations, side by side
    dirs["propios"] = str(BASE_DIR / "dte" / "schemas")  # its 2023/ and 2026/ subfolders
    return dirs


_SCHEMA_DIRS = govsim_schema_dirs()


@pytest.fixture(scope="session", params=list(_SCHEMA_DIRS), ids=lambda name: f"esquemas-{name}")
def govsim(request, tmp_path_factory):
    """A real govsim process on its own port and its own database, once per schema set."""
    import subprocess
    import sys
    import time
    import urllib.request

    port = _free_port()
    var = tmp_path_factory.mktemp("govsim")
    env = dict(os.environ, GOVSIM_VAR_DIR=str(var), GOVSIM_SCHEMA_DIR=_SCHEMA_DIRS[request.param],
               GOVSIM_LOT_DELAY_SECONDS="0.5", GOVSIM_DATABASE_URL="")
    proc = subprocess.Popen([sys.executable, "-m", "govsim", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
                            cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_govsim/health", timeout=2) as r:  # noqa: S310
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            out = proc.stdout.read() if proc.poll() is not None else ""
            proc.kill()
            pytest.fail(f"govsim no arrancó: {out[-2000:]}")
        time.sleep(0.3)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def paysim(tmp_path_factory):
    """A real paysim process (the payment-gateway simulator) on its own port and database. Tests
    register merchants and set faults over HTTP (/_paysim/merchants, /_paysim/faults; see
    paysim/__main__.py); faults are cleared by whoever sets them."""
    import subprocess
    import sys
    import time
    import urllib.request

    port = _free_port()
    var = tmp_path_factory.mktemp("paysim")
    env = dict(os.environ, PAYSIM_VAR_DIR=str(var), PAYSIM_DATABASE_URL="", PAYSIM_WEBHOOK_RETRY_SECONDS="1")
    log = open(var / "paysim.log", "w")  # noqa: SIM115 - closed at teardown; read when a test wants paysim's errors
    proc = subprocess.Popen([sys.executable, "-m", "paysim", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                             "--merchants", ""],
                            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_paysim/health", timeout=2) as r:  # noqa: S310
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"paysim no arrancó: {(var / 'paysim.log').read_text()[-2000:]}")
        time.sleep(0.3)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser(chromium_path_module):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path_module,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def chromium_path_module():
    import shutil
    from pathlib import Path

    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    require(Path(path).exists(), "Chromium")
    return path


@pytest.fixture(scope="module")
def celery_worker(django_db_setup, django_db_blocker):
    """A real Celery worker process on Redis, reading the test database (PostgreSQL), on a queue
    of its own; the test process sends to that queue. Fast MH timeouts and retries."""
    import subprocess
    import sys
    import time
    import uuid

    from django.conf import settings
    from django.db import connection

    url = os.environ.get("REDIS_URL", "")
    require(bool(url) and _tcp_open(url, 6379), "Redis (REDIS_URL)")
    require(connection.vendor == "postgresql", "PostgreSQL (el worker comparte la base de datos de prueba)")
    from billing.celery import app

    assert str(app.conf.broker_url).startswith("redis"), "el proceso de prueba debe enviar a Redis"
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = settings.DATABASES["default"]
    env = dict(os.environ, REDIS_URL=url, CELERY_TASK_DEFAULT_QUEUE=queue, DJANGO_SETTINGS_MODULE="billing.settings",
               DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
               DTE_MH_TIMEOUT_SECONDS="2", DTE_RETRY_BASE_SECONDS="1", DTE_RETRY_MAX_SECONDS="2",
               # Four failed calls in a row: more than one document's three tries (its till enters
               # contingency by MH's retry rule), fewer than several documents' first two tries.
               DTE_BREAKER_FAILURES="4",
               DTE_CONTINGENCY_LOT_POLL_SECONDS="0.5",
               EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
               EMAIL_FILE_PATH=str(BASE_DIR / "var" / f"mail-{queue}"),
               DTE_EXTRA_SCHEMA_DIRS="")
    log_path = BASE_DIR / "var" / f"worker-{queue}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tests.celery_app", "worker", "--pool=prefork", "--concurrency=2",
         "-Q", f"{queue},{queue}.print", "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    deadline = time.monotonic() + 60
    while "ready." not in log_path.read_text() and time.monotonic() < deadline:
        if worker.poll() is not None:
            pytest.fail("el worker no arrancó: " + log_path.read_text()[-2000:])
        time.sleep(0.3)

    class Handle:
        process, log_file, queue_name = worker, log_path, queue
        mail_dir = BASE_DIR / "var" / f"mail-{queue}"

        def output(self):
            return log_path.read_text()

    yield Handle()
    app.conf.task_default_queue = previous
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
    log.close()
