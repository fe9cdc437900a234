"""All configuration comes from the environment (see README "Configuration").

`ENVIRONMENT` picks sane defaults: `development` is the embedded mode of `make run` (SQLite, no
servers), `test` is what pytest runs (PostgreSQL and Redis on localhost), `production` demands
real secrets and refuses emulators and DEBUG.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import dj_database_url
import django_stubs_ext
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from oneclicktag.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_optional,
    env_str,
)

# Lets typed generics such as `admin.ModelAdmin[Customer]` work at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

# pytest (>= 8.2) exports PYTEST_VERSION, so a bare `pytest` run gets the test defaults.
ENVIRONMENT = env_choice(
    "ENVIRONMENT",
    ("development", "test", "production"),
    "test" if "PYTEST_VERSION" in os.environ else "development",
)
IS_PRODUCTION = ENVIRONMENT == "production"
IS_TEST = ENVIRONMENT == "test"

DEFAULT_SECRET_KEY = "insecure-development-secret-key-change-me-0123456789"
MIN_SECRET_KEY_DISTINCT_CHARACTERS = 10
# A Fernet key for development and tests only; production must set its own.
DEFAULT_TOKEN_ENCRYPTION_KEY = "n0Lq0r3mFh1q2p7tC3yQm8cBq5pW4sZ1vX6yH9kJ2aE="

SECRET_KEY = env_str("SECRET_KEY", DEFAULT_SECRET_KEY)
DEBUG = env_bool("DEBUG", ENVIRONMENT == "development")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

TOKEN_ENCRYPTION_KEYS = env_list("TOKEN_ENCRYPTION_KEYS", [DEFAULT_TOKEN_ENCRYPTION_KEY])
if not TOKEN_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("TOKEN_ENCRYPTION_KEYS must hold at least one key.")

INSTALLED_APPS = [
    # django.contrib.admin, with failed logins throttled.
    "oneclicktag.core.admin_site.ThrottledAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    # Swagger UI and ReDoc as static files of our own: the docs work without internet.
    "drf_spectacular_sidecar",
    "safedelete",
    "oneclicktag.core",
    "tenants",
    "customers",
    "trackings",
    "integrations",
    "webhooks",
    "stats",
]

MIDDLEWARE = [
    "oneclicktag.core.middleware.RequestIdMiddleware",
    "oneclicktag.core.middleware.MetricsMiddleware",
    "oneclicktag.core.middleware.ApiNotFoundMiddleware",
    "oneclicktag.core.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Serves /static/ (admin, API docs) from the app server itself, in production too.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "oneclicktag.urls"
WSGI_APPLICATION = "oneclicktag.wsgi.application"
AUTH_USER_MODEL = "tenants.User"
# What tenant-owned rows belong to (oneclicktag.core.models names it only through this).
TENANT_MODEL = "tenants.Organization"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
_DEFAULT_DATABASE_URLS = {
    "development": f"sqlite:///{VAR_DIR / 'oneclicktag.sqlite3'}",
    "test": "postgres://postgres@127.0.0.1:5432/oneclicktag",
    "production": "",
}
DATABASE_URL = env_str("DATABASE_URL", _DEFAULT_DATABASE_URLS[ENVIRONMENT])
if not DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_URL is required in production.")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", "test_oneclicktag")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_PREPARED_STATEMENTS", True
):
    # Parameters bound by the server, and a statement run five times on a connection prepared
    # there: PostgreSQL plans the hot requests' statements once per connection instead of on
    # every call (a create's database CPU fell by a third, a list's by half; issue 15). Off
    # (false) behind a pooler that hands one connection to many clients per transaction
    # (PgBouncer's transaction mode), where a prepared statement may not be there next time.
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share the file in embedded mode.
    DATABASES["default"]["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Covering indexes (INCLUDE) serve PostgreSQL; SQLite keeps the key columns and ignores the
    # rest, which is all the embedded mode needs, so its warning would only be noise there.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, Celery -------------------------------------------------------------------
REDIS_URL = env_optional("REDIS_URL") or (
    "redis://127.0.0.1:6379/0" if ENVIRONMENT == "test" else None
)
if IS_PRODUCTION and not REDIS_URL:
    raise ImproperlyConfigured("REDIS_URL is required in production.")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "oneclicktag.core.cache.ReusingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "oct"),
        }
    }
    CELERY_BROKER_URL = REDIS_URL
else:
    # Embedded mode: no server at all. The filesystem transport keeps messages as files.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "broker" / "out"),
        "data_folder_out": str(VAR_DIR / "broker" / "out"),
        "processed_folder": str(VAR_DIR / "broker" / "processed"),
        # Broadcast (pidbox) exchanges; unset, kombu writes them to ./control in the cwd.
        "control_folder": str(VAR_DIR / "broker" / "control"),
        "store_processed": False,
    }

CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Webhook deliveries wait on receivers (seconds each), and a site check drives a browser through
# a customer's pages (seconds a page): their own queues keep them from delaying deployments.
# Workers consume all three (`-Q celery,webhooks,site_checks`).
CELERY_TASK_ROUTES = {
    "webhooks.*": {"queue": "webhooks"},
    "trackings.run_site_check": {"queue": "site_checks"},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Internationalisation, static ----------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
# The production image runs `collectstatic` into STATIC_ROOT when it is built; elsewhere the
# files are served from the apps directly (and there is no STATIC_ROOT to look into).
STATIC_ROOT = env_optional("STATIC_ROOT") or (
    str(BASE_DIR / "staticfiles") if IS_PRODUCTION else None
)
WHITENOISE_USE_FINDERS = not IS_PRODUCTION

# --- DRF ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenants.authentication.FirebaseAuthentication",
        "tenants.authentication.ApiKeyAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "oneclicktag.core.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "oneclicktag.core.filters.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "oneclicktag.core.throttling.UserOrKeyRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env_str("THROTTLE_RATE_USER", "1200/min"),
        "auth_failure": env_str("THROTTLE_RATE_AUTH_FAILURE", "30/min"),
        "admin_login": env_str("THROTTLE_RATE_ADMIN_LOGIN", "10/min"),
    },
    # How many proxies in front of the app append to X-Forwarded-For: the client address is the
    # one the outermost of them saw. 0 (the default, gunicorn serving directly): REMOTE_ADDR,
    # and X-Forwarded-For is ignored (a client could write anything there).
    "NUM_PROXIES": env_int("NUM_PROXIES", 0, minimum=0),
    "EXCEPTION_HANDLER": "oneclicktag.core.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "oneclicktag.core.schema.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["oneclicktag.core.renderers.FastJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["oneclicktag.core.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # The API parses JSON only, so test clients send JSON unless told otherwise.
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = [
        "oneclicktag.core.renderers.FastJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ]

SPECTACULAR_SETTINGS = {
    "TITLE": "OneClickTag API",
    "DESCRIPTION": "Conversion-tracking automation: customers, Google connections, trackings, "
    "deployments to Google Tag Manager and Google Ads.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a `status`; name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "TrackingStatusEnum": "trackings.models.TrackingStatus",
        "DeploymentStatusEnum": "trackings.models.DeploymentStatus",
        "PendingChangeStatusEnum": "trackings.models.PendingChangeStatus",
        "TrackingCreateStatusEnum": "trackings.api.serializers.trackings.CREATE_STATUSES",
    },
}

# --- Identity -------------------------------------------------------------------------------
FIREBASE_PROJECT_ID = env_str("FIREBASE_PROJECT_ID", "" if IS_PRODUCTION else "oneclicktag-dev")
FIREBASE_AUTH_EMULATOR_HOST = env_optional("FIREBASE_AUTH_EMULATOR_HOST") or (
    None if IS_PRODUCTION else "127.0.0.1:9099"
)
# Where Firebase publishes the X.509 certificates that sign ID tokens (tenants.id_tokens).
FIREBASE_CERTS_URL = env_str(
    "FIREBASE_CERTS_URL",
    "https://www.googleapis.com/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com",
)
if FIREBASE_AUTH_EMULATOR_HOST:
    # firebase-admin reads this variable itself: with it, ID tokens are accepted unsigned.
    os.environ["FIREBASE_AUTH_EMULATOR_HOST"] = FIREBASE_AUTH_EMULATOR_HOST

ALLOWED_REDIRECT_URIS = env_list(
    "ALLOWED_REDIRECT_URIS",
    [] if IS_PRODUCTION else ["http://127.0.0.1:3000/", "http://localhost:3000/"],
)
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000")

# --- E-mail (invitations, alerts, the daily digest) ----------------------------------------
# Invitations are e-mailed only when EMAIL_HOST is set; the API answer always shows the token.
# Alerts and digests go through Django's e-mail framework: SMTP with EMAIL_HOST, else the
# console (development prints them; tests use Django's in-memory outbox).
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_ENABLED = bool(EMAIL_HOST)
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "OneClickTag <no-reply@oneclicktag.invalid>")
INVITATION_ACCEPT_URL = env_str("INVITATION_ACCEPT_URL", f"{PUBLIC_BASE_URL}/invitations/accept")

# --- Google ---------------------------------------------------------------------------------
GOOGLE_BACKEND = env_choice(
    "GOOGLE_BACKEND", ("emulator", "live"), "live" if IS_PRODUCTION else "emulator"
)
GOOGLE_EMULATOR_URL = env_str("GOOGLE_EMULATOR_URL", "http://127.0.0.1:8765")
GOOGLE_EMULATOR_GRPC = env_str("GOOGLE_EMULATOR_GRPC", "127.0.0.1:8766")
# The emulator's certificate as a file; empty: fetched from GOOGLE_EMULATOR_URL/_emulator/ca.pem.
GOOGLE_EMULATOR_CA_FILE = env_str("GOOGLE_EMULATOR_CA_FILE", "")
GOOGLE_OAUTH_CLIENT_ID = env_str(
    "GOOGLE_OAUTH_CLIENT_ID", "" if GOOGLE_BACKEND == "live" else "oneclicktag-emulator-client"
)
GOOGLE_OAUTH_CLIENT_SECRET = env_str(
    "GOOGLE_OAUTH_CLIENT_SECRET", "" if GOOGLE_BACKEND == "live" else "emulator-secret"
)
GOOGLE_ADS_DEVELOPER_TOKEN = env_str(
    "GOOGLE_ADS_DEVELOPER_TOKEN", "" if GOOGLE_BACKEND == "live" else "emulator-developer-token"
)
GOOGLE_CLOUD_PROJECT = env_str("GOOGLE_CLOUD_PROJECT", "oneclicktag")
GOOGLE_HTTP_TIMEOUT_SECONDS = env_int("GOOGLE_HTTP_TIMEOUT_SECONDS", 30, minimum=1)
# How often a running deployment's heartbeat is written; four missed beats and the sweep hands
# it to another worker.
DEPLOYMENT_HEARTBEAT_SECONDS = env_int("DEPLOYMENT_HEARTBEAT_SECONDS", 10, minimum=1)
# Google's limit for a web container version: 200 KB (support.google.com/tagmanager/answer/2772488).
# Writes and deployments are refused past it before any Google call. Only the bench raises it
# (with the emulator's own knob), to measure the engine on a deployment Google would refuse;
# against Google, raising it only moves the refusal to Google's create_version.
GTM_CONTAINER_SIZE_LIMIT_BYTES = env_int("GTM_CONTAINER_SIZE_LIMIT_BYTES", 200 * 1024, minimum=1)
GTM_QUOTA_PER_100S = env_int("GTM_QUOTA_PER_100S", 25, minimum=1)
GTM_QUOTA_PER_DAY = env_int("GTM_QUOTA_PER_DAY", 10000, minimum=1)
# The share of the GTM quota one organization's reads for API requests (plan previews, the GTM
# choice lists) may hold in any 100 s (percent; one request at least): a tenant polling every
# live-reading endpoint leaves the rest to everybody's deployments.
GTM_QUOTA_READ_PERCENT = env_int("GTM_QUOTA_READ_PERCENT", 40, minimum=1)
if GTM_QUOTA_READ_PERCENT > 100:
    raise ImproperlyConfigured(
        f"GTM_QUOTA_READ_PERCENT is a percentage, got {GTM_QUOTA_READ_PERCENT}."
    )
# The share of the GTM quota scheduled health checks may take (percent of GTM_QUOTA_PER_100S in
# any 100 s): the rest stays free for the deployments people ask for. 20 % of 25 is 5 checks
# (1 GTM call each) per 100 s, 180 an hour; more customers due at once wait for their turn.
HEALTH_CHECK_GTM_QUOTA_PERCENT = env_int("HEALTH_CHECK_GTM_QUOTA_PERCENT", 20, minimum=1)
if HEALTH_CHECK_GTM_QUOTA_PERCENT > 100:
    raise ImproperlyConfigured(
        f"HEALTH_CHECK_GTM_QUOTA_PERCENT is a percentage, got {HEALTH_CHECK_GTM_QUOTA_PERCENT}."
    )
if GTM_QUOTA_PER_100S * HEALTH_CHECK_GTM_QUOTA_PERCENT < 100:
    raise ImproperlyConfigured(
        "HEALTH_CHECK_GTM_QUOTA_PERCENT of GTM_QUOTA_PER_100S leaves less than one GTM call "
        "per 100 s for health checks: none would ever run."
    )
# GA4 Data API core tokens of a standard property (Google's "Data API quotas"), and Google Ads
# operations a day for a developer token with Basic access.
GA4_DATA_TOKENS_PER_HOUR = env_int("GA4_DATA_TOKENS_PER_HOUR", 40000, minimum=1)
GA4_DATA_TOKENS_PER_DAY = env_int("GA4_DATA_TOKENS_PER_DAY", 200000, minimum=1)
GOOGLE_ADS_OPERATIONS_PER_DAY = env_int("GOOGLE_ADS_OPERATIONS_PER_DAY", 15000, minimum=1)

# --- Stats and the silence alarm -------------------------------------------------------------
# Days a tracking needs counted before its volume is judged (before: `learning`).
STATS_LEARNING_DAYS = env_int("STATS_LEARNING_DAYS", 7, minimum=1)
# A zero day is a silence only where the baseline expects at least this many a day.
STATS_SILENT_MIN_EXPECTED = env_int("STATS_SILENT_MIN_EXPECTED", 5, minimum=1)
# A day below this percentage of the baseline is `low`.
STATS_LOW_PERCENT = env_int("STATS_LOW_PERCENT", 30, minimum=1)

# --- Webhooks -------------------------------------------------------------------------------
# Plain http targets only outside production; private addresses never, unless listed here
# (CIDR networks an operator trusts, e.g. an internal receiver; tests list 127.0.0.1/32).
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", not IS_PRODUCTION)
WEBHOOK_ALLOWED_NETWORKS = env_list("WEBHOOK_ALLOWED_NETWORKS", [])
for _network in WEBHOOK_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(
            f"WEBHOOK_ALLOWED_NETWORKS holds {_network!r}, which is not a network."
        ) from _error
WEBHOOK_CONNECT_TIMEOUT_SECONDS = env_int("WEBHOOK_CONNECT_TIMEOUT_SECONDS", 5, minimum=1)
WEBHOOK_READ_TIMEOUT_SECONDS = env_int("WEBHOOK_READ_TIMEOUT_SECONDS", 10, minimum=1)

# --- Site check (trackings.sitecheck) -------------------------------------------------------
# Customer pages are loaded by a headless Chromium whose every request goes through our own
# gate: http(s) to public addresses only. The networks listed here are allowed anyway; by
# default everything on a development machine (a shop on localhost), nothing elsewhere. Tests
# allow their local shop explicitly; production refuses to start with any (no SSRF by setting).
SITE_CHECK_ALLOWED_NETWORKS = env_list(
    "SITE_CHECK_ALLOWED_NETWORKS",
    ["0.0.0.0/0", "::/0"] if ENVIRONMENT == "development" else [],
)
for _network in SITE_CHECK_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(
            f"SITE_CHECK_ALLOWED_NETWORKS holds {_network!r}, which is not a network."
        ) from _error
SITE_CHECK_CHROMIUM = env_str("SITE_CHECK_CHROMIUM", "/usr/bin/chromium")
# Per page: how long it may take to load (and each interaction to show its event), and how many
# bytes the browser may download for it (every response, scripts and images included).
SITE_CHECK_PAGE_TIMEOUT_SECONDS = env_int("SITE_CHECK_PAGE_TIMEOUT_SECONDS", 20, minimum=1)
SITE_CHECK_MAX_PAGE_BYTES = env_int("SITE_CHECK_MAX_PAGE_BYTES", 15_000_000, minimum=100_000)
# Pages one check loads (the website plus the trackings' own pages), and how often beat checks
# every customer with trackings (hours).
SITE_CHECK_MAX_PAGES = env_int("SITE_CHECK_MAX_PAGES", 20, minimum=1)
SITE_CHECK_INTERVAL_HOURS = env_int("SITE_CHECK_INTERVAL_HOURS", 24, minimum=1)

# --- Metrics ------------------------------------------------------------------------------
# `/metrics` (Prometheus text). In production it answers only to `Authorization: Bearer
# <METRICS_TOKEN>` (and not at all without a token); elsewhere it is open unless a token is set.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
METRICS_REQUIRE_TOKEN = env_bool("METRICS_REQUIRE_TOKEN", IS_PRODUCTION)
# prometheus_client reads this variable itself at import: set it in the environment of every
# process (web, workers, beat), pointing at one directory they share, emptied before they start.
PROMETHEUS_MULTIPROC_DIR = env_optional("PROMETHEUS_MULTIPROC_DIR")

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "oneclicktag.core.logging.RequestContextFilter"}},
    "formatters": {"json": {"()": "oneclicktag.core.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_context"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "googleapiclient.discovery_cache": {"level": "ERROR"},
    },
}

# --- Production safety ----------------------------------------------------------------------
if IS_PRODUCTION:
    _problems = []
    if DEBUG:
        _problems.append("DEBUG is on")
    if SECRET_KEY == DEFAULT_SECRET_KEY or len(SECRET_KEY) < 32:
        _problems.append("SECRET_KEY is the default or shorter than 32 characters")
    elif len(set(SECRET_KEY)) < MIN_SECRET_KEY_DISTINCT_CHARACTERS:
        # 36 times "a" is 36 characters and no secret (issue 13).
        _problems.append(
            f"SECRET_KEY has fewer than {MIN_SECRET_KEY_DISTINCT_CHARACTERS} different characters"
        )
    if DEFAULT_TOKEN_ENCRYPTION_KEY in TOKEN_ENCRYPTION_KEYS:
        _problems.append("TOKEN_ENCRYPTION_KEYS holds the default development key")
    for _position, _key in enumerate(TOKEN_ENCRYPTION_KEYS, start=1):
        try:
            Fernet(_key)
        except (ValueError, TypeError):
            # Found now, not at the first token written or read.
            _problems.append(f"TOKEN_ENCRYPTION_KEYS key {_position} is not a valid Fernet key")
    if FIREBASE_AUTH_EMULATOR_HOST:
        _problems.append("FIREBASE_AUTH_EMULATOR_HOST is set (unsigned tokens would be accepted)")
    if GOOGLE_BACKEND != "live":
        _problems.append("GOOGLE_BACKEND is not 'live' (the Google emulator is in use)")
    if not FIREBASE_PROJECT_ID:
        _problems.append("FIREBASE_PROJECT_ID is not set")
    if SITE_CHECK_ALLOWED_NETWORKS:
        _problems.append(
            "SITE_CHECK_ALLOWED_NETWORKS is set (customer pages could reach private addresses)"
        )
    if GOOGLE_BACKEND == "live" and not (
        GOOGLE_OAUTH_CLIENT_ID and GOOGLE_OAUTH_CLIENT_SECRET and GOOGLE_ADS_DEVELOPER_TOKEN
    ):
        _problems.append("Google OAuth client or Ads developer token is missing")
    if _problems:
        raise ImproperlyConfigured("Refusing to start in production: " + "; ".join(_problems) + ".")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    # Browsers keep to HTTPS for a year once they saw the API (or the admin) over it.
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
