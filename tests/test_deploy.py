"""The Dockerfile, docker-compose.yml and the Kubernetes manifests cannot rot.

No container engine runs here, so the image's steps are run as their equivalent: the files the
Dockerfile copies exist, the packages it installs are the ones this environment runs with, its
collectstatic line (same throwaway environment) works, check --deploy is clean with production
settings, and gunicorn started with the image's command line answers liveness — with the metrics
of its several worker processes added up (multiprocess mode, gunicorn.conf.py)."""

import gzip
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"


def dockerfile_instructions():
    """[(INSTRUCTION, arguments)] with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _run_env(instruction_args):
    """The VAR=value assignments in front of a RUN's command."""
    env = {}
    for token in shlex.split(instruction_args):
        if "=" in token and re.match(r"^[A-Z_][A-Z0-9_]*=", token):
            key, _, value = token.partition("=")
            env[key] = value
        elif env:
            break
    return env


def test_the_dockerfile_copies_files_that_exist():
    sources = 0
    for word, args in dockerfile_instructions():
        if word != "COPY":
            continue
        parts = [p for p in shlex.split(args) if not p.startswith("--chown")]
        from_stage = next((p for p in parts if p.startswith("--from=")), None)
        parts = [p for p in parts if not p.startswith("--")]
        for source in parts[:-1]:
            sources += 1
            if from_stage == "--from=assets":  # npm ci's node_modules: the same lock file installed here
                relative = source.removeprefix("/build/")
                assert (ROOT / relative).exists(), f"{source}: no está en node_modules (npm ci)"
            elif from_stage is None and source != ".":
                assert (ROOT / source).exists(), f"COPY {source}: el archivo no existe"
    assert sources >= 6


def test_the_image_installs_the_pinned_requirements_this_environment_runs():
    args = [a for w, a in dockerfile_instructions() if w == "RUN" and "pip wheel" in a]
    assert args and "-r requirements.txt" in args[0]
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, version = line.partition("==")
        assert version, f"{line}: sin versión fija"
        installed = metadata.version(re.sub(r"\[.*\]", "", name))
        assert installed == version, f"{name}: la imagen instala {version}, aquí corre {installed}"


def test_the_image_runs_modules_that_exist():
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert "billing.wsgi" in text and (ROOT / "billing" / "wsgi.py").exists()
    assert "billing.healthcheck" in text and (ROOT / "billing" / "healthcheck.py").exists()
    assert (ROOT / "gunicorn.conf.py").exists()  # read by gunicorn from the image's WORKDIR


def _production_env(tmp_path, **extra):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "PROMETHEUS"))}
    clean.update({
        "DJANGO_ENV": "production", "DJANGO_SETTINGS_MODULE": "billing.settings",
        "SECRET_KEY": "x" * 20 + "-production-secret-key-with-enough-entropy-1234567890",
        "ALLOWED_HOSTS": "127.0.0.1,localhost", "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        "VAR_DIR": str(tmp_path / "var"), "STATIC_ROOT": str(tmp_path / "staticfiles"),
    })
    clean.update(extra)
    return clean


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url, *, headers=None, timeout=5):
    request = urllib.request.Request(url, headers={"Host": "localhost", **(headers or {})})  # noqa: S310 - local
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - local
        return response.status, response.read().decode()


@pytest.mark.django_db(transaction=True)
def test_the_images_steps_collectstatic_check_deploy_and_gunicorn(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("gunicorn needs the test database on PostgreSQL")
    db = settings.DATABASES["default"]
    database_url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    # 1. collectstatic exactly as the Dockerfile's RUN line, with its throwaway environment
    run = next(a for w, a in dockerfile_instructions() if w == "RUN" and "collectstatic" in a)
    build_env = _run_env(run)
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEY"} <= set(build_env)
    build_env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'build.sqlite3'}"
    # Without whitenoise's gzip/brotli copies (STATIC_COMPRESS=false): minutes of CPU on 2 shared cores;
    # the hashing, the manifest and every finder run as in the image.
    env = _production_env(tmp_path, **build_env, STATIC_COMPRESS="false")
    result = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "staticfiles" / "staticfiles.json").exists()  # the manifest whitenoise serves from
    assert list((tmp_path / "staticfiles" / "vendor" / "bootstrap").rglob("bootstrap.min.css"))

    # 2. check --deploy with production settings
    env = _production_env(tmp_path, DATABASE_URL=database_url, METRICS_TOKEN="t0k3n-imagen")
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr

    # 3. gunicorn with the image's command line (CMD), two workers
    cmd = next(a for w, a in dockerfile_instructions() if w == "CMD")
    assert "gunicorn billing.wsgi" in cmd
    port = _free_port()
    env.update(WEB_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2",
               PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"))
    shell_line = yaml.safe_load(cmd)[-1].replace("exec gunicorn", f"exec {sys.executable} -m gunicorn")
    server = subprocess.Popen(["sh", "-c", shell_line], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:  # the port opens (a GET that times out could still be served, and counted)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
                break
            except OSError:
                assert server.poll() is None, server.stdout.read()[-3000:]
                assert time.monotonic() < deadline, "gunicorn no abrió su puerto en 60 s"
                time.sleep(0.5)
        for _ in range(20):
            status, body = _get(f"http://127.0.0.1:{port}/salud/vivo/", timeout=60)
            assert status == 200 and '"ok"' in body
        # the container's HEALTHCHECK command, against the same server
        check = subprocess.run([sys.executable, "-m", "billing.healthcheck"], cwd=ROOT, env=env, timeout=30)
        assert check.returncode == 0
        _status, text = _get(f"http://127.0.0.1:{port}/metrics", headers={"Authorization": "Bearer t0k3n-imagen"})
        served = sum(s.value for f in text_string_to_metric_families(text) for s in f.samples
                     if s.name == "facturador_http_requests_total" and s.labels.get("view") == "health_live")
        assert served == 20  # counted by whichever of the two workers answered, added up
        pids = {p.name.rsplit("_", 1)[-1] for p in (tmp_path / "metrics").glob("*.db")}
        assert len(pids) >= 1
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def test_collectstatic_compresses_and_whitenoise_serves_the_compressed_copy(tmp_path):
    """The image's storage (CompressedManifestStaticFilesStorage) writes a gzip and a brotli copy
    beside each hashed file, and WhiteNoise answers a browser that accepts them with the smaller
    copy. The project's own static files only: compressing the 2,000 vendor files takes minutes
    of CPU (the image test above runs collectstatic over them without compression)."""
    import brotli
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.management import call_command
    from django.test import Client, override_settings

    root = tmp_path / "staticfiles"
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    with override_settings(STATIC_ROOT=str(root), STATICFILES_DIRS=[ROOT / "static"], STORAGES=storages,
                           STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"]):
        call_command("collectstatic", "--noinput", verbosity=0)
        hashed = staticfiles_storage.stored_name("js/editor.js")
        assert hashed != "js/editor.js"  # the manifest's hashed name, as the templates link it
        original = (ROOT / "static" / "js" / "editor.js").read_bytes()
        assert (root / hashed).read_bytes() == original
        for suffix in (".gz", ".br"):
            assert (root / (hashed + suffix)).exists(), suffix
            assert (root / (hashed + suffix)).stat().st_size < len(original)
        url = settings.STATIC_URL + hashed
        client = Client()  # a new handler: WhiteNoise reads this STATIC_ROOT when it starts

        response = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert response.status_code == 200
        assert response["Content-Encoding"] == "br" and "Accept-Encoding" in response["Vary"]
        body = b"".join(response.streaming_content)
        assert len(body) < len(original) and brotli.decompress(body) == original

        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response["Content-Encoding"] == "gzip"
        assert gzip.decompress(b"".join(response.streaming_content)) == original

        response = client.get(url)  # no Accept-Encoding: the file as it is
        assert not response.has_header("Content-Encoding")
        assert b"".join(response.streaming_content) == original
        assert "immutable" in response["Cache-Control"]  # a hashed name is cached for good


# ---------------------------------------------------------------------------------- compose


def test_compose_runs_web_a_worker_per_queue_beat_and_migrations():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"migrate", "web", "worker", "printer", "beat", "db", "redis"} <= set(services)
    queues = {}
    for name, service in services.items():
        command = service.get("command") or []
        if "worker" in command:
            queue = command[command.index("-Q") + 1] if "-Q" in command else "facturador"  # the default queue
            queues[queue] = name
    assert set(queues) == {"facturador", "printing"}, queues
    assert compose["x-app"]["environment"]["DTE_PRINT_QUEUE"] == "printing"
    beats = [n for n, s in services.items() if "beat" in (s.get("command") or [])]
    assert beats == ["beat"]
    for name in ("web", "worker", "printer", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
    for volume in compose["volumes"]:
        assert volume in {"pgdata", "redisdata", "media", "rabbitmq", "govsimdata", "paysimdata"}


def _compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_adds_up_each_containers_processes_metrics_and_workers_serve_theirs():
    compose = _compose()
    app = compose["x-app"]
    # multiprocess mode (gunicorn.conf.py, billing.metrics): a folder that starts empty in every
    # container start (a tmpfs), so a restart never counts a dead process's figures twice
    folder = app["environment"]["PROMETHEUS_MULTIPROC_DIR"]
    assert folder in app["tmpfs"]
    port = app["environment"]["WORKER_METRICS_PORT"]
    assert port.isdigit()
    services = compose["services"]
    for name in ("web", "worker", "printer", "beat"):
        assert folder in services[name]["tmpfs"], name  # YAML merge: every process container has it
        assert services[name]["environment"]["PROMETHEUS_MULTIPROC_DIR"] == folder
    workers = [n for n, s in services.items() if "worker" in (s.get("command") or [])]
    assert sorted(workers) == ["printer", "worker"]
    for name in workers:
        assert services[name]["environment"]["WORKER_METRICS_PORT"] == port
        assert port in [str(p) for p in services[name]["expose"]], name
    # the setting the worker reads to serve them is the one billing/tasks.py reads
    assert 'os.environ.get("WORKER_METRICS_PORT")' in (ROOT / "billing" / "tasks.py").read_text(encoding="utf-8")


def test_compose_runs_govsim_and_paysim_only_when_asked_apart_from_the_apps_services():
    compose = _compose()
    services = compose["services"]
    for name, module, port, var in (("govsim", "govsim", 8800, "GOVSIM_VAR_DIR"), ("paysim", "paysim", 8900, "PAYSIM_VAR_DIR")):
        service = services[name]
        assert service["profiles"] == ["simuladores"]  # never started by a plain `docker compose up`
        command = service["command"]
        assert command[:4] == ["python", "-m", module, "serve"], command
        assert command[command.index("--bind") + 1] == f"0.0.0.0:{port}"
        assert (ROOT / module / "__main__.py").exists()
        assert any(str(p).endswith(f":{port}") for p in service["ports"])
        # their own database (SQLite in their var folder, on their own volume), not the app's
        assert "depends_on" not in service and "env_file" not in service
        assert "DATABASE_URL" not in service["environment"]
        folder = service["environment"][var]
        assert [v for v in service["volumes"] if v.endswith(f":{folder}")], service["volumes"]
        assert f'os.environ.get("{var}"' in (ROOT / module / "settings.py").read_text(encoding="utf-8")
    assert services["paysim"]["environment"]["PAYSIM_PUBLIC_URL"].startswith("http://localhost:")
    # no service of the application waits for a simulator (they are optional)
    for name, service in services.items():
        assert not {"govsim", "paysim"} & set(service.get("depends_on") or {}), name


# ---------------------------------------------------------------------------------- kubernetes

K8S = ROOT / "deploy" / "k8s"


def k8s_documents():
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc:
                docs.append((path.name, doc))
    return docs


def _containers(doc):
    return doc["spec"]["template"]["spec"]["containers"]


def test_the_kustomization_lists_every_manifest():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    listed = set(kustomization["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}


def test_every_manifest_has_the_keys_kubernetes_requires():
    for name, doc in k8s_documents():
        assert {"apiVersion", "kind", "metadata"} <= set(doc), name
        assert doc["metadata"].get("name"), name
        if doc["kind"] in ("Deployment", "Job"):
            pod = doc["spec"]["template"]["spec"]
            for container in pod["containers"]:
                assert container["image"] and container["name"] and container.get("command"), name
                assert container["resources"]["requests"] and container["resources"]["limits"]["memory"], name
                mounted = {m["name"] for m in container.get("volumeMounts", [])}
                assert mounted <= {v["name"] for v in pod.get("volumes", [])}, name
        if doc["kind"] == "Deployment":
            selector = doc["spec"]["selector"]["matchLabels"]
            labels = doc["spec"]["template"]["metadata"]["labels"]
            assert selector.items() <= labels.items(), name


def _by_kind(kind):
    return [doc for _name, doc in k8s_documents() if doc["kind"] == kind]


def test_web_probes_use_liveness_and_readiness():
    web = next(d for d in _by_kind("Deployment") if d["metadata"]["name"] == "facturador-web")
    container = _containers(web)[0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/salud/vivo/"
    assert container["readinessProbe"]["httpGet"]["path"] == "/salud/listo/"
    from django.urls import resolve  # noqa: PLC0415 - the URLs the probes ask exist

    assert resolve("/salud/vivo/").url_name == "health_live" and resolve("/salud/listo/").url_name == "health_ready"
    env = {e["name"]: e.get("value") for e in container.get("env", [])}
    assert set(env["HEALTH_READY_CHECKS"].split(",")) <= {"database", "migrations", "broker", "media", "worker",
                                                          "beat", "mh"}


def test_one_worker_per_queue_one_beat_and_a_migrations_job():
    deployments = _by_kind("Deployment")
    queues = set()
    for doc in deployments:
        command = _containers(doc)[0]["command"]
        if "worker" in command:
            queues.add(command[command.index("-Q") + 1])
    assert queues == {"facturador", "printing"}
    beats = [d for d in deployments if "beat" in _containers(d)[0]["command"]]
    assert len(beats) == 1 and beats[0]["spec"]["replicas"] == 1 and beats[0]["spec"]["strategy"]["type"] == "Recreate"
    jobs = _by_kind("Job")
    assert len(jobs) == 1 and "migrate" in " ".join(_containers(jobs[0])[0]["command"])


def test_workers_scale_on_their_queue_depth_a_metric_we_expose():
    deployments = {d["metadata"]["name"] for d in _by_kind("Deployment")}
    hpas = _by_kind("HorizontalPodAutoscaler")
    on_depth = set()
    for hpa in hpas:
        assert hpa["spec"]["scaleTargetRef"]["name"] in deployments
        assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        for metric in hpa["spec"]["metrics"]:
            if metric["type"] == "External":
                assert metric["external"]["metric"]["name"] == "facturador_celery_queue_depth"
                on_depth.add(metric["external"]["metric"]["selector"]["matchLabels"]["queue"])
    assert on_depth == {"facturador", "printing"}
    from billing.metrics import BusinessCollector  # noqa: PLC0415 - the metric's name, from its source

    assert "facturador_celery_queue_depth" in Path(sys.modules[BusinessCollector.__module__].__file__).read_text()


def test_secrets_come_from_files_the_settings_read():
    config = next(d for d in _by_kind("ConfigMap"))["data"]
    files = {k: v for k, v in config.items() if k.endswith("_FILE")}
    assert {"SECRET_KEY_FILE", "FIELD_ENCRYPTION_KEY_FILE", "DATABASE_URL_FILE", "REDIS_URL_FILE"} <= set(files)
    assert not {"SECRET_KEY", "FIELD_ENCRYPTION_KEY", "DATABASE_URL"} & set(config)
