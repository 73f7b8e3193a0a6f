"""Embedded single-machine demo: SQLite, filesystem broker (or REDIS_URL), console email."""
from .base import *  # noqa: F401,F403
from .base import VAR_DIR

DEBUG = True
VAR_DIR.mkdir(parents=True, exist_ok=True)
