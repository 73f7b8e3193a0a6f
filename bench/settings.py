"""The benchmarks' settings: the test settings (DEBUG off, same middleware as production) with the bare
view's route added (bench/urls.py). DATABASE_URL names the PostgreSQL database."""

from config.settings.test import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
DEBUG = False
