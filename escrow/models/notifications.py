"""Notifications as rows: in-app list and an outbox drained after commit (nothing lost)."""

from django.conf import settings
from django.db import models


class Notification(models.Model):
    """What a person sees in the portal. dedupe_key makes a repeated sweep harmless."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications")
    deal = models.ForeignKey("escrow.Deal", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    tranche = models.ForeignKey("escrow.Tranche", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    clause = models.CharField(max_length=60, blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    # The message ids and parameters of subject and body (escrow.notifications.texts.as_data), so a page
    # shows them in the language the reader reads now; null for older rows (their stored text is shown).
    message = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.subject


class OutboxMessage(models.Model):
    """An email written in the same transaction as the action; the worker sends it after commit
    (SELECT ... FOR UPDATE SKIP LOCKED), so a broker outage delays it and loses nothing."""

    notification = models.OneToOneField(
        Notification, on_delete=models.PROTECT, null=True, blank=True, related_name="outbox"
    )
    to_email = models.EmailField()
    subject = models.CharField(max_length=300)
    body = models.TextField()  # the text part (escrow.notifications.email)
    html_body = models.TextField(blank=True)  # the HTML part; empty on rows written before issue 12
    # What to attach, built when the row is sent (settings.OUTBOX_ATTACHMENTS names the builder of each kind):
    # a few keys, never the file, so no document sits in a row and nothing leaves but through the outbox.
    # E.g. {"kind": "statement", "deal": 1, "role": "seller", "start": "2027-01-01", "end": "2027-01-31",
    # "language": "zh-hans"}: the reader's own statement in the language the email was written in.
    attachment = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["sent_at", "created_at"], name="outbox_pending")]

    def __str__(self):
        return f"{self.to_email}: {self.subject}"
