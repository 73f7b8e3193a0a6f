"""The tamper-evident history: hash-chained, append-only audit entries.

One chain per deal (key "deal:<id>") and one for account security ("accounts"). Each entry carries
the SHA-256 of the previous entry of its chain, so an edited, removed or reordered entry breaks the
chain; a saved head hash also catches a truncated tail. On PostgreSQL a trigger refuses UPDATE and
DELETE (migration 0002).
"""
from django.conf import settings
from django.db import models


class AuditChain(models.Model):
    """The head of one chain: locked while an entry is appended, so entries never fork."""

    key = models.CharField(max_length=50, unique=True)
    length = models.PositiveBigIntegerField(default=0)
    head_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self):
        return f"{self.key} ({self.length})"


class AuditEntry(models.Model):
    chain = models.ForeignKey(AuditChain, on_delete=models.PROTECT, related_name="entries")
    seq = models.PositiveBigIntegerField()
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    actor_name = models.CharField(max_length=200, blank=True)
    acting_for = models.CharField(max_length=200, blank=True)
    deal = models.ForeignKey("escrow.Deal", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="history")
    tranche = models.ForeignKey("escrow.Tranche", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="history")
    action = models.CharField(max_length=60)
    from_state = models.CharField(max_length=30, blank=True)
    to_state = models.CharField(max_length=30, blank=True)
    clause = models.CharField(max_length=100, blank=True)
    summary = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["chain", "seq"]
        verbose_name_plural = "audit entries"
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="one_entry_per_position")]

    def __str__(self):
        return f"{self.chain.key}#{self.seq} {self.action}"
