"""The tamper-evident history: hash-chained, append-only history entries.

One chain per deal (key "deal:<id>") and one for account security ("accounts"). Each entry carries
the SHA-256 of the previous entry of its chain, so an edited, removed or reordered entry breaks the
chain; a saved head hash also catches a truncated tail.

On PostgreSQL, triggers declared here (django-pgtrigger, installed by migration 0006) make the history
append-only for every database session, the owner's included: entries refuse UPDATE, DELETE and TRUNCATE;
chain heads refuse DELETE and TRUNCATE and accept only an UPDATE that moves them forward (an append).
Only a superuser or the tables' owner can switch them off, which is why the application connects as a role
that owns nothing (bin/db-roles, docs/deployment.md) and why `verify_history` still walks every deal's chain.
SQLite, the single-process demo, has no triggers.
"""

import pgtrigger
from django.conf import settings
from django.db import models


class HistoryAction(models.TextChoices):
    """Every kind of history entry. The value is what the hashed record stores: never rename a value."""

    # The deal and who plays which role on it
    DEAL_CREATED = "deal_created"
    PARTY_ADDED = "party_added"
    PARTY_ROLE_CHANGED = "party_role_changed"
    PARTY_ENDED = "party_ended"
    AUDITOR_APPROVED = "auditor_approved"
    # The signatory register (issue 10 item 1): who may sign or approve for each party
    REGISTER_CHANGE_PROPOSED = "register_change_proposed"
    REGISTER_CHANGE_CONFIRMED = "register_change_confirmed"
    REGISTER_CHANGE_OBJECTED = "register_change_objected"
    # The shares and the tranches' life
    DEPOSIT_CONFIRMED = "deposit_confirmed"
    YEAR_ENDED = "year_ended"
    REPORT_FILED = "report_filed"
    REPORT_CORRECTED = "report_corrected"  # issue 12 item 8: before any signature, the old report kept
    QUANTITY_COMPUTED = "quantity_computed"
    QUANTITY_CHANGED = "quantity_changed"
    JOINT_INSTRUCTION_ISSUED = "joint_instruction_issued"
    SETTLEMENT_ISSUED = "settlement_issued"
    ADJUSTMENT_ISSUED = "adjustment_issued"
    SIGNED = "signed"
    SIGNATURE_DECLINED = "signature_declined"  # issue 12 item 8: a signatory declines, with a reason
    INSTRUMENT_SEALED = "instrument_sealed"  # issue 11: certificate of completion added, platform seal applied
    INSTRUCTED = "instructed"
    RELEASE_PREPARED = "release_prepared"
    PREPARATION_WITHDRAWN = "preparation_withdrawn"
    CALL_BACK_RECORDED = "call_back_recorded"  # issue 10 item 2: an officer called a registered signatory
    CALL_BACK_WAIVER_SET = "call_back_waiver_set"  # ... or staff waived (or restored) that call-back
    RELEASED = "released"
    RETURNED_FOR_CANCELLATION = "returned_for_cancellation"
    DISPUTE_RAISED = "dispute_raised"
    SUSPENDED = "suspended"
    SUSPENSION_LIFTED = "suspension_lifted"
    AWARD_FILED = "award_filed"
    DEADLINE_MISSED = "deadline_missed"
    PENALTY_REVALUED = "penalty_revalued"
    # The escrow fee (EA 4.4; issue 14 item 5)
    FEE_INVOICE_ISSUED = "fee_invoice_issued"
    FEE_PAYMENT_RECORDED = "fee_payment_recorded"
    # Issue 14 item 4: a split or consolidation, proposed by the issuer, confirmed (and rebased) by the agent
    CORPORATE_ACTION_PROPOSED = "corporate_action_proposed"
    CORPORATE_ACTION_CONFIRMED = "corporate_action_confirmed"
    # The seller's rights on the escrowed shares (issue 14 items 2, 3; SPA 3.2, EA 1.3)
    DIVIDEND_RECORDED = "dividend_recorded"
    DIVIDEND_PASSED_THROUGH = "dividend_passed_through"
    DIVIDEND_RECEIPT_CONFIRMED = "dividend_receipt_confirmed"
    MEETING_RECORDED = "meeting_recorded"
    VOTE_INSTRUCTED = "vote_instructed"
    PROXY_LODGED = "proxy_lodged"
    # Reference data the deals read (chain "reference")
    ORGANISATION_ADDED = "organisation_added"
    ORGANISATION_CHANGED = "organisation_changed"
    SHARE_PRICE_ENTERED = "share_price_entered"
    SHARE_PRICE_CORRECTED = "share_price_corrected"
    CALENDAR_OVERRIDE_SET = "calendar_override_set"
    DEADLINE_RECOMPUTED = "deadline_recomputed"  # on the deal's chain: an override moved an EA 1.1 / 3.2 deadline
    # Demo settings only (DEMO_CLOCK): the demo clock moved forward, on the reference chain and each deal's
    DEMO_CLOCK_MOVED = "demo_clock_moved"
    # People and sign-in (chain "accounts")
    PERSON_ADDED = "person_added"
    PERSON_CHANGED = "person_changed"
    MEMBERSHIP_CHANGED = "membership_changed"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    TWO_FACTOR_ENROLLED = "two_factor_enrolled"
    API_TOKEN_CREATED = "api_token_created"  # noqa: S105  (kinds of entry, not secrets)
    API_TOKEN_REVOKED = "api_token_revoked"  # noqa: S105


class Refuse(pgtrigger.Trigger):
    """A trigger that refuses the statement, naming the rule, the operation and the table; the SQLSTATE is
    insufficient_privilege (42501), so a refused write reads like a refused permission."""

    when = pgtrigger.Before

    def __init__(self, *, rule, **kwargs):
        self.rule = rule
        super().__init__(**kwargs)

    def get_func(self, model):
        return (
            f"RAISE EXCEPTION '{self.rule}: % refused on %', TG_OP, TG_TABLE_NAME "
            "USING ERRCODE = 'insufficient_privilege';"
        )


def append_only(prefix, what):
    """Row triggers refusing UPDATE and DELETE, and a statement trigger refusing TRUNCATE (which fires no
    row trigger): the pair that keeps a table append-only."""
    rule = f"{what} is append-only"
    return [
        Refuse(name=f"{prefix}_append_only", rule=rule, operation=pgtrigger.Update | pgtrigger.Delete),
        Refuse(name=f"{prefix}_no_truncate", rule=rule, operation=pgtrigger.Truncate, level=pgtrigger.Statement),
    ]


class HistoryChain(models.Model):
    """The head of one chain: locked while an entry is appended, so entries never fork. Appending moves it
    forward (a greater length); nothing else may change or remove it."""

    key = models.CharField(max_length=50, unique=True)
    length = models.PositiveBigIntegerField(default=0)
    head_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        triggers = [
            Refuse(
                name="chain_moves_forward",
                rule="a history chain head only moves forward",
                operation=pgtrigger.Update,
                condition=pgtrigger.Q(old__length__gte=pgtrigger.F("new__length"))
                | pgtrigger.Q(old__key__df=pgtrigger.F("new__key"))
                | pgtrigger.Q(old__id__df=pgtrigger.F("new__id")),
            ),
            Refuse(name="chain_no_delete", rule="a history chain head is kept", operation=pgtrigger.Delete),
            Refuse(
                name="chain_no_truncate",
                rule="a history chain head is kept",
                operation=pgtrigger.Truncate,
                level=pgtrigger.Statement,
            ),
        ]

    def __str__(self):
        return f"{self.key} ({self.length})"


class HistoryEntry(models.Model):
    chain = models.ForeignKey(HistoryChain, on_delete=models.PROTECT, related_name="entries")
    seq = models.PositiveBigIntegerField()
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=200, blank=True)
    acting_for = models.CharField(max_length=200, blank=True)
    deal = models.ForeignKey("escrow.Deal", on_delete=models.PROTECT, null=True, blank=True, related_name="history")
    tranche = models.ForeignKey(
        "escrow.Tranche", on_delete=models.PROTECT, null=True, blank=True, related_name="history"
    )
    action = models.CharField(max_length=60)
    from_state = models.CharField(max_length=30, blank=True)
    to_state = models.CharField(max_length=30, blank=True)
    clause = models.CharField(max_length=100, blank=True)
    summary = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # Which HMAC key (settings.HISTORY_HMAC_KEYS) hashed it; "" is plain SHA-256, from before the keys.
    key_id = models.CharField(max_length=20, blank=True, default="")

    class Meta:
        ordering = ["chain", "seq"]
        verbose_name_plural = "history entries"
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="one_entry_per_position")]
        triggers = append_only("history", "the history")

    def __str__(self):
        return f"{self.chain.key}#{self.seq} {self.action}"
