"""The seller's rights on the escrowed shares: dividends passed through and votes lodged (SPA 3.2, EA 1.3).

Written only by escrow.actions.holdings. The seller's entitlement is never typed: it is read from the share
ledger at the record date (escrow.queries.holdings) and frozen on the row when the escrow agent records the
pass-through or the proxy, so the history and the row say the same figure.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Dividend(models.Model):
    """A dividend the issuer declared on its shares; the seller is entitled to it on the escrowed shares."""

    class Kind(models.TextChoices):
        CASH = "cash", _("Cash dividend")
        SHARES = "shares", _("Stock dividend")

    class Policy(models.TextChoices):
        PRO_RATA = "pro-rata", _("Pro rata to what remains in escrow per tranche")
        NEXT_TRANCHE = "next-tranche", _("With the next tranche to be released")
        LAST_TRANCHE = "last-tranche", _("With the last tranche")

    deal = models.ForeignKey("escrow.Deal", on_delete=models.PROTECT, related_name="dividends")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    declared_on = models.DateField(_("declared on"))
    record_date = models.DateField(_("record date"))
    payment_date = models.DateField(_("payment date"))
    per_share = models.DecimalField(_("amount per share"), max_digits=24, decimal_places=8)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    stock_policy = models.CharField(
        _("which tranches new shares follow"), max_length=20, choices=Policy.choices, default=Policy.PRO_RATA
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    # The escrow agent's pass-through (EA 1.3), the entitlement frozen as computed then.
    entitled_shares = models.PositiveBigIntegerField(null=True, blank=True)
    entitlement = models.DecimalField(max_digits=30, decimal_places=8, null=True, blank=True)
    passed_on = models.DateField(_("paid to the seller on"), null=True, blank=True)
    pass_reference = models.CharField(_("payment reference"), max_length=200, blank=True)
    paid_amount = models.DecimalField(_("amount paid"), max_digits=30, decimal_places=2, null=True, blank=True)
    withholding_amount = models.DecimalField(
        _("amount withheld"), max_digits=30, decimal_places=2, null=True, blank=True
    )
    withholding_note = models.TextField(_("withholding note"), blank=True)
    passed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    passed_at = models.DateTimeField(null=True, blank=True)
    receipt_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    receipt_confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["record_date", "id"]
        verbose_name = _("dividend")
        constraints = [
            models.CheckConstraint(condition=Q(per_share__gt=0), name="dividend_per_share_positive"),
            models.CheckConstraint(
                condition=Q(record_date__gte=models.F("declared_on")), name="dividend_record_after_declared"
            ),
            models.CheckConstraint(
                condition=Q(payment_date__gte=models.F("record_date")), name="dividend_paid_after_record"
            ),
            models.CheckConstraint(
                condition=Q(receipt_confirmed_at__isnull=True) | Q(passed_at__isnull=False),
                name="dividend_receipt_after_pass_through",
            ),
        ]

    def __str__(self):
        amount = f"{self.per_share.normalize()} {self.currency}".strip()
        return f"{self.get_kind_display()} {amount} per share, record date {self.record_date}"


class Meeting(models.Model):
    """A shareholder meeting: the seller instructs the vote of the escrowed shares, the agent lodges the proxy."""

    deal = models.ForeignKey("escrow.Deal", on_delete=models.PROTECT, related_name="meetings")
    record_date = models.DateField(_("record date"))
    meeting_date = models.DateField(_("meeting date"))
    resolutions = models.JSONField(default=list)  # [{"number": 1, "text": "..."}]
    cut_off = models.DateTimeField(_("instructions by"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    lodged_on = models.DateField(_("proxy lodged on"), null=True, blank=True)
    lodged_reference = models.CharField(_("proxy reference"), max_length=200, blank=True)
    lodged_instruction = models.ForeignKey(
        "escrow.VotingInstruction", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lodged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lodged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting_date", "id"]
        verbose_name = _("shareholder meeting")
        constraints = [
            models.CheckConstraint(condition=Q(meeting_date__gte=models.F("record_date")), name="meeting_after_record"),
        ]

    def __str__(self):
        return f"Shareholder meeting on {self.meeting_date} (record date {self.record_date})"


class VotingInstruction(models.Model):
    """The seller's instruction, one choice per resolution; a later one before the cut-off replaces it."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="instructions")
    choices = models.JSONField()  # {"1": "for", "2": "against", ...}
    shares = models.PositiveBigIntegerField()  # in escrow at the record date
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    given_at = models.DateTimeField()

    class Meta:
        ordering = ["given_at", "id"]
        verbose_name = _("voting instruction")

    def __str__(self):
        return f"Voting instruction for {self.meeting} given at {self.given_at:%Y-%m-%d %H:%M}"
