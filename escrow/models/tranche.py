"""One assessment year and the tranche of shares it releases (SPA 1.4, 4.1, 5.1)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, transition

from escrow.models.deal import Deal


class TrancheState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    AWAITING_REPORT = "awaiting_report", _("Awaiting the audited report")
    REPORT_FILED = "report_filed", _("Report filed")
    AWAITING_INSTRUCTION = "awaiting_instruction", _("Awaiting the joint instruction")
    INSTRUCTED = "instructed", _("Instructed")
    RELEASE_PREPARED = "release_prepared", _("Release prepared")
    RELEASED = "released", _("Released")
    DISPUTED = "disputed", _("Disputed (EA 3.3)")
    SUSPENDED = "suspended", _("Suspended (SPA 8.1)")


S = TrancheState
HOLDABLE = [S.AWAITING_INSTRUCTION, S.INSTRUCTED, S.RELEASE_PREPARED]
# The states in which someone acts next (escrow.queries.due.WAITING, from next_step's rule; a test keeps the two
# equal): a partial index on them lets the due items' query start from the few waiting years (issue 13 item 1).
WAITING_STATES = [S.AWAITING_REPORT, S.INSTRUCTED, S.RELEASE_PREPARED, S.DISPUTED, S.SUSPENDED, S.AWAITING_INSTRUCTION]


class Tranche(models.Model):
    """The tranche of one assessment year. Its state moves only through the transitions below."""

    deal = models.ForeignKey(Deal, on_delete=models.PROTECT, related_name="tranches")
    year = models.PositiveSmallIntegerField(_("assessment year"))
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    target_revenue = models.DecimalField(_("target operating revenue"), max_digits=20, decimal_places=2)
    audited_revenue = models.DecimalField(
        _("audited operating revenue"), max_digits=20, decimal_places=2, null=True, blank=True
    )
    state = FSMField(default=S.SCHEDULED, choices=S.choices, protected=True)
    state_before_hold = models.CharField(max_length=30, blank=True)

    # Quantities fixed by the engine when the report is in (SPA 5.2); changed only by a new
    # instruction (settlement EA 3.3, adjustment SPA 5.3).
    own_release = models.PositiveBigIntegerField(null=True, blank=True)
    deducted = models.PositiveBigIntegerField(null=True, blank=True)
    offset_shares = models.JSONField(default=dict, blank=True)
    release_quantity = models.PositiveBigIntegerField(_("shares to release"), null=True, blank=True)
    calculation = models.JSONField(default=dict, blank=True)

    release_due_date = models.DateField(_("release due (SPA 5.1)"), null=True, blank=True)
    documents_complete_on = models.DateField(_("all documents received (EA 3.1)"), null=True, blank=True)
    transfer_due_date = models.DateField(_("transfer due (EA 3.2)"), null=True, blank=True)
    released_on = models.DateField(_("released on"), null=True, blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    transfer_reference = models.CharField(_("transfer reference"), max_length=200, blank=True)

    class Meta:
        ordering = ["deal", "year"]
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        indexes = [models.Index(fields=["state"], condition=Q(state__in=WAITING_STATES), name="tranche_waiting")]
        constraints = [
            models.UniqueConstraint(fields=["deal", "year"], name="one_tranche_per_year"),
            models.CheckConstraint(condition=Q(year__gte=1), name="tranche_year_positive"),
            models.CheckConstraint(condition=Q(target_revenue__gt=0), name="tranche_target_positive"),
            models.CheckConstraint(
                condition=Q(audited_revenue__isnull=True) | Q(audited_revenue__gte=0),
                name="tranche_revenue_not_negative",
            ),
            models.CheckConstraint(condition=Q(period_end__gt=models.F("period_start")), name="tranche_period"),
        ]

    def __str__(self):
        return f"{self.deal} — year {self.year}"

    # --- transitions: database fields only; actions do the rest (DESIGN.md "An action") ---
    @transition(field=state, source=S.SCHEDULED, target=S.AWAITING_REPORT)
    def open_for_report(self):
        """SPA 5.1: the assessment year has ended; the approved firm's report is due."""

    @transition(field=state, source=S.AWAITING_REPORT, target=S.REPORT_FILED)
    def record_report(self, audited_revenue):
        """SPA 4.2, EA 3.1(a): the approved firm's written report is in."""
        self.audited_revenue = audited_revenue

    @transition(field=state, source=S.AWAITING_INSTRUCTION, target=S.REPORT_FILED)
    def correct_report(self, audited_revenue):
        """SPA 4.2, EA 3.1(a): the firm corrects its report before anyone signed; the quantity is computed again."""
        self.audited_revenue = audited_revenue

    @transition(field=state, source=[S.REPORT_FILED, S.DISPUTED], target=S.AWAITING_INSTRUCTION)
    def await_instruction(self):
        """EA 3.1(b): a joint instruction with the quantity awaits the issuer's and purchaser's signatures."""
        self.documents_complete_on = None
        self.transfer_due_date = None
        self.prepared_by = None

    @transition(field=state, source=S.AWAITING_INSTRUCTION, target=S.INSTRUCTED)
    def record_instruction(self, documents_complete_on, transfer_due_date):
        """EA 3.1, 3.2: all documents received; the transfer is due in 10 business days."""
        self.documents_complete_on = documents_complete_on
        self.transfer_due_date = transfer_due_date

    @transition(field=state, source=S.INSTRUCTED, target=S.RELEASE_PREPARED)
    def prepare_release(self, officer):
        """EA 3.2: the first officer prepares the transfer."""
        self.prepared_by = officer

    @transition(field=state, source=S.RELEASE_PREPARED, target=S.INSTRUCTED)
    def withdraw_preparation(self):
        """Four eyes: the second officer sends a preparation back."""
        self.prepared_by = None

    @transition(field=state, source=S.RELEASE_PREPARED, target=S.RELEASED)
    def record_release(self, released_on, transfer_reference):
        """EA 3.2: a second, different officer approves; the shares are transferred."""
        self.released_on = released_on
        self.transfer_reference = transfer_reference

    @transition(field=state, source=HOLDABLE, target=S.DISPUTED)
    def hold_for_dispute(self):
        """EA 3.3: the agent suspends action while the quantity is disputed."""
        self.state_before_hold = self.state

    @transition(field=state, source=HOLDABLE, target=S.SUSPENDED)
    def suspend(self):
        """SPA 8.1: the issuer suspends the release for the seller's breach."""
        self.state_before_hold = self.state

    @transition(field=state, source=S.SUSPENDED, target=RETURN_VALUE(*HOLDABLE))
    def lift_suspension(self):
        """SPA 8.1: the suspension ends; the tranche goes back where it was."""
        previous, self.state_before_hold = self.state_before_hold, ""
        return previous

    @transition(field=state, source=[S.DISPUTED, S.SUSPENDED, *HOLDABLE], target=S.AWAITING_INSTRUCTION)
    def apply_new_quantity(self):
        """EA 3.3 settlement or award, SPA 5.3 adjustment: a new joint instruction is needed."""
        self.state_before_hold = ""
        self.documents_complete_on = None
        self.transfer_due_date = None
        self.prepared_by = None


class PenaltyPosition(models.Model):
    """Where a tranche's stored penalty days stand, and the running state of its last one (issue 13): kept by the
    accrual action (escrow.actions.accrual) in the transaction that writes the days, so the sweep finds the
    tranches with work without reading any day, and charges the next day from the last one's running total, cap
    and capped flag (SPA 8.2, P7) without reading it. A narrow row of its own, not columns of the tranche: the
    sweep rewrites it for every late tranche every day, and a new version of the wide tranche row (five indexes)
    cost about eight times a new version of this one (kept on the same page, no index touched). No row: no day
    stored, nothing valued."""

    tranche = models.OneToOneField(
        Tranche, on_delete=models.CASCADE, primary_key=True, related_name="penalty_position", editable=False
    )
    first_day = models.DateField(null=True, blank=True, editable=False)
    last_day = models.DateField(null=True, blank=True, editable=False)
    day_count = models.PositiveIntegerField(default=0, editable=False)
    valued_at = models.DateTimeField(null=True, blank=True, editable=False)  # latest computed_at of its days
    # NULL: not known, the last stored day is read instead.
    total = models.DecimalField(max_digits=24, decimal_places=8, null=True, blank=True, editable=False)
    cap = models.DecimalField(max_digits=24, decimal_places=8, null=True, blank=True, editable=False)
    capped = models.BooleanField(null=True, blank=True, editable=False)

    def __str__(self):
        return f"penalty days of tranche {self.tranche_id} through {self.last_day}"


class AuditReport(models.Model):
    """SPA 4.2, EA 3.1(a): the approved accounting firm's written report of the year's revenue."""

    tranche = models.ForeignKey(Tranche, on_delete=models.PROTECT, related_name="reports")
    firm = models.ForeignKey("escrow.DealParty", on_delete=models.PROTECT, related_name="reports")
    audited_revenue = models.DecimalField(max_digits=20, decimal_places=2)
    document = models.OneToOneField("escrow.StoredDocument", on_delete=models.PROTECT, related_name="report")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField()
    # Issue 12 item 8: a report corrected before any signature is kept, pointing at its correction; the
    # correction says why (escrow.actions.reports.correct_report). The report in force has no successor.
    superseded_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrects"
    )
    correction_reason = models.TextField(_("why the report was corrected"), blank=True)

    class Meta:
        ordering = ["tranche", "filed_at"]
        constraints = [
            models.CheckConstraint(condition=Q(audited_revenue__gte=0), name="report_revenue_not_negative"),
        ]

    def __str__(self):
        return f"Report for {self.tranche} ({self.audited_revenue})"
