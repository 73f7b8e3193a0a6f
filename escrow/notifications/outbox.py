"""Sending the outbox: rows claimed with SELECT ... FOR UPDATE SKIP LOCKED, marked sent once.

Each row is sent as one email with a text and an HTML part (issue 12 item 7), both written in the
recipient's language when the notification was (escrow.notifications.email).

A row may name an attachment (OutboxMessage.attachment): its builder, named by kind in
settings.OUTBOX_ATTACHMENTS (config wires it by dotted name, as beat names tasks: the builders read the
ledger, a layer above this one), makes the file as the row is sent; a builder that fails keeps the row
for the next drain, so an email never leaves without the file it promises.

Several workers drain at once without sending a row twice: a row locked by one is skipped by the
others. A row whose send fails keeps its error and waits for the next drain.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from escrow.models import OutboxMessage

BATCH = 100


def drain(batch=BATCH):
    """Send every pending row once in this run; returns the number sent."""
    sent, after = 0, 0
    while True:
        with transaction.atomic():
            # The id cursor makes a run finite: rows that failed are not retried until the next run.
            rows = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(sent_at__isnull=True, id__gt=after)
                .order_by("id")[:batch]
            )
            for row in rows:
                _send(row)
                sent += 1 if row.sent_at else 0
        if len(rows) < batch:
            return sent
        after = rows[-1].id


def _send(row):
    row.attempts += 1
    try:
        _message(row).send()
        row.sent_at = timezone.now()
        row.last_error = ""
    except Exception as exc:  # keep the row for the next drain; record why
        row.last_error = str(exc)[:1000]
    row.save(update_fields=["attempts", "sent_at", "last_error"])


def _message(row) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(row.subject, row.body, settings.DEFAULT_FROM_EMAIL, [row.to_email])
    if row.html_body:  # rows written before the HTML part existed go out as text
        message.attach_alternative(row.html_body, "text/html")
    if row.attachment:
        attached = _attachment(row)
        if attached is not None:
            message.attach(*attached)
    return message


def _attachment(row):
    """(filename, bytes, MIME type) built for this row's recipient, or None when the builder finds they may no
    longer read it (the email's link still asks them to sign in)."""
    build = import_string(settings.OUTBOX_ATTACHMENTS[row.attachment["kind"]])
    user = row.notification.user if row.notification_id else None
    return build(row.attachment, user)
