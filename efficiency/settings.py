"""Settings, read from the environment.

Every value has an embedded default that needs no installed server (the embedded PostgreSQL
cluster under VAR_DIR that `make run` starts, kombu's filesystem broker), for development and
`make run` only. Production sets DEBUG=0 and a real SECRET_KEY; without
one the process refuses to start. Secrets may be given as `NAME_FILE` (a path), as Docker
secrets are.
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from efficiency import embedded_db

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str | None = None) -> str | None:
    """The variable, or the content of the file named by NAME_FILE."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path} cannot be read: {exc}") from exc
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false)")


def env_int(name: str, default: int) -> int:
    value = env(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = env(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
_DEV_SECRET = "dev-only-insecure-key-do-not-use-in-production-0123456789"
SECRET_KEY = env("SECRET_KEY") or (_DEV_SECRET if DEBUG else None)
if not SECRET_KEY or (not DEBUG and (SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 32)):
    raise ImproperlyConfigured("DEBUG=0 needs a real SECRET_KEY (at least 32 characters)")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
if "*" in ALLOWED_HOSTS and not DEBUG:
    raise ImproperlyConfigured("ALLOWED_HOSTS='*' is refused in production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "django_celery_beat",
    "django_htmx",
    "captcha",
    "csp",
    "efficiency",
    "supervision",
    "inspection",
    "approvals",
    "accountability",
    "dashboards",
    "duty",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "efficiency.replica.ReadYourWritesMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "efficiency.middleware.RejectNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "efficiency.rls.RowLevelScopeMiddleware",
    "efficiency.middleware.IdleTimeoutMiddleware",
    "efficiency.middleware.PasswordExpiryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "efficiency.urls"
WSGI_APPLICATION = "efficiency.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "efficiency.context_processors.platform",
            ],
        },
    },
]

# PostgreSQL is the only database (docs/adr/0005-postgresql-everywhere.md): DATABASE_URL names
# the server; without it, the embedded cluster under VAR_DIR/pgdata that `make run` starts.
# A connection lives DATABASE_CONN_MAX_AGE seconds (was 60): the sweep, once a minute, runs its
# statements prepared on its worker's connection (efficiency/pg/prepared.py), which a 60 s life
# gave one or two uses; health checks catch a connection a restart broke.
_conn_max_age = env_int("DATABASE_CONN_MAX_AGE", 600)
DATABASES = {
    "default": dj_database_url.parse(env("DATABASE_URL") or embedded_db.default_url(VAR_DIR),
                                     conn_max_age=_conn_max_age)
}
# A streaming read replica (docs/deploy.md, "Read replica"): the cockpit, scorecards and exports
# read from it; writes, migrations and a browser's reads for REPLICA_PIN_SECONDS after it wrote
# (read-your-writes; a local default) go to the primary. efficiency/replica.py.
if env("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(env("DATABASE_REPLICA_URL"), conn_max_age=_conn_max_age)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["efficiency.replica.ReplicaRouter"]
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    # Shared between the web, worker and beat processes of `make run`.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

AUTH_USER_MODEL = "efficiency.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# 等保 2.0 level 3: length, three classes, change every 90 days (all configurable).
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 10)
PASSWORD_MIN_CLASSES = env_int("PASSWORD_MIN_CLASSES", 3)
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90)
PASSWORD_HISTORY_COUNT = env_int("PASSWORD_HISTORY_COUNT", 5)  # the last N cannot be reused
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "efficiency.passwords.CharacterClassValidator",
        "OPTIONS": {"min_classes": PASSWORD_MIN_CLASSES},
    },
    {
        "NAME": "efficiency.passwords.PasswordHistoryValidator",
        "OPTIONS": {"count": PASSWORD_HISTORY_COUNT},
    },
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_LOCKOUT_CALLABLE = "efficiency.lockout.locked_out"
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_MINUTES", 30) * 60  # pages and session-authenticated API
# API tokens (efficiency.tokens): valid this many days from issue, unless revoked earlier.
API_TOKEN_TTL_DAYS = env_int("API_TOKEN_TTL_DAYS", 30)
if API_TOKEN_TTL_DAYS < 1:
    raise ImproperlyConfigured("API_TOKEN_TTL_DAYS must be at least 1")
SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# HTTPS (issue 14): with DEBUG=0 plain HTTP is redirected, HSTS is sent for a year and cookies
# are Secure. HTTPS=0 turns all three off for an intranet served without TLS (docs/deploy.md).
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the containers' healthchecks call gunicorn over HTTP
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)  # consent only: the owner submits the domain
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
# gunicorn is reached only through the shipped nginx, which sets X-Forwarded-Proto to its own
# $scheme (deploy/nginx/efficiency.conf); a client cannot reach gunicorn to forge it.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Content-Security-Policy (django-csp): no inline script, no inline event handler, no inline
# style; every script and style sheet is a static file of ours (no CDN).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
# A request that finds the database down gets a 503 page with Retry-After (efficiency.views.
# server_error); a connection broken by a restart is checked before reuse instead of failing —
# by asking its socket, no round trip, and with `SELECT 1` only when the socket has something
# to say (efficiency/pg/base.py, issue #17).
for _alias in DATABASES.values():
    _alias["ENGINE"] = "efficiency.pg"
    _alias["CONN_HEALTH_CHECKS"] = True
DATABASE_RETRY_AFTER = env_int("DATABASE_RETRY_AFTER", 30)
# The complaint POST's one statement is prepared once per connection (efficiency/pg/prepared.py).
# Off behind a transaction-pooling pooler (PgBouncer transaction mode), where PREPARE does not hold.
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
# Row-level security, the second wall (efficiency/rls.py, docs/rls.md): every statement carries the
# scope of the request's user (or the task's), set when it changes. DATABASE_RLS_ROLE: the role
# work acting for a user assumes when the process logs in as the system role (BYPASSRLS) — the
# worker and beat; empty for the web, which logs in as the app role.
DATABASE_RLS = env_bool("DATABASE_RLS", True)
DATABASE_RLS_ROLE = env("DATABASE_RLS_ROLE", "") or ""
# 网络安全法 §21: network logs kept at least six months. 184 days (the longest six calendar
# months) is the local default and floor: the purge and the database refuse fewer.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 184)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT") or VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT") or VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_MB", 10) * 1024 * 1024
# Uploads (efficiency/uploads.py, docs/deploy.md "Uploads"): an image of more pixels is refused
# before it is decoded (a decompression bomb). Files are served only by views that check scope:
# streamed by Django, or behind the shipped nginx handed to its `internal` location by
# X-Accel-Redirect (UPLOAD_ACCEL_REDIRECT=/_uploads/ in docker-compose.yml).
UPLOAD_MAX_PIXELS = env_int("UPLOAD_MAX_PIXELS", 40_000_000)
# A ledger export of more rows is built by a Celery task with a progress page (efficiency/exports.py);
# up to it the workbook is streamed at once. 本地默认 (种子未规定).
EXPORT_ASYNC_ROWS = env_int("EXPORT_ASYNC_ROWS", 20_000)
UPLOAD_ACCEL_REDIRECT = env("UPLOAD_ACCEL_REDIRECT") or ""
if UPLOAD_ACCEL_REDIRECT and not (UPLOAD_ACCEL_REDIRECT.startswith("/") and UPLOAD_ACCEL_REDIRECT.endswith("/")):
    raise ImproperlyConfigured("UPLOAD_ACCEL_REDIRECT must be a path that starts and ends with '/', e.g. /_uploads/")

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env("EMAIL_HOST")
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "效能督查平台 <noreply@localhost>")
SMS_BACKEND = env("SMS_BACKEND", "efficiency.notifications.LoggingSmsBackend")
# Deliveries per channel ("N/s", "N/min", "N/h"): the gateways' limits. `notifications_send`,
# run by beat every NOTIFY_WINDOW seconds, sends at most rate × window per channel per run, in
# chunks of NOTIFY_CHUNK, each chunk through one connection (one SMTP session, one SMS batch call).
NOTIFY_RATE = {
    "email": env("NOTIFY_RATE_EMAIL", "600/min"),
    "sms": env("NOTIFY_RATE_SMS", "200/min"),
}
NOTIFY_WINDOW = env_int("NOTIFY_WINDOW", 60)
NOTIFY_CHUNK = env_int("NOTIFY_CHUNK", 500)
# A process asks a worker for the fan-out of new events at most once in this many seconds, the
# task counted down by as much, so it sees every event of the window (efficiency.events.request_fan_out).
FAN_OUT_WINDOW_SECONDS = float(env("FAN_OUT_WINDOW_SECONDS", "1"))

# Celery: Redis in production, kombu's filesystem transport when nothing is configured.
CELERY_BROKER_URL = env("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # kombu's default is ./control, in the cwd
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker outlives any broker outage (#14): it retries forever, a channel error included,
# and the Redis transport reports a closed channel as a lost connection (efficiency/broker.py).
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CHANNEL_ERROR_RETRY = True
if CELERY_BROKER_URL.startswith("redis://"):
    CELERY_BROKER_TRANSPORT = "efficiency.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS |= {"socket_keepalive": True, "health_check_interval": 10}
CELERY_TASK_IGNORE_RESULT = True
# Celery's Django fixup closes the database connection every this many tasks; out of reach: the
# worker closes it by Django's rule instead (efficiency/celery.py, DATABASE_CONN_MAX_AGE).
CELERY_DB_REUSE_MAX = 2**31
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)

REST_FRAMEWORK = {
    # Token first: DRF answers a failed authentication with the first class's challenge, so a
    # refused token (expired, revoked) or no credentials at all is a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "efficiency.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "efficiency.listing.LedgerPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # A JSON body is an object, and the schema documents every error answer (#14: zero server errors).
    "DEFAULT_PARSER_CLASSES": [
        "efficiency.parsers.JSONObjectParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "efficiency.api_schema.AutoSchema",
    "EXCEPTION_HANDLER": "efficiency.api.exception_handler",
    # No DRF throttles: the public endpoints are limited per client address (efficiency.client)
    # by the apps' own counters, which fail open when the cache is down (docs/accountability.md).
}
SPECTACULAR_SETTINGS = {
    "TITLE": "效能督查平台 API",
    "DESCRIPTION": "REST API of the efficiency supervision platform (/api/v1/).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets that share a field name across apps get names of their own in the schema.
    "ENUM_NAME_OVERRIDES": {
        "CalendarDayKindEnum": "efficiency.models.calendar.CalendarDay.Kind",
        "NotificationStatusEnum": "efficiency.models.events.Notification.Status",
        "UnitKindEnum": "efficiency.models.org.Unit.Kind",
        "TaskNodeKindEnum": "supervision.models.TaskNode.Kind",
        "AssignmentKindEnum": "supervision.models.AssignmentKind",
        "AssignmentStatusEnum": "supervision.models.Assignment.Status",
        "AssignmentTargetStatusEnum": "supervision.models.AssignmentTarget.Status",
        "InspectionMethodEnum": "inspection.models.Method",
        "InspectionPlanStatusEnum": "inspection.models.InspectionPlan.Status",
        "PlanOverrideKindEnum": "inspection.models.PlanOverride.Kind",
        "VisitStatusEnum": "inspection.models.Visit.Status",
        "RectificationStatusEnum": "inspection.models.Rectification.Status",
        "ApplicationStatusEnum": "approvals.models.Status",
        "ReviewStepStatusEnum": "approvals.models.StepStatus",
        "RatingFollowUpKindEnum": "approvals.models.FollowUpKind",
        "ComplaintStatusEnum": "accountability.models.Complaint.Status",
        "AccountabilityCaseStatusEnum": "accountability.models.AccountabilityCase.Status",
        "BulletinKindEnum": "accountability.models.Bulletin.Kind",
        "BulletinStatusEnum": "accountability.models.Bulletin.Status",
        "MeasureEnum": "accountability.models.Measure",
    },
}

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # citizens need no account; guardian keeps no anonymous user

CAPTCHA_IMAGE_SIZE = (120, 40)
CAPTCHA_LENGTH = 5
CAPTCHA_TIMEOUT = 10

# The clock.
SWEEP_BATCH_SIZE = env_int("SWEEP_BATCH_SIZE", 50_000)
REMINDER_HOUR = 9  # reminders go out at 09:00 on working days

# The client's address (efficiency.client), for rate limits, the lockout context and the audit:
# X-Forwarded-For is believed only when the peer is one of these reverse proxies (addresses or
# CIDRs of the proxies, never of the users' networks). Empty: the peer (REMOTE_ADDR) is the
# client, as under `make run`. docker-compose.yml trusts its nginx.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        _net = ipaddress.ip_network(_proxy, strict=False)
    except ValueError as exc:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an address or a CIDR") from exc
    if _net.prefixlen == 0:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} would believe anyone's X-Forwarded-For")
AXES_CLIENT_IP_CALLABLE = "efficiency.client.client_ip"

# Open311 GeoReport v2 (/open311/v2/, docs/open311.md). Reads are public and limited per client
# address (本地默认 60 a minute); a jurisdiction_id other than this one (when set) is a 404.
OPEN311_READS_PER_MINUTE = env_int("OPEN311_READS_PER_MINUTE", 60)
OPEN311_JURISDICTION_ID = env("OPEN311_JURISDICTION_ID", "") or ""
OPEN311_CONTACT = env("OPEN311_CONTACT", "") or ""

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

for _d in (VAR_DIR, MEDIA_ROOT):
    Path(_d).mkdir(parents=True, exist_ok=True)

# Lockout is per account (等保: 5 failures, 30 minutes). Locking per address too would lock a
# whole office behind one NAT address; per-address slowing is done by rate limits instead.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
