"""CREA CRM settings: one file, every knob from the environment (see .env.example).

The defaults run on a laptop with nothing installed but Python and Node (SQLite, in-memory
channel layer, local-memory cache, database task queue, files on disk). Production switches
each piece with one variable: DATABASE_URL, REDIS_URL, MINIO_ENDPOINT.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# A local .env is a convenience for development; real deployments set the environment.
ENV_FILE = env.str("CRM_ENV_FILE", default=str(BASE_DIR / ".env"))
if Path(ENV_FILE).is_file():
    env.read_env(ENV_FILE)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not DEBUG:
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off the application refuses to start without it: "
            "set SECRET_KEY in the environment (a long random string, e.g. from "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS is not set. With DEBUG off the application refuses to start without it: "
            "set ALLOWED_HOSTS to the comma-separated host names the CRM is served on."
        )
else:
    SECRET_KEY = SECRET_KEY or "insecure-development-key-only-used-with-debug-on"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]"]

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "simple_history",
    "django_htmx",
    "crispy_forms",
    "crispy_bootstrap5",
    "widget_tweaks",
    "django_filters",
    "ninja",
    "core",
    "cartera",
    "dialer",
    "tickets",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "tickets.middleware.SupportFlagMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # AxesMiddleware must be last: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"
ASGI_APPLICATION = "crm.asgi.application"

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
                "core.context_processors.shell",
                "dialer.context_processors.call_widget",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
SQLITE_PATH = Path(env.str("SQLITE_PATH", default=str(VAR_DIR / "crm.sqlite3")))
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web process read while the task worker writes; IMMEDIATE transactions take
    # the write lock up front so two writers queue on the timeout instead of failing mid-way.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": env.int("SQLITE_TIMEOUT", default=20),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    # 0 under ASGI: persistent connections are not shared across the async request threads and
    # pile up until PostgreSQL refuses clients (measured in bench/bench_home.py). Pool with
    # PgBouncer in front of PostgreSQL when connection set-up cost matters.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # DB_POOL_MAX_SIZE > 0: a pool of at most that many connections per process (psycopg_pool, as
    # Django 5.1+ offers it; CONN_MAX_AGE stays 0). Under ASGI each request runs on a thread of its
    # own, so without it every request opens a connection: hundreds of workstations reconnecting
    # at once went past PostgreSQL's max_connections (bench/bench_dialer.py). A request that finds
    # the pool busy waits up to DB_POOL_TIMEOUT seconds for a connection instead of failing.
    if pool_size := env.int("DB_POOL_MAX_SIZE", default=0):
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(env.int("DB_POOL_MIN_SIZE", default=2), pool_size),
            "max_size": pool_size,
            "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
        }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

# --- Cache and realtime ---------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # redis-py refuses a connection past 100 per pool, and each request or waiting long-poll of a
    # process may hold one at once (500 workstations polling: bench/bench_dialer.py). The cache
    # (sync, one thread a request) waits for a free connection; the channel layer (async) may
    # open up to REDIS_MAX_CONNECTIONS.
    REDIS_MAX_CONNECTIONS = env.int("REDIS_MAX_CONNECTIONS", default=1000)
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"pool_class": "redis.BlockingConnectionPool", "max_connections": 100, "timeout": 10},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py times a read out after 5 s by default, just as channels_redis' blocking
                # receive (BZPOPMIN, 5 s) answers: a longer read timeout lets the answer arrive.
                "hosts": [{"address": REDIS_URL, "max_connections": REDIS_MAX_CONNECTIONS, "socket_timeout": 15}],
                "prefix": env.str("CHANNELS_PREFIX", default="crm"),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "crm"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Background tasks -----------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}

# --- Auth, sessions, lockout ----------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = int(env.float("SESSION_HOURS", default=12) * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = False

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
# Lock by username only: a call centre's whole floor shares one public IP, and locking by IP would
# shut out every agent because of one person's typos. Hence axes.W006 is silenced on purpose.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0)

# --- Security (production values unless DEBUG) ----------------------------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# /health/ is probed over plain HTTP by load balancers on the private network.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "es"
LANGUAGES = [("es", "Español")]
TIME_ZONE = env.str("TIME_ZONE", default="America/Costa_Rica")
USE_I18N = True
USE_TZ = True
DEFAULT_PHONE_REGION = env.str("DEFAULT_PHONE_REGION", default="CR")

# --- Static files and storage ---------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/fullcalendar", NODE_MODULES / "fullcalendar"),
    ("vendor/fullcalendar-locales", NODE_MODULES / "@fullcalendar" / "core" / "locales"),
    ("vendor/chart.js", NODE_MODULES / "chart.js" / "dist"),
]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))

# Each business module keeps its files apart: a folder under MEDIA_ROOT on disk, a bucket on MinIO.
STORAGE_MODULES = ["core", "cartera", "telefonica", "tarjeta_plata", "tickets", "chat", "calidad", "dialer"]
MINIO_ENDPOINT = env.str("MINIO_ENDPOINT", default="")
MINIO_ACCESS_KEY = env.str("MINIO_ACCESS_KEY", default="")
MINIO_SECRET_KEY = env.str("MINIO_SECRET_KEY", default="")
MINIO_SECURE = env.bool("MINIO_SECURE", default=True)
MINIO_REGION = env.str("MINIO_REGION", default="us-east-1")
MINIO_BUCKET_PREFIX = env.str("MINIO_BUCKET_PREFIX", default="crm-")


def _module_storage(module: str) -> dict:
    if MINIO_ENDPOINT:
        bucket = env.str(f"MINIO_BUCKET_{module.upper()}", default=f"{MINIO_BUCKET_PREFIX}{module}".replace("_", "-"))
        return {"BACKEND": "core.storage.MinioStorage", "OPTIONS": {"bucket_name": bucket}}
    return {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT / module, "base_url": f"/{MEDIA_URL}{module}/"},
    }


STORAGES = {
    "default": _module_storage("core"),
    "staticfiles": {
        "BACKEND": env.str("STATICFILES_BACKEND", default="whitenoise.storage.CompressedManifestStaticFilesStorage")
    },
    **{module: _module_storage(module) for module in STORAGE_MODULES},
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Front end ------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
MESSAGE_TAGS = {40: "danger"}
PAGE_SIZE = env.int("PAGE_SIZE", default=25)
# Imports of at least IMPORT_PARALLEL_MIN_ROWS rows parse on IMPORT_PARSE_WORKERS processes
# (starting them costs about a second, so small files parse in the task's own process).
IMPORT_PARSE_WORKERS = env.int("IMPORT_PARSE_WORKERS", default=min(4, os.cpu_count() or 1))
IMPORT_PARALLEL_MIN_ROWS = env.int("IMPORT_PARALLEL_MIN_ROWS", default=20_000)
# Exports: lists up to this many rows download at once; bigger ones run as a background task.
EXPORT_SYNC_MAX_ROWS = env.int("EXPORT_SYNC_MAX_ROWS", default=5000)
EXPORT_RETENTION_DAYS = env.int("EXPORT_RETENTION_DAYS", default=7)
# A running import or export with no progress for this long lost its worker: it shows as
# interrupted and can be started again (core.jobs).
JOB_STALLED_SECONDS = env.int("JOB_STALLED_SECONDS", default=600)

# --- Dialer ---------------------------------------------------------------------------------
DIALER_RATE_LIMIT_PER_HOUR = env.int("DIALER_RATE_LIMIT_PER_HOUR", default=1000)
DIALER_OUTSIDE_LINE_PREFIX = env.str("DIALER_OUTSIDE_LINE_PREFIX", default="")
DIALER_REQUEST_TTL_SECONDS = env.int("DIALER_REQUEST_TTL_SECONDS", default=60)
DIALER_ONLINE_SECONDS = env.int("DIALER_ONLINE_SECONDS", default=60)
# A waiting long-poll looks again this often in case a wake-up was missed. Without Redis the
# in-memory channel layer cannot carry a wake-up from another process; with it every request
# wakes its poll, and looking every 5 s was 100 database looks a second for 500 idle
# workstations (bench/bench_dialer.py): past the agent's 25 s wait, the next poll's look suffices.
DIALER_POLL_RECHECK_SECONDS = env.float("DIALER_POLL_RECHECK_SECONDS", default=30.0 if REDIS_URL else 5.0)
# The call widget's timer turns yellow, then red, after this many seconds of call.
DIALER_TIMER_YELLOW_SECONDS = env.int("DIALER_TIMER_YELLOW_SECONDS", default=120)
DIALER_TIMER_RED_SECONDS = env.int("DIALER_TIMER_RED_SECONDS", default=300)

# --- Tickets --------------------------------------------------------------------------------
# A requester may reopen a resolved ticket for this many days after its resolution.
TICKETS_REOPEN_DAYS = env.int("TICKETS_REOPEN_DAYS", default=7)
# Attachments: size limit per file, files per upload, and the extensions accepted (the content
# must also look like the extension says).
TICKETS_ATTACHMENT_MAX_MB = env.float("TICKETS_ATTACHMENT_MAX_MB", default=10)
TICKETS_ATTACHMENTS_PER_UPLOAD = env.int("TICKETS_ATTACHMENTS_PER_UPLOAD", default=5)
TICKETS_ATTACHMENT_TYPES = env.list(
    "TICKETS_ATTACHMENT_TYPES",
    default=["png", "jpg", "jpeg", "gif", "webp", "pdf", "txt", "log", "csv", "xlsx", "docx", "zip"],
)
# "About to breach": a warning goes out when this share of an SLA target is left.
TICKETS_SLA_WARNING_PERCENT = env.int("TICKETS_SLA_WARNING_PERCENT", default=20)
# Calendars, categories and groups are cached this many seconds (saving one in admin drops it).
TICKETS_CATALOGUE_SECONDS = env.int("TICKETS_CATALOGUE_SECONDS", default=300)
# Ticket emails link back to the CRM at this address.
TICKETS_EMAIL_BASE_URL = env.str("TICKETS_EMAIL_BASE_URL", default="http://localhost:8000")

# --- Backups --------------------------------------------------------------------------------
BACKUP_DIR = Path(env.str("BACKUP_DIR", default=str(VAR_DIR / "backups")))
BACKUP_RETENTION_DAYS = env.int("BACKUP_RETENTION_DAYS", default=7)

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="crm@localhost")

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
