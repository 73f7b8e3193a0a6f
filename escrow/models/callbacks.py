"""The call-back before a release (issue 10 item 2; EA 3.2 four eyes plus the banks' call-back practice).

Before the second officer approves a transfer, an escrow-agent officer telephones a registered signatory of
the issuer or the purchaser, other than the person who signed the joint instruction last, on the number the
register holds, and records what was said. A call-back is about one instrument, identified by its SHA-256:
a new instruction (a settlement, an award, an adjustment) needs a new call-back.

Written only by escrow.actions.callbacks; on PostgreSQL a trigger refuses UPDATE and DELETE, so a recorded
call-back cannot be turned into another one afterwards.
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from escrow.models.history import Refuse


class CallBack(models.Model):
    """One telephone call by an escrow-agent officer to a registered signatory about one instruction."""

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed the instruction")
        NOT_CONFIRMED = "not_confirmed", _("Did not confirm the instruction")
        NO_ANSWER = "no_answer", _("No answer")

    tranche = models.ForeignKey("escrow.Tranche", on_delete=models.PROTECT, related_name="call_backs")
    instrument = models.ForeignKey("escrow.Instrument", on_delete=models.PROTECT, related_name="call_backs")
    instrument_sha256 = models.CharField(_("SHA-256 of the instruction confirmed"), max_length=64)
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signatory = models.ForeignKey("escrow.Signatory", on_delete=models.PROTECT, related_name="call_backs")
    # Copied from the register when the call is made: a later change of the register leaves the record as it was.
    number_called = models.CharField(_("number called"), max_length=50)
    called_at = models.DateTimeField(_("called at"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["tranche", "called_at", "pk"]
        verbose_name = _("call-back")
        verbose_name_plural = _("call-backs")
        constraints = [
            models.CheckConstraint(condition=~Q(number_called=""), name="call_back_names_the_number"),
            models.CheckConstraint(condition=~Q(instrument_sha256=""), name="call_back_names_the_hash"),
        ]
        triggers = [
            Refuse(
                name="call_back_append_only",
                rule="a recorded call-back is kept as it was",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self):
        return f"{self.signatory} on {self.number_called} at {self.called_at:%Y-%m-%d %H:%M}: {self.outcome}"

    @property
    def confirmed(self) -> bool:
        return self.outcome == self.Outcome.CONFIRMED
