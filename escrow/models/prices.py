"""Market data and the delay penalty (SPA 8.2, EA 5.2)."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class SharePrice(models.Model):
    """A NASDAQ closing price, entered or imported by the issuer or staff; never invented."""

    ticker = models.CharField(max_length=20)
    day = models.DateField()
    close = models.DecimalField(max_digits=14, decimal_places=4)
    currency = models.CharField(max_length=3, default="USD")
    source = models.CharField(max_length=100, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ticker", "day"]
        constraints = [
            models.UniqueConstraint(fields=["ticker", "day"], name="one_close_per_day"),
            models.CheckConstraint(condition=Q(close__gt=0), name="close_positive"),
        ]

    def __str__(self):
        return f"{self.ticker} {self.day}: {self.close}"


class PenaltyDay(models.Model):
    """One day of delay on one tranche, accrued once (unique tranche + day) by the sweep.

    Money is stored exactly (8 decimal places: 0.01% x whole shares x a close of 4 decimals), so the
    capped figures add up to the cent and beyond: `amount` is the day's 0.01% of the market value,
    `charged` what the day adds to the total under the cap (SPA 8.2), `running_total` the sum of the
    charged amounts so far. A party's share is the sum of its days' `charged`.
    """

    tranche = models.ForeignKey("escrow.Tranche", on_delete=models.PROTECT, related_name="penalty_days")
    day = models.DateField()
    liable = models.CharField(max_length=20, blank=True)  # issuer | escrow_agent | "" (nobody)
    reason = models.CharField(max_length=300)
    clause = models.CharField(max_length=60, blank=True)
    shares = models.PositiveBigIntegerField(default=0)
    price = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    price_date = models.DateField(null=True, blank=True)
    amount = models.DecimalField(max_digits=24, decimal_places=8, null=True, blank=True)
    charged = models.DecimalField(max_digits=24, decimal_places=8, null=True, blank=True)
    running_total = models.DecimalField(max_digits=24, decimal_places=8, default=0)
    cap = models.DecimalField(max_digits=24, decimal_places=8, null=True, blank=True)
    capped = models.BooleanField(default=False)
    missing_price = models.BooleanField(default=False)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tranche", "day"]
        constraints = [models.UniqueConstraint(fields=["tranche", "day"], name="one_penalty_row_per_day")]

    def __str__(self):
        return f"{self.tranche} {self.day}: {self.charged}"
