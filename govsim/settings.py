"""Settings of the MH simulator: a separate process with its own database. It shares nothing
with the billing project (no project app is installed or imported here)."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("GOVSIM_VAR_DIR", REPO_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("GOVSIM_SECRET_KEY", "govsim-simulator-only-not-a-secret")
DEBUG = False
ALLOWED_HOSTS = ["*"]  # a local simulator; it never runs in production
INSTALLED_APPS = ["govsim.apps.GovsimConfig"]
MIDDLEWARE = ["govsim.faults.FaultMiddleware"]
ROOT_URLCONF = "govsim.urls"
WSGI_APPLICATION = "govsim.wsgi.application"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [BASE_DIR / "templates"]}]
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("GOVSIM_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'govsim.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {"timeout": 30,
                                       "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "America/El_Salvador"
LANGUAGE_CODE = "es"
USE_I18N = False

# Where the JSON schemas come from: the project's own (both generations, dte/schemas/2023 and
# dte/schemas/2026) by default, MH's official ones in CI. One folder, or several separated by
# os.pathsep; a folder's immediate subfolders are read too. A document is matched to its schema by
# its identificacion.tipoDte and .version, so every generation given is accepted side by side.
GOVSIM_SCHEMA_DIR = os.environ.get("GOVSIM_SCHEMA_DIR") or str(REPO_DIR / "dte" / "schemas")
GOVSIM_TOKEN_HOURS = int(os.environ.get("GOVSIM_TOKEN_HOURS", "24"))
GOVSIM_LOT_DELAY_SECONDS = float(os.environ.get("GOVSIM_LOT_DELAY_SECONDS", "2"))
# Days MH is closed besides weekends and national holidays (ISO dates, comma-separated), for the
# v2.0 invalidation deadline counted in business days (govsim.rules.invalidation_deadline).
GOVSIM_NON_BUSINESS_DAYS = [d.strip() for d in os.environ.get("GOVSIM_NON_BUSINESS_DAYS", "").split(",") if d.strip()]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("GOVSIM_LOG_LEVEL", "WARNING")},
    # Rejections are answered with HTTP 400 by design: not worth a log line each.
    "loggers": {"django.request": {"level": "ERROR"}},
}
