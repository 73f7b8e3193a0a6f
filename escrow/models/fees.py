"""The escrow fee invoices (EA 4.4, EA 2; issue 14 item 5). Written by escrow.actions.fees only."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from escrow.contract.fees import PAYERS, payer_shares


class FeeInvoice(models.Model):
    """One invoice per started escrow year: USD 5,000 (EA 4.4), payer per P9 at the time of issue."""

    deal = models.ForeignKey("escrow.Deal", on_delete=models.PROTECT, related_name="fee_invoices")
    year = models.PositiveSmallIntegerField(_("escrow year"))
    number = models.CharField(_("invoice number"), max_length=80, unique=True)
    issued_on = models.DateField(_("date of issue"))
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    due_on = models.DateField(_("due date"))
    payer = models.CharField(_("payer (P9)"), max_length=20, choices=[(p, p) for p in PAYERS])
    # The agent who issued it; None when the sweep did, on the first day of the year (escrow.actions.fees).
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField()
    paid_on = models.DateField(_("date paid"), null=True, blank=True)
    paid_reference = models.CharField(_("payment reference"), max_length=200, blank=True)
    paid_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    paid_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["deal", "year"]
        verbose_name = _("escrow fee invoice")
        verbose_name_plural = _("escrow fee invoices")
        constraints = [
            models.UniqueConstraint(fields=["deal", "year"], name="one_fee_invoice_per_escrow_year"),
            models.CheckConstraint(condition=Q(year__gte=1), name="fee_year_from_one"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="fee_amount_positive"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="fee_period_ordered"),
            models.CheckConstraint(
                condition=Q(paid_on__isnull=True) | ~Q(paid_reference=""), name="fee_paid_has_reference"
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def paid(self) -> bool:
        return self.paid_on is not None

    @property
    def shares(self) -> dict:
        """Role -> amount owed of this invoice (P9 as issued)."""
        return payer_shares(self.payer, self.amount)

    @property
    def payer_roles(self) -> tuple:
        return tuple(self.shares)
