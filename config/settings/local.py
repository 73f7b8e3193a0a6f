"""Embedded single-machine demo: SQLite, filesystem broker (or REDIS_URL), console email."""

from .base import *
from .base import VAR_DIR

DEBUG = True
(VAR_DIR / "staticfiles").mkdir(parents=True, exist_ok=True)
# kombu's filesystem transport needs its folders to exist before the first message.
(VAR_DIR / "broker" / "processed").mkdir(parents=True, exist_ok=True)
# The demo stays usable without an authenticator app: enrolment is offered, not enforced.
TWO_FACTOR_REQUIRED = False
# The web process and the Celery worker share one cache (calendar versions, re-authentication counts):
# files under var/ here, Redis in production.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "cache")}
}
