"""Test settings. DATABASE_URL selects PostgreSQL (bin/test sets it); SQLite otherwise."""
import os
import tempfile
from pathlib import Path

import dj_database_url

from .base import *  # noqa: F401,F403

_tmp = Path(tempfile.mkdtemp(prefix="escrow-test-"))
PRIVATE_STORAGE_ROOT = _tmp / "documents"
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
CELERY_TASK_ALWAYS_EAGER = False
