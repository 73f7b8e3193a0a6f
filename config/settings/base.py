"""Settings shared by every environment. Environment-specific files import * from here."""

import os
from datetime import timedelta
from pathlib import Path

from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("ESCROW_VAR_DIR", BASE_DIR / "var"))

SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-local-demo-key-change-me")
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "pgtrigger",
    "parties",
    "escrow",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "parties.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: every dynamic answer (pages, downloads, exports, the API) is no-store.
    "parties.middleware.NoStoreMiddleware",
    # The request's channel (web, or the API token in use) for the history: parties.client.current_channel.
    "parties.middleware.ChannelMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "parties.middleware.SessionTimeoutMiddleware",
    "parties.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so it can turn a locked-out login attempt into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "parties.context_processors.two_factor",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "escrow.sqlite3",
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "parties.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses locked-out attempts before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "escrow:dashboard"
# No LOGOUT_REDIRECT_URL: registration/logged_out.html says the person has signed out.

# guardian: anonymous users hold no deal permission; we never need its anonymous user row.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# ISO 8601 dates in both languages (config/formats/*/formats.py; issue 12 item 2).
FORMAT_MODULE_PATH = ["config.formats"]
USE_TZ = True
# Timestamps are stored in UTC; contract dates are computed for Asia/Shanghai (see escrow.queries.clock).
TIME_ZONE = "Asia/Shanghai"
CONTRACT_TIME_ZONE = "Asia/Shanghai"
# Issue 12 item 9: the demo clock (escrow.models.clock) lets a visitor move the contract date forward. Only
# local.py (the embedded demo) turns it on; production.py refuses to start with it, and every page and action
# of the clock refuses while it is off.
DEMO_CLOCK = False

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
# Documents are private: stored outside any public URL and served only through a permission check.
PRIVATE_STORAGE_ROOT = VAR_DIR / "documents"
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_STORAGE_ROOT, "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # Per-person tokens, hashed, listed and revocable (issue 10 item 3), not DRF's authtoken.
        "parties.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Earn-out escrow portal API",
    "DESCRIPTION": "Deals, tranches, documents, signatures and history of earn-out escrows.",
    "VERSION": "1.0.0",
    # Swagger UI served from the installed sidecar package: no CDN (no network; strict CSP).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The schema and its pages need sign-in (escrow.api.views.docs); any other spectacular view too.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

# Celery runs in UTC; beat only ticks, the sweep decides what is due (DESIGN.md "Time").
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# Publishing fails fast when Redis is down (kombu would otherwise retry for seconds inside the
# request): the action has committed, its outbox row waits for the periodic drain. The visibility
# timeout exceeds any task's run time, so acks_late never redelivers a task that is still running.
REDIS_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_TRANSPORT_OPTIONS
else:
    # Embedded broker for the single-machine demo: kombu's filesystem transport, no server needed.
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # kombu's default is ./control in the work tree
        "store_processed": False,
    }
SWEEP_EVERY_SECONDS = int(os.environ.get("SWEEP_EVERY_SECONDS", "300"))
# Beat only ticks; exactly one beat process (a second one is harmless: the sweep is idempotent).
# A tick not started before the next one is due expires instead of piling up behind a stopped worker.
CELERY_BEAT_SCHEDULE = {
    "sweep": {
        "task": "escrow.tasks.sweep",
        "schedule": SWEEP_EVERY_SECONDS,
        "options": {"expires": SWEEP_EVERY_SECONDS},
    },
    "drain-outbox": {"task": "escrow.tasks.drain_outbox", "schedule": 60, "options": {"expires": 60}},
}

# What an outbox email may carry, built as it is sent (escrow.notifications.outbox): kind -> builder, by dotted
# name. Issue 14 item 6: the monthly statement's PDF, the reader's own, in their language.
OUTBOX_ATTACHMENTS = {"statement": "escrow.queries.statements.statement_attachment"}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "escrow-portal@localhost")
# Where the portal is reached from outside: each notification email links to its page under it (issue 12 item 7;
# escrow.notifications.email). Required in production (docs/deployment.md).
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://localhost:8000").rstrip("/")

SESSION_COOKIE_AGE = 60 * 60 * 8
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Idle sessions end earlier than SESSION_COOKIE_AGE (parties.middleware.SessionTimeoutMiddleware).
SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", 60 * 30))

# Two-factor: people whose organisation plays issuer, purchaser, seller or escrow agent on a deal
# must enrol a TOTP device before they use the portal when this is True (production).
TWO_FACTOR_REQUIRED = True
OTP_TOTP_ISSUER = "Escrow portal"
# Signatory register (issue 10 item 1): a confirmed change takes effect no earlier than this many hours
# after it was proposed, so every party has time to object (escrow.actions.register).
SIGNATORY_COOLING_OFF_HOURS = int(os.environ.get("SIGNATORY_COOLING_OFF_HOURS", "24"))
# Login throttling (django-axes): 5 failures for one username from one address lock it for 30 min.
# Keyed on the pair so that nobody can lock a signatory out from elsewhere before a deadline.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "parties.views.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# The client's address, for axes as for signatures and the history: parties.client, one place.
AXES_CLIENT_IP_CALLABLE = "parties.client.client_ip"
# Direct connections: the socket address is the client. Production trusts the proxy's header.
CLIENT_IP_HEADERS = ("REMOTE_ADDR",)
CLIENT_IP_PROXY_COUNT = None

# Security headers. CSP is strict: no inline script or style anywhere (django-csp 4).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# The history's keys and witnesses (issue 10 item 4; docs/deployment.md "Keys").
# Entry hashes are HMAC-SHA256 with a key that never lives in the database: HISTORY_HMAC_KEYS is
# "id:secret,id:secret", newest first; the first is current unless HISTORY_HMAC_CURRENT names another.
# Old keys stay listed so the entries they hashed still verify. The default is a DEMO key, NOT FOR
# PRODUCTION: production.py refuses to start without HISTORY_HMAC_KEYS.
HISTORY_HMAC_KEYS = dict(
    item.split(":", 1)
    for item in os.environ.get("HISTORY_HMAC_KEYS", "demo:demo-history-key-NOT-FOR-PRODUCTION").split(",")
    if ":" in item
)
HISTORY_HMAC_CURRENT = os.environ.get("HISTORY_HMAC_CURRENT") or next(iter(HISTORY_HMAC_KEYS))
# Entries written before the keys existed carry key id "" (plain SHA-256). They verify when a keyed entry
# follows them in their chain; a chain that is plain to its head verifies only while this is "1".
HISTORY_ACCEPT_PLAIN_SHA256 = os.environ.get("HISTORY_ACCEPT_PLAIN_SHA256", "") == "1"
# The platform's signing key and X.509 certificate (PEM): daily checkpoints, and the documents' seal.
# Unset outside production: a self-signed DEMO pair is generated under var/platform (NOT FOR PRODUCTION).
PLATFORM_KEY_FILE = os.environ.get("PLATFORM_KEY_FILE", "")
PLATFORM_CERT_FILE = os.environ.get("PLATFORM_CERT_FILE", "")
PLATFORM_PREVIOUS_CERT_FILES = [p for p in os.environ.get("PLATFORM_PREVIOUS_CERT_FILES", "").split(",") if p]
PLATFORM_DEMO_KEY_DIR = VAR_DIR / "platform"
# An RFC 3161 timestamp authority for the checkpoints (none when empty), and the certificate it is trusted by.
TSA_URL = os.environ.get("TSA_URL", "")
TSA_CERT_FILE = os.environ.get("TSA_CERT_FILE", "")
# The daily checkpoint of every chain's head: beat ticks hourly, the action makes the contract day's
# (Asia/Shanghai) checkpoint once, the first tick after midnight Beijing time.
CELERY_BEAT_SCHEDULE["checkpoint"] = {"task": "escrow.tasks.checkpoint", "schedule": 3600, "options": {"expires": 3600}}
# The nightly verification (issue 10 item 5): every chain walked, every deal reconciled with its history,
# compliance alerted on a failure; beat ticks hourly, the day's VerificationRun row makes it run once a day.
CELERY_BEAT_SCHEDULE["verify-records"] = {
    "task": "escrow.tasks.verify_records",
    "schedule": 3600,
    "options": {"expires": 3600},
}
# Issue 14 item 6: the monthly statements, announced to each party once the month has ended (Beijing); beat ticks
# hourly, the notifications' dedupe keys (`statement:<deal>:<role>:<YYYY-MM>`) make the month's other ticks no-ops.
CELERY_BEAT_SCHEDULE["send-statements"] = {
    "task": "escrow.tasks.send_statements",
    "schedule": 3600,
    "options": {"expires": 3600},
}
