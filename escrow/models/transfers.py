"""What the transfer agent's books show for a movement of the shares (issue 11 item 4).

The deposit (EA 1.1: the shares issued in the agent's name) and each release (EA 3.2: the shares
transferred to the seller) are proved by the transfer agent's records, not by the portal's ledger alone:
the date of issue or transfer, the transfer agent, the recipient's account there and the agent's written
confirmation. The reference the transfer agent gave stays on the ledger row (ShareMovement.reference).

Written only by escrow.actions.deposit and escrow.actions.releases, in the transaction that writes the
movement; on PostgreSQL triggers refuse UPDATE, DELETE and TRUNCATE, like the ledger it stands beside.
The confirmation PDF is a StoredDocument of kind TRANSFER_CONFIRMATION (escrow.queries.transfers).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from escrow.models.history import append_only


class TransferEvidence(models.Model):
    """The transfer agent's facts for one deposit or release movement."""

    movement = models.OneToOneField("escrow.ShareMovement", on_delete=models.PROTECT, related_name="evidence")
    deal = models.ForeignKey("escrow.Deal", on_delete=models.PROTECT, related_name="transfer_evidence")
    tranche = models.ForeignKey(
        "escrow.Tranche", on_delete=models.PROTECT, null=True, blank=True, related_name="transfer_evidence"
    )
    # Asia/Shanghai contract date: the day the shares were issued (deposit) or transferred (release); null
    # when the caller did not give it (seeds and callers older than issue 11): shown as not recorded.
    transfer_date = models.DateField(_("date of issue or transfer"), null=True, blank=True)
    transfer_agent = models.CharField(_("transfer agent"), max_length=200, blank=True)
    recipient_account = models.TextField(_("recipient's account"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("transfer evidence")
        verbose_name_plural = _("transfer evidence")
        triggers = append_only("transfer_evidence", "the transfer evidence")

    def __str__(self):
        return f"{self.movement} on {self.transfer_date or '-'} via {self.transfer_agent or '-'}"
