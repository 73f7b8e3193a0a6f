"""The nightly verification's record: one row per contract day (issue 10 item 5)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VerificationRun(models.Model):
    """What the nightly walk of every chain and the reconciliation of every deal found on one day.
    The unique day makes the hourly tick run it once (escrow.actions.verification)."""

    day = models.DateField(_("contract day (Beijing time)"), unique=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField(null=True)
    chains = models.PositiveIntegerField(default=0)
    deals = models.PositiveIntegerField(default=0)
    # [{"deal": slug or null, "problem": "..."}]: the first difference of each deal, each broken chain.
    failures = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("nightly verification")
        verbose_name_plural = _("nightly verifications")

    def __str__(self):
        outcome = "running" if self.ok is None else ("ok" if self.ok else f"{len(self.failures)} failures")
        return f"{self.day}: {outcome}"
