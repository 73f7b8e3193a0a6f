"""Splits and consolidations of the issuer's shares during the escrow (issue 14 item 4).

Proposed by the issuer, confirmed by the escrow agent (two actions, four eyes across parties); the
arithmetic is escrow.contract.corporate_actions, the writers escrow.actions.corporate_actions.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from escrow.contract.corporate_actions import FLOOR, ROUND_UP, Ratio


class CorporateAction(models.Model):
    """A split or consolidation `ratio_new:ratio_old` from `effective_date`, with its fractional-share
    policy (the issuer's own terms for the action). `rebase` is what the confirmation did: the balance
    and each tranche before and after, and each tranche's size after (escrow.contract.corporate_actions)."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Proposed by the issuer")
        CONFIRMED = "confirmed", _("Confirmed by the escrow agent")

    class Policy(models.TextChoices):
        ROUND_UP = ROUND_UP, _("Round each fractional entitlement up to a whole share")
        FLOOR = FLOOR, _("Round down and report the fraction of a share")

    deal = models.ForeignKey("escrow.Deal", on_delete=models.PROTECT, related_name="corporate_actions")
    ratio_new = models.PositiveIntegerField(_("new shares"))
    ratio_old = models.PositiveIntegerField(_("for old shares"))
    effective_date = models.DateField(_("effective date"))
    fraction_policy = models.CharField(_("fractional shares"), max_length=20, choices=Policy.choices)
    new_ticker = models.CharField(_("new ticker"), max_length=20, blank=True)
    new_cusip = models.CharField(_("new CUSIP"), max_length=20, blank=True)
    terms = models.CharField(_("the issuer's announcement or terms"), max_length=500, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    rebase = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["deal", "effective_date", "id"]
        verbose_name = _("corporate action")
        verbose_name_plural = _("corporate actions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ratio_new__gte=1) & Q(ratio_old__gte=1) & ~Q(ratio_new=F("ratio_old")),
                name="corporate_action_ratio",
            ),
            models.CheckConstraint(condition=Q(fraction_policy__in=[ROUND_UP, FLOOR]), name="corporate_action_policy"),
            models.UniqueConstraint(
                fields=["deal"], condition=Q(state="proposed"), name="one_proposed_corporate_action_per_deal"
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.ratio} on {self.effective_date}"

    @property
    def ratio(self) -> Ratio:
        return Ratio(self.ratio_new, self.ratio_old)

    @property
    def kind(self) -> str:
        """'split' or 'consolidation'."""
        return self.ratio.kind

    @property
    def sizes(self) -> dict:
        """Year -> tranche size after the confirmation (empty while proposed)."""
        return {int(k): int(v) for k, v in (self.rebase.get("sizes") or {}).items()}
