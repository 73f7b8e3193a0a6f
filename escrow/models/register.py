"""The deal's signatory register (issue 10 item 1): signing power comes from here, never from organisation
membership. An entry takes effect only after an escrow-agent officer other than the proposer confirmed it and
the cooling-off period passed (escrow.actions.register); until then `effective_at` is empty."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Signatory(models.Model):
    """A person authorised to sign or approve for one party on one deal, with the details an officer
    calls back on (EA 3.2 practice) and compares a signature against."""

    deal = models.ForeignKey("escrow.Deal", on_delete=models.PROTECT, related_name="signatories")
    party = models.ForeignKey("escrow.DealParty", on_delete=models.PROTECT, related_name="signatories")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signatory_entries")
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title"), max_length=200)
    phone = models.CharField(_("telephone"), max_length=50)
    email = models.EmailField(_("email"))
    specimen = models.TextField(_("specimen signature and identity document"), blank=True)
    effective_at = models.DateTimeField(_("on the register since"), null=True, blank=True)
    removed_at = models.DateTimeField(_("removed from the register at"), null=True, blank=True)

    class Meta:
        ordering = ["deal", "party", "name"]
        verbose_name = _("signatory")
        verbose_name_plural = _("signatories")
        constraints = [
            models.UniqueConstraint(
                fields=["party", "person"], condition=Q(removed_at__isnull=True), name="one_live_entry_per_person"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.title})"

    @property
    def is_active(self) -> bool:
        return self.effective_at is not None and self.removed_at is None
