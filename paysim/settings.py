"""Settings of the payment-gateway simulator: a separate process with its own database (like
govsim). It shares nothing with the billing project: no project app is installed or imported."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("PAYSIM_VAR_DIR", REPO_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("PAYSIM_SECRET_KEY", "paysim-simulator-only-not-a-secret")
DEBUG = False
ALLOWED_HOSTS = ["*"]  # a local simulator; it never runs in production
INSTALLED_APPS = ["paysim.apps.PaysimConfig"]
MIDDLEWARE = ["paysim.faults.FaultMiddleware"]
ROOT_URLCONF = "paysim.urls"
WSGI_APPLICATION = "paysim.wsgi.application"
TEMPLATES = []
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("PAYSIM_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'paysim.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE: a transaction that reads then writes takes the write lock up front, so two workers
    # (and the webhook deliverer) queue on the busy timeout instead of failing "database is locked".
    DATABASES["default"]["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE",
                                       "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "America/El_Salvador"
LANGUAGE_CODE = "es"
USE_I18N = False

# The address paysim gives out in links (hosted pages, PayPal's cert URL): the one it serves on.
PAYSIM_PUBLIC_URL = os.environ.get("PAYSIM_PUBLIC_URL", "")
# Webhooks: first attempt this many seconds after the event; retries (on a non-2xx answer or no
# answer) every PAYSIM_WEBHOOK_RETRY_SECONDS, at most PAYSIM_WEBHOOK_MAX_ATTEMPTS times (Wompi
# documents retries, one source says 5-30 s up to 15 [facts §1, C W9]; PayPal up to 25 over 3 days
# [facts §3, D P6]: shortened for tests).
PAYSIM_WEBHOOK_DELAY_SECONDS = float(os.environ.get("PAYSIM_WEBHOOK_DELAY_SECONDS", "0"))
PAYSIM_WEBHOOK_RETRY_SECONDS = float(os.environ.get("PAYSIM_WEBHOOK_RETRY_SECONDS", "2"))
PAYSIM_WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("PAYSIM_WEBHOOK_MAX_ATTEMPTS", "5"))
PAYSIM_TOKEN_SECONDS = int(os.environ.get("PAYSIM_TOKEN_SECONDS", "3600"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PAYSIM_LOG_LEVEL", "WARNING")},
    "loggers": {"django.request": {"level": "ERROR"}},
}
