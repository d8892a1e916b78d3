"""manage.py backup → manage.py restore into a fresh database: documents, signatures, secrets and
files come back; what happened after the backup does not; a key that cannot read the secrets is
refused before a backup is written."""

import itertools
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from billing.backup import BackupError, check_secrets

BASE = Path(__file__).resolve().parents[2]
_numbers = itertools.count(1)


def _sealed(point, user):
    from dte.models import Document

    n = next(_numbers)
    est = point.establishment
    return Document.objects.create(
        company=est.company, establishment=est, point_of_sale=point, tipo_dte="01", issue_date=timezone.localdate(),
        created_by=user, status="sealed", numero_control=f"DTE-01-{est.cod_estable_mh}{point.cod_punto_venta_mh}-{n:015d}",
        number_year=2026, codigo_generacion=str(uuid.uuid4()).upper(), payload=f'{{"n": {n}}}',
        jws=f"eyJhbGciOiJSUzUxMiJ9.{n}.firma-{uuid.uuid4().hex}", sello_recibido="S" * 40)


def _admin_dsn(name):
    db = settings.DATABASES["default"]
    return f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']} dbname={name}"


def _url(name):
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _manage(*args, database, media, timeout=600):
    env = dict(os.environ, DATABASE_URL=_url(database), MEDIA_ROOT=str(media), DJANGO_SETTINGS_MODULE="billing.settings",
               FIELD_ENCRYPTION_KEY=",".join(settings.FIELD_ENCRYPTION_KEYS))
    return subprocess.run([sys.executable, "manage.py", *args], cwd=BASE, env=env, capture_output=True, text=True,
                          timeout=timeout)


READ_BACK = ("from dte.models import Document; from accounts.models import Company; "
             "c = Company.objects.get(); print(Document.objects.count()); print(c.mh_api_password); "
             "[print(d.codigo_generacion, d.jws) for d in Document.objects.order_by('codigo_generacion')]")


@pytest.mark.django_db(transaction=True)
def test_a_backup_taken_mid_run_restores_into_a_fresh_database(company, establishments, users, tmp_path, settings):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump: PostgreSQL only")
    settings.MEDIA_ROOT = tmp_path / "media"
    printed = settings.MEDIA_ROOT / "dte" / "2026" / "DTE-01.pdf"
    printed.parent.mkdir(parents=True)
    printed.write_bytes(b"%PDF-1.7 documento impreso")
    company.mh_api_password = "Cl4ve-de-MH"
    company.save()
    point = establishments["pos"]["M001P001"]
    docs = [_sealed(point, users["Supervisor"]) for _ in range(3)]

    call_command("backup", str(tmp_path / "copia"))
    assert {p.name for p in (tmp_path / "copia").iterdir()} == {"database.dump", "media.tar.gz", "manifest.json"}
    _sealed(point, users["Supervisor"])  # after the backup: must not come back

    fresh = f"fact_ops_restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_admin_dsn("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{fresh}"')
    try:
        restored_media = tmp_path / "media-restaurada"
        result = _manage("restore", str(tmp_path / "copia"), database=fresh, media=restored_media)
        assert result.returncode == 0, result.stderr[-3000:]
        assert "3 documentos" in result.stdout and "secretos descifrados" in result.stdout
        assert (restored_media / "dte" / "2026" / "DTE-01.pdf").read_bytes() == b"%PDF-1.7 documento impreso"
        # the restored database: no migration pending, the system checks pass, data and secrets read
        check = _manage("migrate", "--check", database=fresh, media=restored_media)
        assert check.returncode == 0, check.stdout + check.stderr
        assert _manage("check", database=fresh, media=restored_media).returncode == 0
        shell = _manage("shell", "--no-imports", "-c", READ_BACK, database=fresh, media=restored_media)
        assert shell.returncode == 0, shell.stderr[-3000:]
        lines = [line for line in shell.stdout.splitlines() if line.strip()]
        assert lines[0] == "3" and lines[1] == "Cl4ve-de-MH"
        expected = sorted(f"{d.codigo_generacion} {d.jws}" for d in docs)
        assert lines[2:] == expected  # the same documents with the same signatures
        again = _manage("restore", str(tmp_path / "copia"), database=fresh, media=restored_media)
        assert again.returncode != 0 and "no está vacía" in again.stderr
    finally:
        with psycopg.connect(_admin_dsn("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')


@pytest.mark.django_db
def test_a_key_that_cannot_read_the_secrets_refuses_the_backup(company, settings, tmp_path):
    company.mh_api_password = "Cl4ve-de-MH"
    company.save()
    assert check_secrets()["accounts.Company.mh_api_password"] == 1
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(BackupError, match=r"accounts\.Company\.mh_api_password id="):
        check_secrets()
    with pytest.raises(CommandError, match="no descifra"):
        call_command("backup", str(tmp_path / "copia"))
    assert not (tmp_path / "copia" / "database.dump").exists()
