"""Production settings refuse to start without their secrets, and check --deploy is clean."""

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

BASE = Path(__file__).resolve().parents[2]

PROD_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "x" * 20 + "-production-secret-key-with-enough-entropy-1234567890",
    "ALLOWED_HOSTS": "facturador.example.com",
    "DATABASE_URL": "postgres://facturador@db.example.com:5432/facturador",
    "REDIS_URL": "redis://redis.example.com:6379/0",
    "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
}


def _manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if k not in PROD_ENV and not k.startswith("DJANGO")}
    clean.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=BASE, env=clean, capture_output=True,
                          text=True, timeout=120)


def test_check_deploy_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PROD_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_each_secret():
    for missing in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "REDIS_URL"):
        env = {k: v for k, v in PROD_ENV.items() if k != missing}
        result = _manage("check", env=env)
        assert result.returncode != 0, missing
        assert missing in result.stderr and "ImproperlyConfigured" in result.stderr


def test_production_refuses_debug():
    result = _manage("check", env={**PROD_ENV, "DEBUG": "true"})
    assert result.returncode != 0 and "DEBUG no puede estar activo" in result.stderr


def test_secret_can_come_from_a_file(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text(PROD_ENV["SECRET_KEY"])
    env = {k: v for k, v in PROD_ENV.items() if k != "SECRET_KEY"}
    env["SECRET_KEY_FILE"] = str(secret_file)
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stderr


def test_log_filter_redacts_secrets():
    import logging

    from core.logging import RedactSecretsFilter

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "auth user=%s pwd=%s", ("0614", "s3cr3t"), None)
    RedactSecretsFilter().filter(record)
    assert "s3cr3t" not in record.getMessage() and "[oculto]" in record.getMessage()


def test_health_endpoint_reports_database(client, db):
    response = client.get("/salud/")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_the_serverless_broker_keeps_all_its_folders_under_var(tmp_path):
    """kombu's filesystem transport puts its exchange table in ./control unless told; it once got
    committed from the working directory."""
    script = ("from django.conf import settings; from billing.celery import app; app.loader.import_default_modules(); "
              "print(settings.CELERY_BROKER_TRANSPORT_OPTIONS['control_folder'])")
    env = {"VAR_DIR": str(tmp_path), "REDIS_URL": "", "DJANGO_SETTINGS_MODULE": "billing.settings"}
    clean = {k: v for k, v in os.environ.items() if k not in PROD_ENV and not k.startswith("DJANGO")}
    clean.update(env)
    result = subprocess.run([sys.executable, "-c", "import django; django.setup(); " + script], cwd=BASE, env=clean,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    folder = Path(result.stdout.strip().splitlines()[-1])
    assert folder.is_relative_to(tmp_path) and folder.is_dir()
