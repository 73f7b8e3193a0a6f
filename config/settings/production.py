"""Production: everything from the environment. PostgreSQL and Redis are required."""

import os

import dj_database_url

from .base import *
from .base import CONTENT_SECURITY_POLICY, DEMO_CLOCK


def _required(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"Set the environment variable {name} for production settings.")
    return value


DEBUG = False
# The demo clock moves contract dates by hand (issue 12 item 9): never in production, whatever imports this.
if DEMO_CLOCK or os.environ.get("DEMO_CLOCK"):
    raise RuntimeError("DEMO_CLOCK is for the demo (config.settings.local) only; unset it for production settings.")
SECRET_KEY = _required("SECRET_KEY")
ALLOWED_HOSTS = _required("ALLOWED_HOSTS").split(",")
DATABASES = {"default": dj_database_url.parse(_required("DATABASE_URL"), conn_max_age=60)}
REDIS_URL = _required("REDIS_URL")
# The history's HMAC keys and the platform's signing pair (base.py reads them; never the demo ones here).
_required("HISTORY_HMAC_KEYS")
_required("PLATFORM_KEY_FILE")
_required("PLATFORM_CERT_FILE")
# Every notification email links to its page under this address (https://escrow.example.com).
PORTAL_BASE_URL = _required("PORTAL_BASE_URL").rstrip("/")
CELERY_BROKER_URL = REDIS_URL
# Shared by every web process and worker: the calendar versions (escrow.queries.clock). The re-authentication
# throttle lives in the database (parties.ReauthFailures), so signing never needs Redis.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("CACHE_URL", REDIS_URL),
    }
}
CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_TRANSPORT_OPTIONS
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
PRIVATE_STORAGE_ROOT = os.environ.get("PRIVATE_STORAGE_ROOT", "/var/lib/escrow/documents")
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_STORAGE_ROOT, "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "") == "1"

# Behind a TLS-terminating reverse proxy.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
# Everyone who can sign or approve must enrol an authenticator before using the portal.
TWO_FACTOR_REQUIRED = True
CONTENT_SECURITY_POLICY = {"DIRECTIVES": {**CONTENT_SECURITY_POLICY["DIRECTIVES"], "upgrade-insecure-requests": True}}

# Behind the reverse proxy (parties.client: signatures, history, axes). REMOTE_ADDR is the proxy
# itself: trusting it would record the proxy as every signer's address and lock everybody out at once.
# The proxy appends the address it saw to X-Forwarded-For, so the right-most entry is the client.
# PROXY_COUNT: set it only if the header always lists exactly that many proxies after the client
# (python-ipware then refuses headers of any other length). AXES_PROXY_COUNT is its former name.
CLIENT_IP_HEADERS = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
_proxy_count = os.environ.get("PROXY_COUNT") or os.environ.get("AXES_PROXY_COUNT")
CLIENT_IP_PROXY_COUNT = int(_proxy_count) if _proxy_count else None
