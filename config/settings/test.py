"""Test settings. DATABASE_URL selects PostgreSQL (bin/test sets it); SQLite otherwise."""

import os
import tempfile
from pathlib import Path

import dj_database_url

from .base import *

_tmp = Path(tempfile.mkdtemp(prefix="escrow-test-"))
PRIVATE_STORAGE_ROOT = _tmp / "documents"
STATIC_ROOT = _tmp / "staticfiles"
STATIC_ROOT.mkdir()
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_STORAGE_ROOT, "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": _tmp / "db.sqlite3"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A Celery worker started by the tests (tests/escrow/deadlines) is another process: it is pointed at
# the test database by DATABASE_URL, at the test Redis by REDIS_URL (base.py), and writes its emails
# to files the test can read.
if os.environ.get("TEST_EMAIL_FILE_PATH"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["TEST_EMAIL_FILE_PATH"]
CELERY_TASK_ALWAYS_EAGER = False
if not REDIS_URL:
    _broker = _tmp / "broker"
    (_broker / "processed").mkdir(parents=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker),
        "data_folder_out": str(_broker),
        "processed_folder": str(_broker / "processed"),
        "store_processed": False,
        "control_folder": str(_broker / "control"),
    }
TWO_FACTOR_REQUIRED = False
# Client.login() calls authenticate() without a request, which axes refuses; tests/parties turn
# axes on where the lockout itself is under test (it reads the setting at call time).
AXES_ENABLED = False
