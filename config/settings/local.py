"""Embedded single-machine demo: SQLite, filesystem broker (or REDIS_URL), console email."""

from .base import *
from .base import VAR_DIR

# DEBUG off, as a visitor should see the demo: the portal's own 404 and 500 pages, never Django's debug page
# listing every URL. WhiteNoise (already in MIDDLEWARE) serves the static files straight from the apps' and
# static/ folders, so runserver needs neither --insecure nor collectstatic.
DEBUG = False
WHITENOISE_USE_FINDERS = True
# The demo's contract clock (issue 12 item 9): the header moves the date forward and sweeps each day passed.
DEMO_CLOCK = True
(VAR_DIR / "staticfiles").mkdir(parents=True, exist_ok=True)
# kombu's filesystem transport needs its folders to exist before the first message.
(VAR_DIR / "broker" / "processed").mkdir(parents=True, exist_ok=True)
# The demo stays usable without an authenticator app: enrolment is offered, not enforced.
TWO_FACTOR_REQUIRED = False
# A demo clock move sweeps every day passed in one transaction (seconds for a year): the worker's own sweep
# waits for SQLite's write lock instead of failing after the default 5 s.
DATABASES["default"]["OPTIONS"] = {"timeout": 30}
# The web process and the Celery worker share one cache (calendar versions, re-authentication counts):
# files under var/ here, Redis in production.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "cache")}
}
