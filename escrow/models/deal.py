"""The deal, who plays which contract role on it, and its calendar overrides."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition
from guardian.models import UserObjectPermissionBase

from escrow.contract.policies import POLICY_DEFINITIONS, Policies


class Role(models.TextChoices):
    """Contract roles (RULES.md "Parties and roles")."""

    ISSUER = "issuer", _("Issuer (Party A)")
    PURCHASER = "purchaser", _("Purchaser (Party B)")
    SELLER = "seller", _("Seller (Party C)")
    ESCROW_AGENT = "escrow_agent", _("Escrow agent (Party D)")
    AUDITOR = "auditor", _("Approved accounting firm")
    COMPLIANCE = "compliance", _("Compliance (read-only)")


# The four contracting parties: settlements (EA 3.3), adjustments (SPA 5.3) and amendments
# (SPA 11.2) need all of them.
CONTRACT_PARTIES = (Role.ISSUER, Role.PURCHASER, Role.SELLER, Role.ESCROW_AGENT)


def _policy_choices(key):
    definition = next(d for d in POLICY_DEFINITIONS if d.key == key)
    values = (definition.default, *definition.alternatives)
    return [(v, v) for v in values], definition.default


class Deal(models.Model):
    """One earn-out escrow: consideration shares held by an agent and released in tranches."""

    class State(models.TextChoices):
        AWAITING_DEPOSIT = "awaiting_deposit", _("Awaiting deposit (EA 1.1)")
        IN_ESCROW = "in_escrow", _("Shares in escrow")
        CLOSED = "closed", _("Closed (SPA 5.2(1))")

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("Chinese name"), max_length=200, blank=True)
    target_company = models.CharField(_("target company"), max_length=200)
    total_shares = models.PositiveBigIntegerField(_("consideration shares"))
    tranche_count = models.PositiveSmallIntegerField(_("number of tranches"), default=5)
    share_class = models.CharField(_("share class"), max_length=100, default="Class A ordinary shares")
    ticker = models.CharField(_("ticker"), max_length=20, blank=True)
    target_currency = models.CharField(_("currency of targets"), max_length=3, default="CNY")
    price_currency = models.CharField(_("currency of share prices"), max_length=3, default="USD")
    effective_date = models.DateField(_("agreement effective date"))
    escrow_fee_per_year = models.DecimalField(
        _("escrow fee per year (EA 4.4)"), max_digits=12, decimal_places=2, default=0
    )
    notes = models.TextField(_("notes"), blank=True)
    state = FSMField(default=State.AWAITING_DEPOSIT, choices=State.choices, protected=True)
    created_at = models.DateTimeField(auto_now_add=True)

    excess_credit = models.CharField(
        max_length=40, choices=_policy_choices("excess_credit")[0], default=_policy_choices("excess_credit")[1]
    )
    offset_base = models.CharField(
        max_length=40, choices=_policy_choices("offset_base")[0], default=_policy_choices("offset_base")[1]
    )
    offset_order = models.CharField(
        max_length=40, choices=_policy_choices("offset_order")[0], default=_policy_choices("offset_order")[1]
    )
    rounding = models.CharField(
        max_length=40, choices=_policy_choices("rounding")[0], default=_policy_choices("rounding")[1]
    )
    partial_release = models.CharField(
        max_length=40, choices=_policy_choices("partial_release")[0], default=_policy_choices("partial_release")[1]
    )
    calendar = models.CharField(max_length=20, default="CN")
    penalty_cap_valuation = models.CharField(
        max_length=40,
        choices=_policy_choices("penalty_cap_valuation")[0],
        default=_policy_choices("penalty_cap_valuation")[1],
    )
    # P8: which days a hold frees from the delay penalty (SPA 8.2; PRC Civil Code Art. 201 by default).
    hold_days = models.CharField(
        max_length=40, choices=_policy_choices("hold_days")[0], default=_policy_choices("hold_days")[1]
    )
    # P9: who pays the escrow fee of EA 4.4 (the contract does not say; issue 14 item 5).
    escrow_fee_payer = models.CharField(
        max_length=40,
        choices=_policy_choices("escrow_fee_payer")[0],
        default=_policy_choices("escrow_fee_payer")[1],
    )
    # Issue 10 item 2: approval needs a confirmed call-back unless this is set, with its reason, by
    # escrow.actions.callbacks.set_call_back_waiver (recorded in the deal's history).
    call_back_waived = models.BooleanField(_("call-back before release waived"), default=False)
    call_back_waiver_reason = models.TextField(_("why the call-back is waived"), blank=True)
    # When the sweep next looks for an escrow fee invoice due (EA 4.4, EA 2): the first day of the next escrow
    # year; None when it must look (a new deal, or a movement or its transfer date was recorded). A hint for
    # finding work in one index scan, never a fact: what to invoice is decided from the ledger and the invoices
    # under the deal's lock (escrow.actions.fees), so a hint too early costs a look, and it is never too late.
    fee_check_on = models.DateField(null=True, blank=True, editable=False, db_index=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        constraints = [
            models.CheckConstraint(condition=Q(total_shares__gt=0), name="deal_total_shares_positive"),
            models.CheckConstraint(condition=Q(tranche_count__gt=0), name="deal_tranche_count_positive"),
            models.CheckConstraint(
                condition=Q(total_shares__gte=models.F("tranche_count")), name="deal_share_per_tranche"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def policies(self) -> Policies:
        return Policies.from_mapping({d.key: getattr(self, d.key) for d in POLICY_DEFINITIONS})

    # Transitions change the state column only; actions write ledger, history and outbox.
    @transition(field=state, source=State.AWAITING_DEPOSIT, target=State.IN_ESCROW)
    def confirm_deposit(self):
        """EA 1.1: the shares are issued in the escrow agent's name."""

    @transition(field=state, source=State.IN_ESCROW, target=State.CLOSED)
    def close(self):
        """SPA 5.2(1), EA 2: every share released or returned; the escrow period ends."""


class DealParty(models.Model):
    """An organisation playing one contract role on one deal."""

    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="parties")
    organisation = models.ForeignKey("parties.Organisation", on_delete=models.PROTECT, related_name="deal_roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    contract_name = models.CharField(_("name in the contract"), max_length=40, blank=True)
    # SPA 4.2: a report counts only if its firm was approved by the issuer before it was filed.
    approved_at = models.DateTimeField(_("approved by the issuer at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(_("role ended at"), null=True, blank=True)

    class Meta:
        ordering = ["deal", "role"]
        verbose_name = _("deal party")
        verbose_name_plural = _("deal parties")
        constraints = [
            models.UniqueConstraint(fields=["deal", "organisation"], name="one_role_per_organisation"),
            models.UniqueConstraint(
                fields=["deal", "role"],
                condition=Q(role__in=["issuer", "purchaser", "seller", "escrow_agent"]),
                name="one_contract_party_per_role",
            ),
        ]

    def __str__(self):
        return f"{self.organisation} as {self.get_role_display()} on {self.deal}"


class DealUserObjectPermission(UserObjectPermissionBase):
    """guardian's direct-FK permission rows: they go with the deal, never orphaned."""

    content_object = models.ForeignKey(Deal, on_delete=models.CASCADE)


class CalendarOverride(models.Model):
    """P6: a day the package does not know yet (State Council schedules announced late)."""

    calendar = models.CharField(max_length=20, default="CN")
    day = models.DateField()
    is_business_day = models.BooleanField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["calendar", "day"]
        constraints = [models.UniqueConstraint(fields=["calendar", "day"], name="one_override_per_day")]

    def __str__(self):
        kind = "working day" if self.is_business_day else "day off"
        return f"{self.calendar} {self.day}: {kind}"
