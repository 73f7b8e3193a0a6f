"""Sending the outbox: rows claimed with SELECT ... FOR UPDATE SKIP LOCKED, marked sent once."""
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import OutboxMessage

BATCH = 100


def drain(batch=BATCH):
    sent = 0
    while True:
        with transaction.atomic():
            rows = list(OutboxMessage.objects.select_for_update(skip_locked=True)
                        .filter(sent_at__isnull=True).order_by("id")[:batch])
            if not rows:
                return sent
            for row in rows:
                _send(row)
                sent += 1 if row.sent_at else 0
        if len(rows) < batch:
            return sent


def _send(row):
    row.attempts += 1
    try:
        send_mail(row.subject, row.body, settings.DEFAULT_FROM_EMAIL, [row.to_email])
        row.sent_at = timezone.now()
        row.last_error = ""
    except Exception as exc:  # keep the row for the next drain; record why
        row.last_error = str(exc)[:1000]
    row.save(update_fields=["attempts", "sent_at", "last_error"])
