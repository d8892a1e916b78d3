"""Settings for Facturador, read from the environment.

DJANGO_ENV=development (the default) gives embedded defaults so that ``make run`` works
anywhere: SQLite under var/, a broker that needs no server, mail printed to the console.
DJANGO_ENV=production refuses to start without its secrets and turns on every
``check --deploy`` protection.
"""

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from billing.env import env, envbool, envint, envlist, required

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env("VAR_DIR", str(BASE_DIR / "var")))

DJANGO_ENV = env("DJANGO_ENV", "development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV debe ser 'development' o 'production'")
PRODUCTION = DJANGO_ENV == "production"

_DEV_SECRET = "dev-only-insecure-key-facturador-not-for-production-use-0123456789"
SECRET_KEY = required("SECRET_KEY", when=PRODUCTION) or _DEV_SECRET
DEBUG = envbool("DEBUG", not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG no puede estar activo en producción")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS es obligatorio en producción")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://localhost:8000")

INSTALLED_APPS = [
    "accounts.admin_site.FacturadorAdminConfig",  # django.contrib.admin, in Spanish and staff only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "guardian",
    "django_htmx",
    "core",
    "accounts",
    "catalogs",
    "dte",
    "contingency",
    "payments",
    "orders",  # orders, pay links, holds and the automatic fiscal receipt (issue 20)
    "purchases",
    "timesheets",  # work time: employees, workdays, periodic runs of FSE / invoices (issue 22)
    "reconciliation",  # bank statements and gateway settlements matched to payments (issue 21)
    "reports",
    "onboarding",  # MH's authorisation: the test set and the move to production
    "clients",
    "inventory",
    "bulk",
    "notifications",  # in-app inbox and email, by role, scope and preference (issue 21)
    "webhooks",  # outbound events to integrations (subscribes through the registries of the apps below)
    "api",  # the public REST API (/api/v1/), on top of every app
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc served from the package, never a CDN
    "billing",  # the project package: its management commands (setup_demo, demo_ready)
    "import_export",
]

MIDDLEWARE = [
    # First: every log line of the request carries its id, and the metrics time the whole request.
    "billing.logs.RequestIdMiddleware",
    "billing.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.PreferredLanguageMiddleware",
    # /api/ only: Accept-Language, the record of each call, errors in the API's JSON shape.
    "api.middleware.ApiMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Refuses oversized bodies before they are read; late, so the refusal page has the user and
    # the response passes through the security middleware above.
    "billing.middleware.RequestBodyLimitMiddleware",
    # Axes must be last: it turns a lockout raised during authentication into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "billing.urls"
WSGI_APPLICATION = "billing.wsgi.application"
ASGI_APPLICATION = "billing.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "accounts.context_processors.navigation",
                "contingency.context_processors.banner",
                "notifications.context_processors.bell",
            ],
            # How money, prices, quantities and dates read (accounts/formats.py), in every template.
            "builtins": ["core.templatetags.formats"],
        },
    },
]

# Database: PostgreSQL in production and CI (DATABASE_URL); SQLite under var/ otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        required("DATABASE_URL", when=PRODUCTION) or f"sqlite:///{VAR_DIR / 'facturador.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", 60 if PRODUCTION else 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Several processes (web, worker, beat) share the file: wait instead of failing on a lock.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
else:
    # PostgreSQL's JIT compiles the dashboard's and reports' aggregates on every call: 15-90 ms of
    # compiling for queries that run 100-200 ms at a million documents (EXPLAIN ANALYZE, bench/
    # reports.py). Off per connection; DB_JIT=true gives the server's setting back (a pooler in
    # transaction mode that drops startup options needs it set on the server instead).
    if not envbool("DB_JIT", False):
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
# The covering indexes (Index(include=...)) are a PostgreSQL feature; SQLite builds them without
# the included columns, which is all development needs: its warning (W040) says nothing to act on.
# On PostgreSQL nothing is silenced.
SILENCED_SYSTEM_CHECKS = ["models.W040"] if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else []

# The few hot statements of issuing (dte.prepared) are prepared on the PostgreSQL server, once per
# connection. Turn off behind a connection pooler that shares server sessions between clients
# (PgBouncer in transaction mode), where a prepared statement may not be there on the next call.
DB_PREPARED_STATEMENTS = envbool("DB_PREPARED_STATEMENTS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first, so a locked-out user is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# Failed logins (django-axes): 5 failures lock that username from that address for 15 minutes.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_ENABLED = envbool("AXES_ENABLED", True)
AXES_IPWARE_META_PRECEDENCE_ORDER = envlist("AXES_IP_HEADERS", "REMOTE_ADDR")

# django-guardian: object permissions on establishments and points of sale.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = True

# Internationalisation: Spanish first, English available.
LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Español")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/El_Salvador"
USE_I18N = True
USE_TZ = True
# El Salvador writes dates 04/12/2026 and US dollars $ 2,500.00 whatever the UI language: these
# modules make Django's own formatting (|date, admin, {{ decimal }}) agree with accounts/formats.py.
FORMAT_MODULE_PATH = ["billing.formats"]

# Static files: our own in static/, vendor libraries straight from npm's node_modules.
STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
NODE_MODULES = Path(env("NODE_MODULES_DIR", str(BASE_DIR / "node_modules")))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"),
]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))

# Storage: local files by default; STORAGE_BACKEND=storages.backends.s3.S3Storage for an
# S3-compatible store (AWS, MinIO, …), configured by the AWS_* variables below.
STORAGES = {
    "default": {"BACKEND": env("STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        # STATIC_COMPRESS=false: hashed names and the manifest without the gzip/brotli copies (the
        # image test, tests/test_deploy.py, where compressing 2,000 files takes minutes on 2 cores).
        "BACKEND": ("whitenoise.storage.CompressedManifestStaticFilesStorage" if envbool("STATIC_COMPRESS", True)
                    else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage")
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", "")
AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL", "") or None  # MinIO or any S3-compatible service
AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME", "") or None
AWS_ACCESS_KEY_ID = env("AWS_ACCESS_KEY_ID", "") or None
AWS_SECRET_ACCESS_KEY = env("AWS_SECRET_ACCESS_KEY", "") or None
AWS_DEFAULT_ACL = None  # private: documents are served through the application, never public URLs
AWS_QUERYSTRING_AUTH = True
AWS_S3_FILE_OVERWRITE = False

# Upload limits: bulk uploads are parsed in workers, never held whole in a request.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MAX_CATALOG_UPLOAD_BYTES = envint("MAX_CATALOG_UPLOAD_BYTES", 10 * 1024 * 1024)
MAX_IMPORT_UPLOAD_BYTES = envint("MAX_IMPORT_UPLOAD_BYTES", 20 * 1000 * 1000)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # larger uploads go to a temporary file, not memory
# Any request body outside the upload pages (forms, the company's logo and certificate); the
# upload pages take their file limit plus a little. Larger bodies get 413 before they are read.
MAX_REQUEST_BODY_BYTES = envint("MAX_REQUEST_BODY_BYTES", 8 * 1024 * 1024)
# Stock: whether a document may take an item's stock below zero (it then asks for confirmation).
ALLOW_NEGATIVE_STOCK = envbool("ALLOW_NEGATIVE_STOCK", True)

# Purchases (documents received from suppliers, issue 23). The mailboxes are read every this many
# seconds; received documents are asked about at MH for this many days after arrival (longer than
# the longest invalidation window, a Factura's 3 months, facts §6), each at most once per
# PURCHASES_RECHECK_HOURS, at most PURCHASES_RECHECK_BATCH per run, this many seconds apart (MH's
# rate). PURCHASES_RECEPTOR_QUERY: ask MH's consultadte as receptor. MH documents consultadte for
# the issuer only; a receptor query is unverified (facts-2 §4): off until tested against MH, on
# against govsim (which answers a document's receptor too).
PURCHASES_MAILBOX_EVERY_SECONDS = envint("PURCHASES_MAILBOX_EVERY_SECONDS", 300)
PURCHASES_RECHECK_EVERY_SECONDS = envint("PURCHASES_RECHECK_EVERY_SECONDS", 3600)
PURCHASES_RECHECK_DAYS = envint("PURCHASES_RECHECK_DAYS", 100)
PURCHASES_RECHECK_HOURS = envint("PURCHASES_RECHECK_HOURS", 24)
PURCHASES_RECHECK_BATCH = envint("PURCHASES_RECHECK_BATCH", 100)
PURCHASES_RECHECK_SPACING_SECONDS = float(env("PURCHASES_RECHECK_SPACING_SECONDS", "1.0"))
PURCHASES_RECEPTOR_QUERY = envbool("PURCHASES_RECEPTOR_QUERY", False)

# Documents (DTE). Fiscal thresholds the law changes are settings, not code (facts §2.2, §2.5).
# MH's schema generation to issue in when no dte.SchemaGeneration row (admin-editable, per type,
# with an effective date and time) applies; checked at start-up (dte.checks).
DTE_SCHEMA_GENERATION = env("DTE_SCHEMA_GENERATION", "2023")
DTE_RETENTION_THRESHOLD = env("DTE_RETENTION_THRESHOLD", "100.00")  # 1 % IVA retention/perception base
DTE_FACTURA_ID_THRESHOLD = env("DTE_FACTURA_ID_THRESHOLD", "1095.00")  # Factura needs the buyer's id from here
DTE_LARGE_AMOUNT_THRESHOLD = env("DTE_LARGE_AMOUNT_THRESHOLD", "10000.00")  # asks for confirmation from here
DTE_INCOME_TAX_RATE = env("DTE_INCOME_TAX_RATE", "0.10")  # reteRenta on services bought from individuals
DTE_EXTRA_SCHEMA_DIRS = envlist("DTE_EXTRA_SCHEMA_DIRS")
# Transmission: retries of transient failures, and the sweeper that re-queues lost work.
DTE_MH_TIMEOUT_SECONDS = env("DTE_MH_TIMEOUT_SECONDS", "8")  # MH: ask by codigoGeneracion after 8 s without answer
DTE_RETRY_BASE_SECONDS = envint("DTE_RETRY_BASE_SECONDS", 10)
DTE_RETRY_MAX_SECONDS = envint("DTE_RETRY_MAX_SECONDS", 600)
DTE_CLAIM_TIMEOUT_SECONDS = envint("DTE_CLAIM_TIMEOUT_SECONDS", 180)  # a claim older than this: its worker died
DTE_SWEEP_GRACE_SECONDS = envint("DTE_SWEEP_GRACE_SECONDS", 30)
DTE_SWEEP_BATCH = envint("DTE_SWEEP_BATCH", 500)
DTE_SWEEP_EVERY_SECONDS = envint("DTE_SWEEP_EVERY_SECONDS", 30)
# A transmission task keeps taking due documents from the outbox, up to this many or this long.
DTE_DRAIN_LIMIT = envint("DTE_DRAIN_LIMIT", 200)
DTE_DRAIN_SECONDS = envint("DTE_DRAIN_SECONDS", 20)
# A rejected document corrected within this many hours keeps its codigoGeneracion (facts §3).
DTE_REUSE_CODE_HOURS = envint("DTE_REUSE_CODE_HOURS", 24)
# How long after its seal a document may be invalidated, per generation (the one the document was
# issued in) and type (dte/deadlines.py): "3m" months, "1d" until the end of the day after, "10bd"
# until the end of the 10th business day of the following month; "*" is every other type.
# 2023 manual (facts §6): DTE_INVALIDATION_DEADLINES=01=3m,11=3m,*=1d.
# v2.0, Manual Funcional v2.0 (sv-tax-facts-2.md §2 [D]): DTE_INVALIDATION_DEADLINES_2026=01=3m,11=3m,14=3m,*=10bd
# (the Normativa digest's reading, facts §6, would be 01=3m,11=3m,14=3m,08=10bd,09=10bd,04=4d,15=4d,*=1d).
DTE_INVALIDATION_DEADLINES = {
    "2023": dict(item.split("=", 1) for item in envlist("DTE_INVALIDATION_DEADLINES", "01=3m,11=3m,*=1d")),
    "2026": dict(item.split("=", 1) for item in envlist("DTE_INVALIDATION_DEADLINES_2026", "01=3m,11=3m,14=3m,*=10bd")),
}
# Days MH is closed besides Saturdays, Sundays and the national holidays (Código de Trabajo art. 190),
# ISO dates, for the business-day deadlines above; e.g. its Holy Week closure: 2026-04-01,2026-04-06.
DTE_NON_BUSINESS_DAYS = envlist("DTE_NON_BUSINESS_DAYS", "")
# An invalidation whose message was lost (or whose worker died) is sent again by the
# dte.sweep_invalidations beat task once its last attempt, or its request, is this old; the wait
# doubles after each attempt up to the cap, so a down MH is not hammered (dte.invalidation).
INVALIDATION_STUCK_AFTER_SECONDS = envint("INVALIDATION_STUCK_AFTER_SECONDS", 5 * 60)
INVALIDATION_RETRY_MAX_SECONDS = envint("INVALIDATION_RETRY_MAX_SECONDS", 60 * 60)

# Contingency (facts §5). The circuit breaker: this many failed calls in a row to MH, all within
# the window, mean MH is unreachable and the company enters contingency by itself.
DTE_BREAKER_FAILURES = envint("DTE_BREAKER_FAILURES", 6)
DTE_BREAKER_WINDOW_SECONDS = envint("DTE_BREAKER_WINDOW_SECONDS", 120)
# The periodic check (health of MH during a period, catching up after it, deadline alerts).
DTE_CONTINGENCY_TICK_SECONDS = float(env("DTE_CONTINGENCY_TICK_SECONDS", "15"))
# DTEs per contingency event: 1,000 in MH's 2023 schema and in the v2.0 rules (the 2023 manual said 5,000);
# a lower cap here applies to both generations (dte/schemas/registry.py holds each one's limit).
DTE_CONTINGENCY_EVENT_MAX = envint("DTE_CONTINGENCY_EVENT_MAX", 1000)
DTE_CONTINGENCY_LOT_SIZE = min(100, envint("DTE_CONTINGENCY_LOT_SIZE", 100))  # MH: at most 100 DTEs per lot
DTE_CONTINGENCY_LOT_POLL_SECONDS = float(env("DTE_CONTINGENCY_LOT_POLL_SECONDS", "60"))  # first consultadtelote after
DTE_CONTINGENCY_EVENT_HOURS = envint("DTE_CONTINGENCY_EVENT_HOURS", 24)  # event due after the outage ends
DTE_CONTINGENCY_LOTS_HOURS = envint("DTE_CONTINGENCY_LOTS_HOURS", 72)  # lots due after the event's seal
# Email supervisors and accountants when a deadline is this many hours away (and when it passes).
DTE_CONTINGENCY_ALERT_HOURS = [float(h) for h in envlist("DTE_CONTINGENCY_ALERT_HOURS", "12,4,1")]
# The types MH accepts in contingency are per schema generation (dte/schemas/registry.py: CAT-023,
# 2023; v2.0 adds 07); never 08, 09 or 15.

# Printed documents (facts §7): rendered by a worker after issue, sealing and invalidation.
DTE_PDF_AUTO = envbool("DTE_PDF_AUTO", True)
# MH's public consultation page the QR code leads to; empty: MH's, or govsim's when the company
# points at govsim (development).
DTE_PUBLIC_CONSULT_URL = env("DTE_PUBLIC_CONSULT_URL", "")
DTE_PDF_LAYOUTS = envlist("DTE_PDF_LAYOUTS", "letter,ticket")  # rendered automatically
DTE_LINK_DAYS = envint("DTE_LINK_DAYS", 30)  # how long the emailed download link works

# Work-time runs (timesheets): how long a download link it hands out works, how long an S3
# pre-signed URL lives, and who issues the scheduled runs (default: the first superuser).
TIMESHEETS_LINK_HOURS = envint("TIMESHEETS_LINK_HOURS", 72)
TIMESHEETS_PRESIGNED_SECONDS = envint("TIMESHEETS_PRESIGNED_SECONDS", 900)
TIMESHEETS_RUN_USER = env("TIMESHEETS_RUN_USER", "")
# Sending a document by hand (Documentos · Enviar): addresses per request, and emails a user may
# queue per day (sends and retries), so one account cannot mail documents out in bulk.
DTE_SEND_MAX_RECIPIENTS = envint("DTE_SEND_MAX_RECIPIENTS", 10)
DTE_SEND_DAILY_LIMIT = envint("DTE_SEND_DAILY_LIMIT", 200)
# Printing, emailing, archives and exports on a queue of their own by default, so that a PDF
# (0.5–0.7 s of WeasyPrint) never waits in front of a transmission (issue 24): empty, the default
# queue's name plus ".print" (billing.celery.route_task decides when a task is sent, so a test or a
# bench that changes the default queue keeps the print queue beside it); a name, that queue; "-",
# the default queue itself (the old single queue). A worker started without -Q consumes both; the
# Procfile and docker-compose run one worker per queue.
DTE_PRINT_QUEUE = env("DTE_PRINT_QUEUE", "")
CELERY_TASK_ROUTES = ["billing.celery.route_task"]
CELERY_WORKER_MAX_MEMORY_PER_CHILD = envint("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 400_000)  # KiB: then recycled

# The public REST API (api/, /api/v1/): API keys per integration, created in the admin and shown
# once; calls per key and minute before 429 (Redis-backed through the cache); how long an
# Idempotency-Key answers with its first answer.
API_RATE_PER_MINUTE = envint("API_RATE_PER_MINUTE", 1200)
API_IDEMPOTENCY_HOURS = envint("API_IDEMPOTENCY_HOURS", 24)
API_PAGE_SIZE = envint("API_PAGE_SIZE", 50)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.KeyGrant"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.KeyRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Facturador API",
    "DESCRIPTION": "Documentos tributarios electrónicos de El Salvador: clientes, inventario, documentos, pagos, "
                   "contingencia, catálogos de MH y webhooks. Autenticación: `Authorization: Bearer <clave>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",  # drf-spectacular-sidecar: the assets come from the package
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # two "kind" fields (a client's, a billing plan item's): each enum named, not numbered
    "ENUM_NAME_OVERRIDES": {"ClientKindEnum": "clients.models.ClientKind", "PlanItemKindEnum": "timesheets.models.ItemKind"},
}

# Outbound webhooks (webhooks/): each delivery is signed, retried with capped exponential backoff
# and jitter for up to WEBHOOK_GIVE_UP_HOURS, then its subscription is paused and its owner told.
WEBHOOK_TIMEOUT_SECONDS = float(env("WEBHOOK_TIMEOUT_SECONDS", "10"))
WEBHOOK_RETRY_BASE_SECONDS = envint("WEBHOOK_RETRY_BASE_SECONDS", 30)
WEBHOOK_RETRY_MAX_SECONDS = envint("WEBHOOK_RETRY_MAX_SECONDS", 3600)
WEBHOOK_GIVE_UP_HOURS = envint("WEBHOOK_GIVE_UP_HOURS", 24)
WEBHOOK_SWEEP_EVERY_SECONDS = envint("WEBHOOK_SWEEP_EVERY_SECONDS", 30)
# Addresses a subscription may not point at (comma-separated hosts); loopback is allowed only
# outside production (the tests' and examples' receivers listen there).
WEBHOOK_ALLOW_PRIVATE = envbool("WEBHOOK_ALLOW_PRIVATE", not PRODUCTION)

# Email: password resets, and later documents to clients.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    # Development: each message logged at INFO, headers and text, attachments only named (billing.mail).
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "billing.mail.ConsoleSummaryBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))  # the file backend (development, tests)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Facturador <no-responder@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Field encryption (MH API password, signing certificate and its password): Fernet keys,
# comma-separated, newest first, so keys can be rotated. Development derives one from SECRET_KEY.
_dev_field_key = base64.urlsafe_b64encode(hashlib.sha256(("field:" + SECRET_KEY).encode()).digest()).decode()
FIELD_ENCRYPTION_KEYS = envlist("FIELD_ENCRYPTION_KEY") or (
    [] if PRODUCTION else [_dev_field_key]
)
if PRODUCTION and not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY es obligatorio en producción")

# Redis: Celery broker and results, and the cache, when REDIS_URL is set.
REDIS_URL = env("REDIS_URL", "")
if PRODUCTION and not REDIS_URL:
    raise ImproperlyConfigured("REDIS_URL es obligatorio en producción")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    # Sessions read from Redis (written through to the database, which stays the source): one
    # PostgreSQL query fewer on every request (bench/web_load.py).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: everything that talks to MH or takes long. JSON only, late acks, one message at a time.
# Without REDIS_URL a filesystem broker under var/ needs no server (make run anywhere).
# CELERY_BROKER_URL (or BROKER_URL) puts the broker elsewhere, e.g. RabbitMQ (amqp://user:pass@host:5672//);
# results and the cache stay on Redis.
CELERY_BROKER_URL = env("CELERY_BROKER_URL") or env("BROKER_URL") or REDIS_URL or "filesystem://"
CELERY_RESULT_BACKEND = REDIS_URL or f"file://{VAR_DIR / 'celery' / 'results'}"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    # Longer than any task's hard limit, so an unacknowledged task is not redelivered while running
    # (Redis; RabbitMQ redelivers only when the consumer's connection dies).
    {"visibility_timeout": 2 * 60 * 60}
    if CELERY_BROKER_URL != "filesystem://"
    else {
        "data_folder_in": str(VAR_DIR / "celery" / "broker"),
        "data_folder_out": str(VAR_DIR / "celery" / "broker"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        # kombu's default is ./control in the working directory, which ended up committed once.
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
)
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", "facturador")
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = envint("CELERY_WORKER_PREFETCH_MULTIPLIER", 1)
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")
CELERY_BEAT_SCHEDULER = "billing.beat.RecordingScheduler"  # records its last tick for readiness (billing.health)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Bulk uploads: a dry run or an application whose worker died (its transaction, and the lock it
# holds on the job, went with it) is failed by the bulk.sweep task this long after it started.
BULK_STUCK_AFTER_SECONDS = envint("BULK_STUCK_AFTER_SECONDS", 5 * 60)
# File jobs (document ZIPs, report exports): queued this long means the message was lost (queued
# again); running this long past the task's time limit means the worker died (failed). core.jobs.
FILE_JOB_STUCK_AFTER_SECONDS = envint("FILE_JOB_STUCK_AFTER_SECONDS", 5 * 60)
BULK_MAX_ATTEMPTS = envint("BULK_MAX_ATTEMPTS", 2)  # deliveries of one job before it is failed, not retried

# Signing DTEs: "inprocess" (the company's certificate, key held in memory) or "service"
# (MH's firmador at DTE_SIGNER_URL, POST /firmardocumento/).
DTE_SIGNER = env("DTE_SIGNER", "inprocess")
DTE_SIGNER_URL = env("DTE_SIGNER_URL", "http://127.0.0.1:8113")

# MH's authorisation test set (onboarding): a step waiting for MH's seals looks again this often.
ONBOARDING_WAIT_SECONDS = float(env("ONBOARDING_WAIT_SECONDS", "2"))

# Orders (issue 20): how long a pay link and a hold last, and how often lost webhooks are
# recovered by asking the gateways (orders.tasks.sweep).
ORDER_LINK_HOURS = envint("ORDER_LINK_HOURS", 72)
ORDER_HOLD_DAYS = envint("ORDER_HOLD_DAYS", 7)
# an operation this old with no answer is asked about; a paid order this old without receipt is issued again
ORDERS_SWEEP_GRACE_SECONDS = envint("ORDERS_SWEEP_GRACE_SECONDS", 30)
# A gateway call in doubt that the gateway says it does not know is believed never made only
# this long after it was sent (it may still be queued there): then the payer may pay again.
ORDERS_NOT_FOUND_AFTER_SECONDS = envint("ORDERS_NOT_FOUND_AFTER_SECONDS", 120)

# Notifications (issue 21): the bell polls for its unread count this often; a hold of funds is
# announced this many hours before it expires; the daily digest goes at this local hour.
NOTIFY_POLL_SECONDS = envint("NOTIFY_POLL_SECONDS", 15)
NOTIFY_HOLD_WARN_HOURS = envint("NOTIFY_HOLD_WARN_HOURS", 24)
NOTIFY_DIGEST_HOUR = envint("NOTIFY_DIGEST_HOUR", 7)

# Where the fast validators generated from the JSON schemas are kept (dte.schemas.validation.compiled):
# generated once, imported by every later process. Empty: generate them in each process.
DTE_SCHEMA_CACHE_DIR = env("DTE_SCHEMA_CACHE_DIR", str(VAR_DIR / "schema-cache"))

# The catalog edition of the forms not tied to a document type (clients, products, the API's catalog list).
# A document's MH codes are checked against the edition of the generation in force for its type
# (dte.generations.catalog_edition_for; dte/schemas/registry.py "catalog_edition").
MH_CATALOG_EDITION = env("MH_CATALOG_EDITION", "2023")

# Security. In production every check --deploy protection is on; behind a TLS proxy set
# SECURE_PROXY_SSL_HEADER via USE_X_FORWARDED_PROTO=true.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_AGE = 60 * 60 * 10
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^salud/", r"^metrics$"]  # the container health check speaks plain HTTP on loopback
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if envbool("USE_X_FORWARDED_PROTO", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Operations (billing.metrics, billing.health): /metrics is never public — a bearer token or the
# networks allowed (CIDRs); neither: 404. Database figures are cached this long across processes.
METRICS_TOKEN = env("METRICS_TOKEN", "")
METRICS_ALLOW_NETWORKS = envlist("METRICS_ALLOW_NETWORKS")
METRICS_DB_CACHE_SECONDS = envint("METRICS_DB_CACHE_SECONDS", 15)
OPS_EXTRA_QUEUES = envlist("OPS_EXTRA_QUEUES")  # queues watched besides the default and the printing one
OPS_HEARTBEAT_SECONDS = envint("OPS_HEARTBEAT_SECONDS", 30)
# Readiness (/salud/listo/): what must hold for this instance to take traffic, and its limits.
HEALTH_READY_CHECKS = envlist("HEALTH_READY_CHECKS", "database,migrations,broker,media,worker,beat")
HEALTH_HEARTBEAT_MAX_AGE = envint("HEALTH_HEARTBEAT_MAX_AGE", 150)  # seconds since a worker's last heartbeat
HEALTH_BEAT_MAX_AGE = envint("HEALTH_BEAT_MAX_AGE", 120)
HEALTH_MEDIA_MIN_FREE_MB = envint("HEALTH_MEDIA_MIN_FREE_MB", 500)

# Error tracking: Sentry when SENTRY_DSN is set (billing.sentry scrubs secrets); off by default.
SENTRY_DSN = env("SENTRY_DSN", "")
if SENTRY_DSN:
    from billing import sentry as _sentry

    _sentry.init(SENTRY_DSN, environment=env("SENTRY_ENVIRONMENT", DJANGO_ENV), release=env("SENTRY_RELEASE", ""),
                 traces_sample_rate=float(env("SENTRY_TRACES_SAMPLE_RATE", "0")))

# Logging: to stderr; secrets never reach a log line (see core.logging.RedactSecretsFilter).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "core.logging.RedactSecretsFilter"},
                "context": {"()": "core.logging.ContextFilter"},
                "forbidden": {"()": "core.logging.ForbiddenOneLineFilter"}},
    # LOG_FORMAT=json (the default in production): one JSON object a line, with request_id and task_id.
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
                   "json": {"()": "core.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": env("LOG_FORMAT", "json" if PRODUCTION else "plain"),
                             "filters": ["context", "redact"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"},
                "fontTools": {"level": "WARNING"},
                # Django's own console handler on "django" (DEBUG) repeated every line the root
                # handler writes: its records go to the root handler only.
                "django": {"handlers": [], "propagate": True},
                "django.request": {"filters": ["forbidden"]}},
}
