"""Justified pauses of a release: dispute (EA 3.3), suspension (SPA 8.1), adjustment (SPA 5.3)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Hold(models.Model):
    """A recorded stop of the clock, with who started and ended it, and why (SPA 8.2 'justified')."""

    class Kind(models.TextChoices):
        DISPUTE = "dispute", _("Dispute over the quantity (EA 3.3)")
        SUSPENSION = "suspension", _("Suspension for the seller's breach (SPA 8.1)")
        ADJUSTMENT = "adjustment", _("Agreed adjustment of timing (SPA 5.3)")

    tranche = models.ForeignKey("escrow.Tranche", on_delete=models.PROTECT, related_name="holds")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reason = models.TextField()
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_for = models.ForeignKey("escrow.DealParty", on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    started_on = models.DateField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.TextField(blank=True)
    resolving_document = models.ForeignKey(
        "escrow.StoredDocument", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["tranche", "started_at"]
        constraints = [
            # At most one open hold per tranche: the state machine has one hold state at a time.
            models.UniqueConstraint(
                fields=["tranche"], condition=Q(ended_at__isnull=True), name="one_open_hold_per_tranche"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.tranche}"
