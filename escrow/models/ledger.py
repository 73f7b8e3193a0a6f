"""The append-only share ledger. Every balance is derived from it.

On PostgreSQL triggers refuse UPDATE, DELETE and TRUNCATE of a movement (escrow/models/history.py, Refuse):
a release, a deposit or a return is corrected by a new movement, never by editing one (RULES.md invariant).

EA 4.2: the escrow agent may not sell, transfer, pledge or otherwise dispose of the shares. Only a deposit, a
release, a return for cancellation and a rebase (a split, a consolidation or a stock dividend's new shares)
move them: a check constraint on `kind` refuses any other row in the database (issue 14 item 7), and
escrow.actions.movements checks it first.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from escrow.models.history import append_only

# EA 4.2: the only ways the escrowed shares may move (deposit EA 1.1, release EA 3.2, return for cancellation
# SPA 5.2(1), a rebase for a split, consolidation or stock dividend). Changing this tuple needs a migration of
# the check constraint.
EA_4_2_KINDS = ("deposit", "release", "return", "rebase")


def balances_of(totals) -> dict:
    """The one balance rule, over {kind: shares} however they were selected: in escrow + released + returned =
    deposited + rebased (RULES.md invariant; a rebase is signed: negative for a consolidation, positive for a
    split or a stock dividend's new shares). The ledger's queryset, the shares held on a day (escrow.queries
    .holdings.in_escrow_on) and the ledger as recorded by a day (escrow.queries.as_of) all count with it."""
    deposited, rebased, released, returned = (
        int(totals.get(k) or 0) for k in ("deposit", "rebase", "release", "return")
    )
    return {
        "deposited": deposited,
        "rebased": rebased,
        "released": released,
        "returned": returned,
        "in_escrow": deposited + rebased - released - returned,
    }


class ShareMovementQuerySet(models.QuerySet):
    def balances(self):
        """The balances of these movements (`balances_of`)."""
        return balances_of(dict(self.values_list("kind").annotate(n=Sum("quantity")).values_list("kind", "n")))


class ShareMovement(models.Model):
    """A deposit into escrow (EA 1.1), a release to the seller (EA 3.2), a return for cancellation
    (SPA 5.2(1)), or a rebase of one tranche's shares in escrow by a split or consolidation (issue 14 item 4:
    `quantity` is after - before, negative for a consolidation) or by a stock dividend's new shares received
    (issue 14 item 2, escrow.actions.holdings). Rows are only ever added."""

    class Kind(models.TextChoices):
        DEPOSIT = "deposit", _("Deposit into escrow (EA 1.1)")
        RELEASE = "release", _("Release to the seller (EA 3.2)")
        RETURN = "return", _("Return to the issuer for cancellation (SPA 5.2(1))")
        REBASE = "rebase", _("Rebase (split, consolidation or stock dividend)")

    deal = models.ForeignKey("escrow.Deal", on_delete=models.PROTECT, related_name="movements")
    tranche = models.ForeignKey(
        "escrow.Tranche", on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # Whole shares; positive except a rebase, which is signed (never 0: a tranche it leaves as it was
    # gets no movement).
    quantity = models.BigIntegerField()
    # One movement per fact: a repeated or concurrent action cannot write a second one.
    fact_key = models.CharField(max_length=100, unique=True)
    reference = models.CharField(max_length=200, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = ShareMovementQuerySet.as_manager()

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            # A rebase is signed (after - before: negative for a consolidation, issue 14 item 4); others positive.
            models.CheckConstraint(
                condition=Q(quantity__gt=0) | (Q(kind="rebase") & ~Q(quantity=0)), name="movement_quantity_positive"
            ),
            # EA 4.2: nothing but these kinds can ever be written (issue 14 item 7).
            models.CheckConstraint(condition=Q(kind__in=EA_4_2_KINDS), name="movement_kind_ea_4_2"),
        ]
        triggers = append_only("ledger", "the share ledger")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.quantity:,}"
