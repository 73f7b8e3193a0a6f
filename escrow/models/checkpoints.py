"""Daily signed checkpoints of every history chain's head (issue 10 item 4).

A checkpoint witnesses the history outside the database: its payload (every chain's key, length and head
hash) is signed with the platform's key, timestamped by an RFC 3161 authority when TSA_URL is set, and each
deal's head goes to that deal's parties (their portal inbox). A database owner who rewrites a chain, even
recomputing it with the right HMAC key, or cuts its tail, no longer matches a checkpoint (verify_history).
"""

from django.db import models

from escrow.models.history import append_only


class Checkpoint(models.Model):
    """One per contract day (Asia/Shanghai); append-only like the history it witnesses."""

    day = models.DateField(unique=True)
    made_at = models.DateTimeField()
    # The exact signed bytes (canonical JSON, UTF-8): verification re-reads them, never re-serialises.
    payload = models.TextField()
    digest = models.CharField(max_length=64)  # SHA-256 of the payload, hex: what the parties' copies quote
    signature = models.TextField()  # base64 of the platform key's signature over the payload
    certificate = models.TextField()  # the signing certificate, PEM
    # An RFC 3161 TimeStampToken (DER) over SHA-256(payload), when a timestamp authority was configured.
    timestamp_token = models.BinaryField(null=True, blank=True)
    tsa_url = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["day"]
        triggers = append_only("checkpoint", "the checkpoint record")

    def __str__(self):
        return f"checkpoint {self.day.isoformat()}"
