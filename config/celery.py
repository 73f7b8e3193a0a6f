"""Celery app. Beat only ticks the sweep; the sweep finds due work in the database."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("escrow_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
