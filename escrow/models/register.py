"""The deal's signatory register (issue 10 item 1): signing power comes from here, never from organisation
membership. An entry takes effect only after an escrow-agent officer other than the proposer confirmed it and
the cooling-off period passed (escrow.actions.register); until then `effective_at` is empty.

No sweep is needed: confirmation writes the moment the change takes effect (`effective_at` for an addition,
`removed_at` for a removal), and "active" compares those moments with the time asked about."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition


def active_at(at) -> Q:
    """On the register at `at`: in effect by then and not yet removed."""
    return Q(effective_at__isnull=False, effective_at__lte=at) & (Q(removed_at__isnull=True) | Q(removed_at__gt=at))


class SignatoryQuerySet(models.QuerySet):
    def active(self, at=None):
        """Entries that give signing power at `at` (now by default)."""
        return self.filter(active_at(at or timezone.now()))

    def live(self, at=None):
        """Entries active now or waiting to take effect: not removed by `at`."""
        at = at or timezone.now()
        return self.filter(Q(removed_at__isnull=True) | Q(removed_at__gt=at))


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

    objects = SignatoryQuerySet.as_manager()

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

    def is_active_at(self, at) -> bool:
        return (
            self.effective_at is not None
            and self.effective_at <= at
            and (self.removed_at is None or self.removed_at > at)
        )

    @property
    def is_active(self) -> bool:
        return self.is_active_at(timezone.now())


class RegisterChange(models.Model):
    """A proposal to add a person to a party's register or remove one: four eyes (proposer, then a different
    escrow-agent officer confirms) and a cooling-off period in which any party may object."""

    class Kind(models.TextChoices):
        ADD = "add", _("Addition")
        REMOVE = "remove", _("Removal")

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Awaiting the escrow agent's confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        OBJECTED = "objected", _("Cancelled by an objection")

    deal = models.ForeignKey("escrow.Deal", on_delete=models.PROTECT, related_name="register_changes")
    party = models.ForeignKey("escrow.DealParty", on_delete=models.PROTECT, related_name="register_changes")
    signatory = models.ForeignKey(Signatory, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(_("change"), max_length=10, choices=Kind.choices)
    state = FSMField(default=State.PROPOSED, choices=State.choices, protected=True)
    # The first signatory of a party is put on the register by the escrow agent from the signed agreement.
    from_agreement = models.BooleanField(_("from the signed agreement"), default=False)
    reason = models.TextField(_("reason"), blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("proposed at"))
    cooling_off_ends_at = models.DateTimeField(_("cooling-off period ends at"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    takes_effect_at = models.DateTimeField(_("takes effect at"), null=True, blank=True)
    objected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    objected_at = models.DateTimeField(_("objected at"), null=True, blank=True)
    objection = models.TextField(_("objection"), blank=True)

    class Meta:
        ordering = ["deal", "-proposed_at", "-pk"]
        verbose_name = _("register change")
        verbose_name_plural = _("register changes")
        constraints = [
            # Four eyes, kept by the database too: the confirming officer is never the proposer.
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=F("proposed_by")),
                name="register_change_four_eyes",
            ),
            models.UniqueConstraint(
                fields=["signatory"], condition=Q(state="proposed"), name="one_open_change_per_entry"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.signatory} ({self.get_state_display()})"

    def takes_effect(self, at) -> bool:
        """Confirmed and past its effective moment at `at`."""
        return self.state == self.State.CONFIRMED and self.takes_effect_at is not None and self.takes_effect_at <= at

    def is_pending(self, at) -> bool:
        """Still open to objection: not cancelled and not yet in effect."""
        return self.state == self.State.PROPOSED or (self.state == self.State.CONFIRMED and not self.takes_effect(at))

    # Transitions change columns only; escrow.actions.register writes the register, history and outbox.
    @transition(field=state, source=State.PROPOSED, target=State.CONFIRMED)
    def confirm(self, by, at, takes_effect_at):
        self.confirmed_by, self.confirmed_at, self.takes_effect_at = by, at, takes_effect_at

    @transition(field=state, source=[State.PROPOSED, State.CONFIRMED], target=State.OBJECTED)
    def cancel_by_objection(self, by, at, objection):
        self.objected_by, self.objected_at, self.objection = by, at, objection
