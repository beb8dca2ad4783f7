"""KAM settings, read from the environment only. Every variable is listed in `.env.example`.

With DATABASE_URL unset, KAM runs on the embedded development default (see kam/embedded.py):
DEBUG on, a fixed development SECRET_KEY, and demo passwords. Anything else is production-like:
DEBUG off and SECRET_KEY required.
"""

import ipaddress
import os
from importlib.util import find_spec
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from kam import embedded
from kam.lib import logs

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def strong_key(name: str) -> str:
    """The key named `name` from the environment ("" if unset), refused when it is too weak.

    Django's own measure of a guessable key (`check --deploy`, security.W009), enforced at start-up.
    """
    value = os.environ.get(name, "")
    if value and (len(value) < 50 or len(set(value)) < 5 or value.startswith("django-insecure-")):
        raise ImproperlyConfigured(
            f"{name} is too weak: use at least 50 characters, at least 5 of them different, e.g. "
            "the output of: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    return value


def env_positive_int(name: str, default: int) -> int:
    try:
        value = int(os.environ.get(name, str(default)))
    except ValueError:
        value = 0
    if value < 1:
        raise ImproperlyConfigured(f"{name} must be a whole number of at least 1.")
    return value


EMBEDDED = "DATABASE_URL" not in os.environ

DEBUG = env_bool("DEBUG", default=EMBEDDED)
SECRET_KEY = os.environ.get("SECRET_KEY", "") if EMBEDDED else strong_key("SECRET_KEY")
if not SECRET_KEY:
    if not EMBEDDED:
        raise ImproperlyConfigured("SECRET_KEY must be set when DATABASE_URL is set.")
    SECRET_KEY = "kam-embedded-development-only-not-secret"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if EMBEDDED else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# Reverse proxies (addresses or networks) whose X-Forwarded-For the access log believes; from any
# other peer the log records REMOTE_ADDR (compliance/middleware.py).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_error}") from None

INSTALLED_APPS = [
    # Django admin whose site demands a verified second factor (accounts/signin/admin_site.py).
    "accounts.signin.apps.SecondFactorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "kam",
    "accounts",
    "relationships",
    "compliance",
    "demo",
    "axes",
]
# The benchmark commands (bench/, `make bench-*`) drive pages with the test client and build throwaway
# databases: development only, so they are refused in any configuration with DEBUG off.
if env_bool("KAM_BENCH", default=False):
    if not DEBUG:
        raise ImproperlyConfigured("KAM_BENCH is for development only: it needs DEBUG on.")
    INSTALLED_APPS.append("bench")

MIDDLEWARE = [
    # First: times the whole request, logs its line under a request id, counts it (docs/operations.md).
    "kam.lib.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): has this session passed the second factor (django-otp)?
    "django_otp.middleware.OTPMiddleware",
    # Right after authentication: the rest runs in one transaction as the request's user, and the
    # access log is written (also for anonymous attempts on an account's pages).
    "compliance.middleware.WallMiddleware",
    "kam.lib.login_required.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle and absolute session limits, "sign out everywhere" (accounts/signin/sessions.py).
    "accounts.signin.sessions.SessionLifetimeMiddleware",
    # A signed-in session that still owes its second factor reaches only the sign-in pages.
    "accounts.signin.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Turns a refused sign-in into the login page with the lockout message (accounts/signin/lockout.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kam.urls"
WSGI_APPLICATION = "kam.wsgi.application"

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
                "kam.context_processors.navigation",
            ],
        },
    },
]

# Three database roles (docs/security.md). The web role (DATABASE_URL: owns nothing, no superuser,
# no BYPASSRLS) serves people; the system role (DATABASE_SYSTEM_URL) does background work: Celery
# workers and management commands, which run with KAM_PROCESS=system (manage.py sets it for every
# command but runserver); the owner (DATABASE_OWNER_URL) owns the tables and only migrates. Row-level
# security decides "system" by the role a statement runs as, never by a setting the web role can send.
KAM_PROCESS = os.environ.get("KAM_PROCESS", "web")
if KAM_PROCESS not in {"web", "system"}:
    raise ImproperlyConfigured("KAM_PROCESS must be `web` or `system`.")
_pghost = os.environ.get("KAM_EMBEDDED_PGHOST")
_web_url = os.environ.get("DATABASE_URL") or embedded.database_url(embedded.APP_ROLE, _pghost)
_system_url = os.environ.get("DATABASE_SYSTEM_URL", "") or (
    embedded.database_url(embedded.SYSTEM_ROLE, _pghost) if EMBEDDED else ""
)
if KAM_PROCESS == "system" and not _system_url:
    raise ImproperlyConfigured("KAM_PROCESS=system (a worker or a command) needs DATABASE_SYSTEM_URL.")
# Each role's connection settings (the system's empty when not configured); dicts, so error pages
# hide their passwords as they do DATABASES'.
DATABASE_WEB = dj_database_url.parse(_web_url)
DATABASE_SYSTEM = dj_database_url.parse(_system_url) if _system_url else {}
DATABASES = {
    "default": dj_database_url.parse(
        _system_url if KAM_PROCESS == "system" else _web_url,
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    ),
}
# The roles' names, for the migrations' grants and the policies, whichever role this process is.
DATABASE_ROLES = {
    "web": DATABASE_WEB["USER"],
    "system": DATABASE_SYSTEM.get("USER") or embedded.SYSTEM_ROLE,
}
_owner_url = os.environ.get("DATABASE_OWNER_URL") or (
    embedded.database_url(embedded.OWNER_ROLE, _pghost) if EMBEDDED else ""
)
if _owner_url:
    DATABASES["owner"] = dj_database_url.parse(_owner_url)
    # The owner is the system by its role; no principal is applied on its connection (compliance/db).
    DATABASES["owner"]["KAM_ROLE"] = "owner"
for _database in DATABASES.values():
    # PostgreSQL with the principal applied on every transaction (compliance/db, row-level security).
    _database["ENGINE"] = "compliance.db"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL") or embedded.redis_url()
# Kombu names a Unix-socket Redis `redis+socket://`; redis-py names it `unix://`.
CELERY_BROKER_URL = (
    "redis+socket://" + REDIS_URL.removeprefix("unix://") if REDIS_URL.startswith("unix://") else REDIS_URL
)
CELERY_RESULT_BACKEND = None
# Shared by every web process: which CSV-import confirmations were used (kam/lib/csv_import.py).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# E-mail carries the password-set links administrators send (accounts/services.py) and the links of
# "Forgot your password?" (accounts/signin/passwords.py); printed to the console on the embedded
# development default.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend"
    if EMBEDDED
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "KAM <kam@localhost>")
# Where django.core.mail.backends.filebased.EmailBackend writes each message, one file per message.
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
# How long a password-set or password-reset link works (either works once).
PASSWORD_RESET_TIMEOUT = int(float(os.environ.get("PASSWORD_SET_LINK_DAYS", "3")) * 86400)

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "static"))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Bootstrap's dist files, from the bootstrap-wrapper package on PyPI.
    ("vendor/bootstrap", Path(find_spec("bootstrap").submodule_search_locations[0])),
]
# With DEBUG off, `collectstatic` (the release step, docs/deployment.md) writes each file under a name
# carrying its hash, plus gzip copies, and WhiteNoise serves those with a far-future Cache-Control.
# With DEBUG on, files are served as they are. The tests name files as they are too (conftest.py).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Uploads (docs/security.md, "Uploads"): the largest file any page accepts, refused while it arrives
# (kam/lib/upload_limit.py; each CSV import has its own, lower or equal, limit). Other form data is
# small: the longest text field holds 4,000 characters (kam/lib/text.py).
UPLOAD_MAX_BYTES = 5 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "kam.lib.upload_limit.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # larger files go to a temporary file while they arrive
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 5

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Served over HTTPS (docs/security.md, "Deployment checks"): plain HTTP is redirected and browsers are
# told to use HTTPS only (HSTS, a year by default, subdomains included). Preloading into browsers is
# hard to undo, so it is a separate opt-in, and Django's reminder of it (W021) is silenced without it.
KAM_HTTPS = env_bool("KAM_HTTPS", default=False)
SECURE_SSL_REDIRECT = KAM_HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS") or "31536000") if KAM_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = KAM_HTTPS and env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = KAM_HTTPS and env_bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Behind a reverse proxy that terminates TLS: the header it sets to `https` (e.g. X-Forwarded-Proto).
# Only if the proxy overwrites that header on every request; a client could send it otherwise.
if _proxy_ssl_header := os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip():
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# The browser policy (docs/security.md, "Browser policy"): scripts and styles only from our own
# static files, no inline script, style attribute or <style>; Bootstrap's CSS draws its small icons
# (menu toggler, close button, select arrow) as data: SVG images.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# The demo portfolio's personas get a known password only on the embedded development default.
DEMO_PASSWORD = "kam-demo" if EMBEDDED else os.environ.get("DEMO_PASSWORD", "")

# Logs and metrics (docs/operations.md). LOG_FORMAT: `text` lines for a terminal, or `json`, one object
# a line for a log collector; every record carries the id of its request or task (kam/lib/logs.py).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower() or "text"
if LOG_FORMAT not in logs.FORMATS:
    raise ImproperlyConfigured(f"LOG_FORMAT must be one of: {', '.join(logs.FORMATS)}.")
LOGGING = logs.logging_config(log_format=LOG_FORMAT, level=os.environ.get("LOG_LEVEL", "INFO"))
# /metrics answers requests from these networks (client address as the access log takes it, through
# TRUSTED_PROXIES) and signed-in staff; anyone else gets 404. Empty: staff only.
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", "127.0.0.1/32,::1/128")
for _network in METRICS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS: {_error}") from None
# prometheus-client's multiprocess mode (gunicorn workers, Celery workers): read by the library from
# the environment; it must be an existing, writable directory, emptied before the processes start.
# Set but empty, the library would write into the current directory: refused too.
PROMETHEUS_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if PROMETHEUS_MULTIPROC_DIR is not None and not (
    os.path.isdir(PROMETHEUS_MULTIPROC_DIR) and os.access(PROMETHEUS_MULTIPROC_DIR, os.W_OK)
):
    raise ImproperlyConfigured(
        f"PROMETHEUS_MULTIPROC_DIR must be a directory this process may write: {PROMETHEUS_MULTIPROC_DIR}"
    )

# Nightly scoring (relationships/scoring/tasks.py): CLV (B2B margin model) and relationship health.
from celery.schedules import crontab  # noqa: E402 - only the beat schedule needs it

SCORING_NIGHTLY_HOUR = int(os.environ.get("SCORING_NIGHTLY_HOUR", "2"))
SCORING_NIGHTLY_MINUTE = int(os.environ.get("SCORING_NIGHTLY_MINUTE", "30"))
SCORING_CHUNK_SIZE = int(os.environ.get("SCORING_CHUNK_SIZE", "5000"))
SCORING_QUEUE = os.environ.get("SCORING_QUEUE", "celery")
SCORING_RUN_STALE_HOURS = float(os.environ.get("SCORING_RUN_STALE_HOURS", "6"))
CLV_DISCOUNT_RATE = float(os.environ.get("CLV_DISCOUNT_RATE", "0.10"))
CLV_HORIZON_YEARS = int(os.environ.get("CLV_HORIZON_YEARS", "5"))  # 0: infinite horizon
CELERY_TASK_ROUTES = {
    "relationships.scoring.tasks.*": {"queue": SCORING_QUEUE},
    "relationships.dashboards.tasks.*": {"queue": SCORING_QUEUE},
}
CELERY_BEAT_SCHEDULE["scoring-nightly"] = {
    "task": "relationships.scoring.tasks.scoring_nightly",
    "schedule": crontab(hour=SCORING_NIGHTLY_HOUR, minute=SCORING_NIGHTLY_MINUTE),
}
# The dashboards' monthly interaction mix (relationships/dashboards/services.py), before the scoring.
CELERY_BEAT_SCHEDULE["interaction-mix-nightly"] = {
    "task": "relationships.dashboards.tasks.interaction_mix_nightly",
    "schedule": crontab(hour=SCORING_NIGHTLY_HOUR, minute=max(SCORING_NIGHTLY_MINUTE - 15, 0)),
}

# The Chinese wall (compliance/): Brewer-Nash cooling-off, yearly attestation, crossings, the log.
WALL_COOLING_OFF_DAYS = int(os.environ.get("WALL_COOLING_OFF_DAYS", "180"))
WALL_ATTESTATION_DAYS = int(os.environ.get("WALL_ATTESTATION_DAYS", "365"))
WALL_CROSSING_MAX_DAYS = int(os.environ.get("WALL_CROSSING_MAX_DAYS", "90"))
# A user reading more accounts than this in one day is flagged in the compliance console.
ACCESS_LOG_ANOMALY_ACCOUNTS_PER_DAY = int(os.environ.get("ACCESS_LOG_ANOMALY_ACCOUNTS_PER_DAY", "10"))
# ... and one denied this many times in one day.
ACCESS_LOG_ANOMALY_DENIALS_PER_DAY = int(os.environ.get("ACCESS_LOG_ANOMALY_DENIALS_PER_DAY", "3"))
# Signs the exported head of the access log's hash chain (verify_access_log); keep it apart from
# the database. Defaults to SECRET_KEY.
ACCESS_LOG_SIGNING_KEY = (
    os.environ.get("ACCESS_LOG_SIGNING_KEY", "") if EMBEDDED else strong_key("ACCESS_LOG_SIGNING_KEY")
) or SECRET_KEY
# Signs the user principal the app claims on each transaction (compliance/principal.py); the owner
# stores a key derived from it in the database on every migrate. Defaults to SECRET_KEY.
PRINCIPAL_SIGNING_KEY = (
    os.environ.get("PRINCIPAL_SIGNING_KEY", "") if EMBEDDED else strong_key("PRINCIPAL_SIGNING_KEY")
) or SECRET_KEY

# Two-step sign-in (accounts/signin/, docs/security.md "Second factor"): required for executives,
# compliance officers, administrators, superusers and anyone reaching /admin/; for everyone when
# OTP_REQUIRED_FOR_ALL is on.
OTP_REQUIRED_FOR_ALL = env_bool("KAM_OTP_REQUIRED_FOR_ALL", default=False)
OTP_TOTP_ISSUER = "KAM"
# Development only: the seeded demo personas sign in with a password alone (`make run` sets it).
DEMO_OTP_WAIVER = env_bool("KAM_DEMO_OTP_WAIVER", default=False)
if DEMO_OTP_WAIVER and not EMBEDDED:
    raise ImproperlyConfigured(
        "KAM_DEMO_OTP_WAIVER is for the embedded development default only: unset it when DATABASE_URL is set."
    )

# Sign-in (accounts/signin/; docs/security.md "Lockout", "Passwords", "Sessions"). The same rules on the
# embedded development default as in production.
# Lockout: this many failed sign-ins for one username (from any address), or from one address (over
# any usernames), refuse sign-in for that username or address for LOGIN_LOCKOUT_MINUTES.
LOGIN_FAILURE_LIMIT_USERNAME = env_positive_int("LOGIN_FAILURE_LIMIT_USERNAME", 5)
LOGIN_FAILURE_LIMIT_ADDRESS = env_positive_int("LOGIN_FAILURE_LIMIT_ADDRESS", 20)
LOGIN_LOCKOUT_MINUTES = env_positive_int("LOGIN_LOCKOUT_MINUTES", 15)
AUTHENTICATION_BACKENDS = [
    "accounts.signin.lockout.LockoutBackend",  # first: refuses a locked-out sign-in before any password check
    "accounts.signin.sessions.EpochModelBackend",  # Django's, reading the session epoch with the user
]
AXES_HANDLER = "accounts.signin.lockout.TwoLimitHandler"  # the database: every web process shares it
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = "accounts.signin.lockout.failure_limit"
AXES_COOLOFF_TIME = "accounts.signin.lockout.cool_off"
AXES_RESET_ON_SUCCESS = True  # a success clears its username's failures (not its address's)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # refused attempts do not lengthen a lockout
AXES_CLIENT_IP_CALLABLE = "compliance.middleware.client_ip"  # the access log's address
AXES_LOCKOUT_CALLABLE = "accounts.signin.lockout.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # failures and lockouts go to KAM's own access log (compliance)
# Sessions end after SESSION_IDLE_MINUTES without a request, and SESSION_MAX_HOURS after sign-in.
SESSION_IDLE_MINUTES = env_positive_int("SESSION_IDLE_MINUTES", 30)
SESSION_MAX_HOURS = env_positive_int("SESSION_MAX_HOURS", 12)
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600
