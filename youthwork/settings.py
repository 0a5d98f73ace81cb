"""Settings for the youthwork portal: one module, every deployment choice read from the environment.

Every variable is documented in `.env.example`. Test-only overrides live in `tests/conftest.py`.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Safe by default: production unless told otherwise. `make run` / `make setup` set DJANGO_DEBUG=true for the demo.
DEBUG = env.bool("DJANGO_DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or "insecure-development-key-only-for-debug-mode"
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
else:
    # No defaults outside DEBUG: a production server must be told its secret and its host names.
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
    if not SECRET_KEY:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=false.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG=false.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "tracker",
    "tracker.signin",  # sign-in: lockout, inactivity, second factor, CAS (settings at the end of this file)
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_cas_ng",
    "rest_framework",  # the JSON API at /api/v1/ (tracker/api, docs/api.md)
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served as the portal's own static files (no CDN)
    "django_guid",  # (issue 18) a request id on every log line and response (LOGGING below)
]

MIDDLEWARE = [
    "django_guid.middleware.guid_middleware",  # (issue 18) first: every later line of the request has its id
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, before anything that needs a session
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy on every response (policy under Security)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tracker.portal.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "tracker.portal.middleware.ReviewerScopeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",  # user.is_verified(): the session gave a second-factor code
    "tracker.signin.middleware.IdleTimeoutMiddleware",  # signed out after SESSION_IDLE_TIMEOUT without a request
    "tracker.signin.middleware.SecondFactorMiddleware",  # no page before the code when one is owed
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into the "try again at" page
]

ROOT_URLCONF = "youthwork.urls"
WSGI_APPLICATION = "youthwork.wsgi.application"

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
                "tracker.portal.context_processors.portal",
            ],
            "builtins": ["tracker.templatetags.scores", "tracker.templatetags.sentences"],  # |score, {% sp %}
        },
    },
]

# <select> drawn in Python: the same HTML as Django's widget templates, faster (tracker/forms/renderer.py).
FORM_RENDERER = "tracker.portal.renderer.PortalFormRenderer"

# --- Database -------------------------------------------------------------------------------
# SQLite under var/ is the embedded default; PostgreSQL is the real database (DATABASE_URL).
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db_url_config(env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several users at once: WAL lets readers go on while one writes; IMMEDIATE takes the write
    # lock at BEGIN, so a read-then-write waits (up to `timeout` seconds) instead of failing at
    # once with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=20),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    # A new PostgreSQL connection costs more than a simple page: keep connections open.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=600)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# --- Sign-in ---------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "tracker.signin.validators.MinimumLengthValidator"},  # Django's, with its message in Chinese
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "tracker:home"
LOGOUT_REDIRECT_URL = "login"

# --- Language and time -----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "tracker" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Files -----------------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Relative paths are taken from the project folder, whatever the current directory.
STATIC_ROOT = BASE_DIR / env.str("DJANGO_STATIC_ROOT", default="var/static")
MEDIA_ROOT = BASE_DIR / env.str("DJANGO_MEDIA_ROOT", default="var/media")
if MEDIA_ROOT.resolve().is_relative_to(STATIC_ROOT.resolve()) or STATIC_ROOT.resolve().is_relative_to(
        MEDIA_ROOT.resolve()):
    # whitenoise serves everything under STATIC_ROOT to anyone: evidence must never be there.
    raise ImproperlyConfigured("DJANGO_MEDIA_ROOT and DJANGO_STATIC_ROOT must be separate folders.")
# Evidence files are never served from MEDIA_URL: a view checks who may see them and reads them from the storage.
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_MB", default=20) * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640


def env_flag(name: str, default: bool) -> bool:
    """A true/false variable; empty counts as unset (an empty value must not switch a protection off)."""
    return env.bool(name) if env.str(name, default="").strip() else default


def env_number(name: str, default: int) -> int:
    """A whole-number variable; empty counts as unset."""
    return env.int(name) if env.str(name, default="").strip() else default


def media_storage(environment: environ.Env) -> dict:
    """The storage for uploaded files, chosen by DJANGO_MEDIA_STORAGE: `local` (MEDIA_ROOT on this server's disk,
    the default) or `s3` (a private bucket on S3-compatible object storage, for several app servers behind one
    load balancer). Either way no file has a public address."""
    kind = environment.str("DJANGO_MEDIA_STORAGE", default="").strip().lower() or "local"
    if kind == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise ImproperlyConfigured(f"DJANGO_MEDIA_STORAGE must be local or s3, not {kind!r}.")
    bucket = environment.str("AWS_STORAGE_BUCKET_NAME", default="")
    if not bucket:
        raise ImproperlyConfigured("AWS_STORAGE_BUCKET_NAME must be set when DJANGO_MEDIA_STORAGE=s3.")
    options = {
        "bucket_name": bucket,
        "endpoint_url": environment.str("AWS_S3_ENDPOINT_URL", default=""),  # MinIO, Ceph, a cloud's S3 API
        "region_name": environment.str("AWS_S3_REGION_NAME", default=""),
        "access_key": environment.str("AWS_ACCESS_KEY_ID", default=""),
        "secret_key": environment.str("AWS_SECRET_ACCESS_KEY", default=""),
        "location": environment.str("AWS_LOCATION", default=""),  # a folder inside the bucket
        "addressing_style": environment.str("AWS_S3_ADDRESSING_STYLE", default=""),  # "path" for most MinIO
        # Private objects; a signed, short-lived address if anything ever asks for one; never overwrite a file.
        "default_acl": "private",
        "querystring_auth": True,
        "querystring_expire": 300,
        "file_overwrite": False,
        "signature_version": "s3v4",
    }
    return {"BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {name: value for name, value in options.items() if value != ""}}


# Production serves the hashed, compressed copies `manage.py collectstatic` wrote to STATIC_ROOT (whitenoise, with
# far-future cache headers); development and the test suite serve straight from static/ and the apps.
STATIC_COLLECTED = env_flag("DJANGO_STATIC_COLLECTED", default=not DEBUG)
STORAGES = {
    "default": media_storage(env),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage" if STATIC_COLLECTED
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if not STATIC_COLLECTED:
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = True

# --- Mail ------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url_config(env.str("EMAIL_URL", default="") or "consolemail://")
EMAIL_BACKEND = EMAIL_CONFIG["EMAIL_BACKEND"]
EMAIL_HOST = EMAIL_CONFIG.get("EMAIL_HOST", "")
EMAIL_PORT = EMAIL_CONFIG.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = EMAIL_CONFIG.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = EMAIL_CONFIG.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = EMAIL_CONFIG.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = EMAIL_CONFIG.get("EMAIL_USE_SSL", False)
# Issue 18 (two servers, tests/multiserver): EMAIL_URL=filemail:////srv/mail writes each mail to a file there.
if EMAIL_CONFIG.get("EMAIL_FILE_PATH"):
    EMAIL_FILE_PATH = EMAIL_CONFIG["EMAIL_FILE_PATH"]
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="youthwork@localhost")
# The address users open the portal at (with any path prefix): links in e-mails sent outside a request.
PORTAL_BASE_URL = (env.str("PORTAL_BASE_URL", default="") or "http://127.0.0.1:8000").rstrip("/")
# Seconds a built dashboard (and its drawn page body) is kept in Django's cache for reuse by every server while no
# record changes (tracker/reporting/dashboard.py); 0 builds it on every request.
DASHBOARD_CACHE_SECONDS = env.float("DASHBOARD_CACHE_SECONDS", default=30)

# --- Several servers: Redis for the cache and the task queue (docs/deploy.md, "Several servers") ---------------
# REDIS_URL=redis://host:6379 names one Redis server for both: the cache in its database 1, the queue's broker in
# database 0. CACHE_URL and CELERY_BROKER_URL, where set, win over it.
REDIS_URL = env.str("REDIS_URL", default="").rstrip("/")

# The task queue (Celery, youthwork/celery.py). Without a broker each task runs at once in the process that queued
# it, so one machine needs nothing but Python.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or (f"{REDIS_URL}/0" if REDIS_URL else "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    # Never used (every task runs at once), but named: no warning at each task.
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True  # a task's outcome is kept in the portal's own records (an export job, a claim)
# A task is acknowledged when it has run, not when a worker took it: a worker stopped half-way leaves it queued for
# the next worker (each task is written to be run twice without doing its work twice).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Asia/Shanghai"
# (issue 18, the task queue's work: tracker/tasks.py, docs/operations.md "The task queue") The beat's daily work, in
# the portal's time zone: the reminder mails at 07:30, the backup at 02:30 into PORTAL_BACKUP_DIR.
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    "daily-reminders": {"task": "tracker.send_reminders", "schedule": crontab(hour=7, minute=30),
                        "kwargs": {"days": 7}},
    "nightly-backup": {"task": "tracker.backup", "schedule": crontab(hour=2, minute=30)},
}
PORTAL_BACKUP_DIR = BASE_DIR / env.str("PORTAL_BACKUP_DIR", default="var/backups")
PORTAL_BACKUP_KEEP_DAYS = env.int("PORTAL_BACKUP_KEEP_DAYS", default=30)  # 0: keep every backup
OUTBOX_WEBHOOK_TIMEOUT = env.float("OUTBOX_WEBHOOK_TIMEOUT", default=5)  # seconds a webhook POST may take
INSTALLED_APPS += ["django_htmx"]  # htmx's own script, served as the portal's static file (the export progress)
# (end of issue 18, the task queue's work)
# (issue 18, the sweeper: tracker/ops/sweep.py) Every 10 minutes the beat queues again the deliveries and export jobs
# whose message was lost, failed deliveries due another attempt, and work whose worker died.
CELERY_BEAT_SCHEDULE["sweep"] = {"task": "tracker.sweep", "schedule": crontab(minute="*/10")}
# (end of issue 18, the sweeper)

# Django's cache: what is counted or kept between requests (the sign-in and API rate limits, the kept dashboards).
# (issue 18, shared cache) CACHE_URL if set; else Redis when REDIS_URL is set (its database 1); else a file cache
# under var/ in production, which every gunicorn worker of one server shares, so that a limit holds as written. The
# development server, and the tests (pyproject.toml), keep it in the process's memory. Redis goes through
# django-redis (not Django's own RedisCache) for IGNORE_EXCEPTIONS: while Redis is stopped every cache call is a miss
# (pages are built afresh, rate limits are not counted) and a warning is logged, instead of every page failing.
# Short socket timeouts (CACHE_SOCKET_TIMEOUT, seconds) keep an unreachable Redis from stalling pages. docs/deploy.md
# § 11.
REDIS_CACHE_BACKEND = "django_redis.cache.RedisCache"
CACHE_SOCKET_TIMEOUT = env.float("CACHE_SOCKET_TIMEOUT", default=0.5)


def cache_config(cache_url: str, redis_url: str, debug: bool) -> dict:
    """The default cache, from CACHE_URL, else REDIS_URL, else the one-server default; any redis:// (rediss://,
    unix socket) goes to django-redis with the options above (an option in CACHE_URL's query string wins)."""
    if cache_url:
        config = environ.Env.cache_url_config(cache_url)
        if not cache_url.startswith(("redis", "valkey")):
            return config
        config["BACKEND"] = REDIS_CACHE_BACKEND
    elif redis_url:
        config = {"BACKEND": REDIS_CACHE_BACKEND, "LOCATION": f"{redis_url}/1"}
    else:
        return environ.Env.cache_url_config("locmemcache://" if debug else f"filecache://{VAR_DIR / 'cache'}")
    config["OPTIONS"] = {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": CACHE_SOCKET_TIMEOUT,
                         "SOCKET_TIMEOUT": CACHE_SOCKET_TIMEOUT, **config.get("OPTIONS", {})}
    return config


CACHES = {"default": cache_config(env.str("CACHE_URL", default=""), REDIS_URL, DEBUG)}
# django-redis logs each call it ignored (logger django_redis.cache, as one warning line: LOGGING below).
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
# The sign-in rate limit (django-ratelimit) fails open: with the cache unreachable a sign-in post is let through
# (django-axes' per-name lockout, kept in the database, still holds) rather than every post answered 429. DRF's API
# throttling does the same by itself (a miss reads as no requests counted).
RATELIMIT_FAIL_OPEN = True
# (end of issue 18, shared cache)

# --- Security headers ---------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
# Behind a reverse proxy that terminates HTTPS: the origins browsers post from, and the header it sets.
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
if env.bool("DJANGO_BEHIND_HTTPS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_flag("DJANGO_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # http:// is answered with a redirect to https://. Behind nginx set DJANGO_BEHIND_HTTPS_PROXY=true too, or
    # every proxied request looks like http and is redirected forever (docs/deploy.md).
    SECURE_SSL_REDIRECT = env_flag("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # HSTS: browsers use https only for this long (one year). Start lower (e.g. 3600) on a first deployment.
    SECURE_HSTS_SECONDS = env_number("DJANGO_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    # Preloading puts the whole domain into the browsers' built-in https-only list, which is hard to undo and is the
    # university network office's decision, not the portal's: off unless asked for, and Django's reminder
    # (security.W021) is silenced while it is off.
    SECURE_HSTS_PRELOAD = env_flag("DJANGO_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Content-Security-Policy (django-csp): scripts, styles, images and fonts only from this site; no inline script or
# style="" on any page (tests/test_production.py checks every page), no plugins, no framing, forms post only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],  # a sign-in server that forms redirect to (CAS) is appended where it is set up
    },
}

# --- Logs with a request id (issue 18, health and logs; docs/operations.md, "Health and logs") ---------------------
# django-guid gives every request an id: the load balancer's X-Request-ID when it sends a valid one (a UUID, e.g.
# nginx's $request_id), else a new one; every log line of the request carries it as `request_id`, and the response
# carries it back in X-Request-ID. Lines go to the console (the journal under systemd): one JSON object a line with
# LOG_FORMAT=json (the default in production), plain text with LOG_FORMAT=text (the default under DEBUG).
LOG_FORMAT = env.str("LOG_FORMAT", default="").strip().lower() or ("text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured("LOG_FORMAT must be json or text.")
LOG_LEVEL = env.str("DJANGO_LOG_LEVEL", default="WARNING")
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,  # anything else sent in the header is replaced by a new id (and a warning logged)
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": False,  # no cross-origin readers
}
if not CELERY_TASK_ALWAYS_EAGER:
    # With a broker, a task carries the id of the request that queued it, and its log lines in the worker show it.
    # Without one a task runs inside the request, whose id its lines carry already (and the integration would
    # replace the request's id by the task's).
    from django_guid.integrations import CeleryIntegration

    DJANGO_GUID["INTEGRATIONS"] = [CeleryIntegration(use_django_logging=True)]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "django_guid.log_filters.CorrelationId", "correlation_id_field": "request_id"},
        "redis_outage": {"()": "tracker.ops.logs.RedisOutage"},
    },
    "formatters": {
        "json": {"()": "pythonjsonlogger.json.JsonFormatter",
                 "fmt": ["asctime", "levelname", "name", "message", "request_id"],
                 "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"}},
        "text": {"format": "{asctime} {levelname} [{request_id}] {name}: {message}", "style": "{"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own lines (the 500s of django.request among them) through the same handler, once.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django_redis.cache": {"filters": ["redis_outage"]},  # a cache call ignored while Redis is away: a warning
        "django_guid": {"level": "WARNING"},  # its INFO lines say, on every request, where the id came from
        "celery": {"level": "INFO"},  # the worker says which task it ran
    },
}
# /healthz (tracker/ops/health.py) answers a load balancer's plain-http probe itself, not with a redirect to https.
SECURE_REDIRECT_EXEMPT = [r"(^|/)healthz$"]
# (end of issue 18, health and logs)

PORTAL_NAME = _("Youth Work Quality Portal")
SIMPLE_HISTORY_REVERT_DISABLED = True  # a revert would bypass the services (and turn versions back)

# --- Sign-in: lockout, session expiry, second factor, university SSO (issue 6) ---
# The code is in tracker/signin/; every variable is documented in .env.example ("Sign-in").
# Axes first: it refuses a locked-out user name before any backend checks the password. It has no get_user(), so
# the test client's force_login() uses ModelBackend and never meets the lockout.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "tracker.signin.cas.PortalCASBackend",  # answers only CAS tickets, and only when CAS_ENABLED
]
# Lockout (django-axes): SIGNIN_FAILURE_LIMIT wrong passwords in a row for one user name from one address lock that
# pair for SIGNIN_LOCKOUT_MINUTES, counted from the last failure. The cool-off is set explicitly: axes' default
# (None) locks until an administrator frees the account, which would strand retired volunteers.
AXES_FAILURE_LIMIT = env.int("SIGNIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("SIGNIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Above the per-name lockout: failures from one address across user names (password spraying) within the cool-off,
# and sign-in posts per address (django-ratelimit, on Django's cache; "30/m" = 30 a minute). Both answer 429.
SIGNIN_ADDRESS_FAILURE_LIMIT = env.int("SIGNIN_ADDRESS_FAILURE_LIMIT", default=20)
SIGNIN_RATE = env.str("SIGNIN_RATE", default="30/m")
AXES_RESET_ON_SUCCESS = True  # a right password clears the count
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # trying again while locked does not move the time shown
AXES_LOCKOUT_CALLABLE = "tracker.signin.lockout.locked_out"
AXES_WHITELIST_CALLABLE = "tracker.signin.lockout.is_never_locked"  # CAS tickets are not passwords
AXES_CLIENT_IP_CALLABLE = "tracker.signin.lockout.client_ip"
# Reverse proxies in front of the portal that append to X-Forwarded-For (nginx on the same host: 1). 0: the
# address is REMOTE_ADDR. Behind nginx with 0, every user would share nginx's address.
SIGNIN_PROXY_COUNT = env.int("SIGNIN_PROXY_COUNT", default=0)
# Inactivity: signed out after this long without a request. The session cookie lasts SESSION_COOKIE_AGE from the
# last refresh; if that is shorter, it wins.
SESSION_IDLE_TIMEOUT = min(timedelta(minutes=env.int("SESSION_IDLE_MINUTES", default=120)),
                           timedelta(seconds=SESSION_COOKIE_AGE))
# Second factor (django-otp, TOTP): administrators must use it; anyone else may enrol on their account page.
OTP_ADMIN_REQUIRED = env.bool("OTP_ADMIN_REQUIRED", default=True)
# The name the phone app shows beside the code.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="") or "关工委优质化建设工作平台"
# University single sign-on (统一身份认证) through CAS (django-cas-ng): off unless CAS_ENABLED. A CAS user signs in
# as the portal account with the same user name; no account is ever created from CAS (the office creates it and
# gives the role).
CAS_ENABLED = env.bool("CAS_ENABLED", default=False)
CAS_SERVER_URL = env.str("CAS_SERVER_URL", default="") or None
CAS_VERSION = env.str("CAS_VERSION", default="3")
CAS_USERNAME_ATTRIBUTE = env.str("CAS_USERNAME_ATTRIBUTE", default="") or "cas:user"
CAS_CREATE_USER = False
CAS_REDIRECT_URL = LOGIN_REDIRECT_URL
CAS_IGNORE_REFERER = True
CAS_LOGIN_MSG = None  # the portal's own pages say what happened
CAS_LOGGED_MSG = None
if CAS_VERSION not in ("1", "2", "3", "CAS_2_SAML_1_0"):
    raise ImproperlyConfigured("CAS_VERSION must be 1, 2, 3 or CAS_2_SAML_1_0.")
if CAS_ENABLED:
    if not CAS_SERVER_URL or not CAS_SERVER_URL.startswith(("https://", "http://")):
        raise ImproperlyConfigured("CAS_SERVER_URL (https://…) must be set when CAS_ENABLED=true.")
    # Signing out of a CAS session posts the sign-out form and is redirected to the CAS server's sign-out page.
    _cas_origin = "/".join(CAS_SERVER_URL.split("/")[:3])
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(_cas_origin)

# --- The JSON API (tracker/api, docs/api.md) ---------------------------------------------------------
# Personal tokens first (their class answers 401 with a WWW-Authenticate header), then the portal's session for its
# own pages (with DRF's CSRF check on writes). Every endpoint needs a signed-in owner; the access rules do the rest.
# Throttling per token (per account for a session) on Django's cache: API_THROTTLE_RATE, e.g. 600/hour, 20/minute.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tracker.api.auth.ApiTokenAuthentication",
        "tracker.api.auth.PortalSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "tracker.api.permissions.ReviewerScope",
    ],
    "DEFAULT_PAGINATION_CLASS": "tracker.api.paging.Pages",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["tracker.api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": env.str("API_THROTTLE_RATE", default="") or "600/hour"},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",  # evidence files
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tracker.api.errors.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,  # scores and rates as "66.67": exact, never a float
}
SPECTACULAR_SETTINGS = {
    "TITLE": "关工委优质化建设工作平台 API",
    "DESCRIPTION": "校数据平台与省级平台读取计划、任务、指标、名册、台账、自评与评议，并提交任务进展和工作台账。"
                   "令牌在“我的账号”中创建；说明见 docs/api.md。",
    "VERSION": "v1",
    # 3.1: a nullable object is oneOf [it, null], exact for validators (3.0's allOf + nullable is not)
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",  # no Redoc page yet: Redoc injects its styles inline, which the portal's CSP refuses
    "COMPONENT_SPLIT_REQUEST": True,  # a request body of its own (multipart where evidence files are uploaded)
    "PATH_CONVERTER_OVERRIDES": {"id": int},  # tracker/org/ids.py: at most 18 digits
    "ENUM_NAME_OVERRIDES": {  # the choice sets that share a field name, each under its own name
        "UnitKindEnum": "tracker.org.models.OrgUnit.Kind",
        "ActivityKindEnum": "tracker.work.models.platforms.Activity.Kind",
        "ReviewStepKindEnum": "tracker.assessments.models.assessments.ReviewStep.Kind",
        "TaskStatusEnum": "tracker.plans.models.Task.Status",
        "AssessmentStatusEnum": "tracker.assessments.models.assessments.Assessment.Status",
        "RectificationStatusEnum": "tracker.assessments.models.assessments.Rectification.Status",
        "QuotaStatusEnum": "tracker.quotas.metrics.QuotaStatus",
    },
}
