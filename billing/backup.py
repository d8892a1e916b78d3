"""Backups that restore (README, "Operations"): the database in pg_dump's custom format, the media
folder as a tar archive, and a check that FIELD_ENCRYPTION_KEY decrypts every stored secret — a
dump restored without the key that wrote its secrets would hold certificates nobody can open.

A backup folder holds database.dump, media.tar.gz (local media only) and manifest.json (when, what,
how many rows and secrets, the key's fingerprint — never the key)."""

import datetime
import hashlib
import json
import os
import subprocess
import tarfile
from pathlib import Path

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection

from core.fields import _EncryptedField, fernet

DUMP, MEDIA, MANIFEST = "database.dump", "media.tar.gz", "manifest.json"


class BackupError(Exception):
    pass


def _pg_env_and_args():
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise BackupError("La copia de seguridad necesita PostgreSQL (DATABASE_URL=postgres://…).")
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    args = ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432), "-U", db.get("USER") or "postgres"]
    return env, args, db["NAME"]


def key_fingerprint():
    return hashlib.sha256(settings.FIELD_ENCRYPTION_KEYS[0].encode()).hexdigest()[:16]


def check_secrets():
    """{"model.field": count} of stored secrets that decrypt; BackupError naming those that do not."""
    counts, failures = {}, []
    box = fernet()
    with connection.cursor() as cursor:
        for model in apps.get_models():
            for field in model._meta.concrete_fields:
                if not isinstance(field, _EncryptedField):
                    continue
                table, column = model._meta.db_table, field.column
                cursor.execute(f'SELECT "{model._meta.pk.column}", "{column}" FROM "{table}" '  # noqa: S608 - names from the models
                               f'WHERE "{column}" IS NOT NULL')
                label = f"{model._meta.label}.{field.name}"
                counts[label] = 0
                for pk, token in cursor.fetchall():
                    try:
                        box.decrypt(token.encode("ascii"))
                        counts[label] += 1
                    except (InvalidToken, ValueError):
                        failures.append(f"{label} id={pk}")
    if failures:
        raise BackupError("FIELD_ENCRYPTION_KEY no descifra estos secretos: " + ", ".join(failures[:20]))
    return counts


def _media_root():
    return Path(settings.MEDIA_ROOT) if isinstance(default_storage, FileSystemStorage) else None


def backup(folder):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    secrets = check_secrets()  # before dumping: a backup whose secrets cannot be read is refused
    env, args, name = _pg_env_and_args()
    result = subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", *args,
                             "-f", str(folder / DUMP), name], env=env, capture_output=True, text=True, timeout=6 * 3600)
    if result.returncode:
        raise BackupError(f"pg_dump falló: {result.stderr.strip()[:500]}")
    media = _media_root()
    media_files = 0
    if media is not None:
        with tarfile.open(folder / MEDIA, "w:gz") as tar:
            if media.exists():
                for path in sorted(media.rglob("*")):
                    if path.is_file():
                        tar.add(path, arcname=str(path.relative_to(media)))
                        media_files += 1
    from dte.models import Document  # noqa: PLC0415 - apps load after settings

    manifest = {
        "taken_at": datetime.datetime.now(tz=datetime.UTC).isoformat(timespec="seconds"),
        "database": name, "documents": Document.objects.count(), "secrets": secrets,
        "media_files": media_files if media is not None else None,
        "media": "local" if media is not None else "almacenamiento de objetos: respáldelo con el versionado del bucket",
        "key_fingerprint": key_fingerprint(),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    return manifest


def restore(folder):
    """Into the configured database, which must be empty (no table), then the media, then the key check."""
    folder = Path(folder)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    if connection.introspection.table_names():
        raise BackupError(f"La base de datos {settings.DATABASES['default']['NAME']} no está vacía: "
                          "se restaura solo en una base nueva.")
    env, args, name = _pg_env_and_args()
    result = subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", *args, "-d", name,
                             str(folder / DUMP)], env=env, capture_output=True, text=True, timeout=6 * 3600)
    if result.returncode:
        raise BackupError(f"pg_restore falló: {result.stderr.strip()[:500]}")
    media = _media_root()
    if media is not None and (folder / MEDIA).exists():
        media.mkdir(parents=True, exist_ok=True)
        with tarfile.open(folder / MEDIA, "r:gz") as tar:
            tar.extractall(media, filter="data")  # refuses absolute paths and ../ (PEP 706)
    secrets = check_secrets()
    return {**manifest, "restored_secrets": secrets}
