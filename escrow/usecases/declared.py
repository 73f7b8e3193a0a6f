"""Every use case, declared once: who may do it, under which clause, its words in both languages, the
history it writes and where it is done (issue 8 item 4).

Everything else is read from USE_CASES: the role table and the refusal phrases
(`escrow.usecases.permissions.ROLE_ACTIONS` / `ACTION_PHRASES`), the labels of buttons and links
(`escrow.views.labels.ACTION_LABELS`), the page each step links to (`escrow.views.links`) and
docs/permissions.md (`manage.py render_docs`). tests/escrow/test_usecases.py holds the contract's own
table, role by role, that the roles declared here must equal.

A contract use case is done by a contract role on a deal (DealParty); platform administration is done
by staff holding a Django permission and gives no contract role (DESIGN.md "Roles").
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from escrow.models import HistoryAction as H
from escrow.models import Role

ISSUER, PURCHASER, SELLER, AGENT, AUDITOR, COMPLIANCE = (
    Role.ISSUER,
    Role.PURCHASER,
    Role.SELLER,
    Role.ESCROW_AGENT,
    Role.AUDITOR,
    Role.COMPLIANCE,
)
CONTRACT_PARTIES = frozenset({ISSUER, PURCHASER, SELLER, AGENT})
EVERYONE = frozenset({*CONTRACT_PARTIES, AUDITOR, COMPLIANCE})
NOBODY = frozenset()

# What a use case acts on: its page takes the deal's slug, the slug and the year, or the instrument's id;
# platform work is not about one deal (reference data, people, creating the deal).
SCOPES = ("deal", "tranche", "instrument", "platform")


@dataclass(frozen=True)
class UseCase:
    """One thing a person can do in the portal."""

    name: str  # the key everywhere: require(user, deal, name), the pages, the API, NextStep.action
    roles: frozenset  # the contract roles that may do it; empty for platform work
    clause: str  # where the contract (or RULES.md) gives the right
    label: object  # gettext_lazy: the button or link ("Sign the joint written instruction")
    phrase: object  # gettext_lazy: the refusal "As <role> you may not <phrase> (<clause>)."
    scope: str  # one of SCOPES
    history: tuple = ()  # the HistoryAction members it writes, the first one always; () for a read
    page: str | None = None  # URL name of its page ("escrow:file_report", an admin page for staff work)
    api: str | None = None  # URL name of its endpoint ("api:file-report")
    permission: str | None = None  # platform work: the Django permission staff need ("escrow.add_deal")
    # Signs or approves for the party: needs an active entry on the deal's signatory register, never
    # organisation membership alone, and never a staff or superuser account (issue 10 item 1).
    signing: bool = False

    def __post_init__(self):
        if bool(self.roles) == bool(self.permission):
            raise ValueError(f"{self.name}: give contract roles or a staff permission, not both or neither")
        if self.scope not in SCOPES:
            raise ValueError(f"{self.name}: scope {self.scope!r} is not one of {SCOPES}")
        if not all(isinstance(h, H) for h in self.history):
            raise ValueError(f"{self.name}: history names must be HistoryAction members")
        if self.signing and self.staff:
            raise ValueError(f"{self.name}: staff work never signs or approves for a party")

    @property
    def staff(self) -> bool:
        """Platform administration: a Django permission instead of a contract role."""
        return self.permission is not None

    @property
    def writes(self) -> bool:
        """Every write is an action that records history (issue 8 item 2); a read records none."""
        return bool(self.history)


def _declare(*cases) -> dict:
    declared = {}
    for case in cases:
        if case.name in declared:
            raise ValueError(f"use case {case.name} is declared twice")
        declared[case.name] = case
    return declared


USE_CASES = _declare(
    # --- reading the deal: its parties, their auditor and compliance, nobody else (SPA 9) ---
    UseCase(
        "view_deal",
        EVERYONE,
        "SPA 9",
        _("View the deal"),
        _("view deal"),
        "deal",
        page="escrow:deal",
        api="api:deal-detail",
    ),
    UseCase(
        "download_document",
        EVERYONE,
        "SPA 9",
        _("Download a document"),
        _("download document"),
        "deal",
        page="escrow:document",
        api="api:document-download",
    ),
    UseCase(
        "export_history",
        EVERYONE,
        "SPA 9",
        _("Export the history"),
        _("export history"),
        "deal",
        page="escrow:history_csv",
        api="api:deal-history",
    ),
    UseCase(
        "download_evidence_pack",
        EVERYONE,
        "SPA 9",
        _("Download the evidence pack"),
        _("download evidence pack"),
        "deal",
        page="escrow:evidence_pack",
        api="api:deal-evidence-pack",
    ),
    # Issue 12 item 8: the seller's statement of what was released to it, year by year, with the transfer
    # agent's references and what is still in escrow (EA 3.2, SPA 5.1); a read, generated on request.
    UseCase(
        "download_release_statement",
        frozenset({SELLER}),
        "EA 3.2",
        _("Download the release statement (PDF)"),
        _("download release statement"),
        "deal",
        page="escrow:release_statement",
        api="api:release-statement",
    ),
    # Issue 14 item 6: a party's statement for a period (positions, movements, releases with deductions and
    # offsets, dividends and votes, penalty, fees, upcoming deadlines); a read, for the contract parties and
    # compliance, each seeing what concerns it (escrow.queries.statements.statement_for).
    UseCase(
        "download_statement",
        frozenset({*CONTRACT_PARTIES, COMPLIANCE}),
        "EA 3.2, SPA 9",
        _("Statement for a period"),
        _("download statement"),
        "deal",
        page="escrow:deal_statement",
        api="api:deal-statement",
    ),
    # Issue 12 item 8: every deal the person oversees with its overdue deadlines and active holds, most urgent
    # first. Compliance audits (RULES.md roles); the escrow agent answers for the EA 3.2 deadline and may
    # suspend (EA 3.3). Only deals on which the person's own role is one of these are listed (SPA 9).
    UseCase(
        "oversee_deals",
        frozenset({AGENT, COMPLIANCE}),
        "SPA 9",
        _("Overdue items and holds"),
        _("oversee deals"),
        "deal",
        page="escrow:overview",
        api="api:overview",
    ),
    # --- the shares go into escrow (EA 1.1) ---
    UseCase(
        "confirm_deposit",
        frozenset({AGENT}),
        "EA 1.1",
        _("Confirm the deposit of the shares"),
        _("confirm deposit"),
        "deal",
        (H.DEPOSIT_CONFIRMED,),
        page="escrow:confirm_deposit",
        api="api:confirm-deposit",
    ),
    UseCase(
        "approve_auditor",
        frozenset({ISSUER}),
        "SPA 4.2",
        _("Approve the accounting firm"),
        _("approve auditor"),
        "deal",
        (H.AUDITOR_APPROVED,),
        page="escrow:approve_auditor",
        api="api:approve-auditor",
        signing=True,
    ),
    # --- each year: the report, the joint instruction, the four-eyes transfer (SPA 5.1, EA 3.1, 3.2) ---
    UseCase(
        "file_report",
        frozenset({AUDITOR}),
        "SPA 4.2, EA 3.1(a)",
        _("File the audited revenue report"),
        _("file report"),
        "tranche",
        (H.REPORT_FILED, H.QUANTITY_COMPUTED, H.JOINT_INSTRUCTION_ISSUED),
        page="escrow:file_report",
        api="api:file-report",
    ),
    # Issue 12 item 8: the firm corrects its own report while nobody has signed for the year (SPA 4.2).
    UseCase(
        "correct_report",
        frozenset({AUDITOR}),
        "SPA 4.2, EA 3.1(a)",
        _("Correct the audited revenue report"),
        _("correct report"),
        "tranche",
        (H.REPORT_CORRECTED, H.QUANTITY_COMPUTED, H.JOINT_INSTRUCTION_ISSUED),
        page="escrow:correct_report",
        api="api:correct-report",
    ),
    UseCase(
        "sign_joint_instruction",
        frozenset({ISSUER, PURCHASER}),
        "EA 3.1(b)",
        _("Sign the joint written instruction"),
        _("sign joint instruction"),
        "instrument",
        (H.SIGNED, H.INSTRUMENT_SEALED, H.INSTRUCTED),
        page="escrow:sign",
        api="api:sign-instrument",
        signing=True,
    ),
    # Issue 12 item 8: a signatory says why its party does not sign (not a dispute: nothing is suspended).
    UseCase(
        "decline_to_sign",
        CONTRACT_PARTIES,
        "EA 3.1(b), 3.3; SPA 5.3",
        _("Decline to sign, with a reason"),
        _("decline to sign"),
        "instrument",
        (H.SIGNATURE_DECLINED,),
        page="escrow:decline",
        api="api:decline-instrument",
        signing=True,
    ),
    UseCase(
        "prepare_release",
        frozenset({AGENT}),
        "EA 3.2",
        _("Prepare the transfer (officer 1)"),
        _("prepare release"),
        "tranche",
        (H.RELEASE_PREPARED,),
        page="escrow:prepare_release",
        api="api:prepare-release",
        signing=True,
    ),
    UseCase(
        "approve_release",
        frozenset({AGENT}),
        "EA 3.2",
        _("Approve the transfer (officer 2)"),
        _("approve release"),
        "tranche",
        (H.RELEASED,),
        page="escrow:approve_release",
        api="api:approve-release",
        signing=True,
    ),
    UseCase(
        "withdraw_preparation",
        frozenset({AGENT}),
        "EA 3.2",
        _("Send the preparation back"),
        _("withdraw preparation"),
        "tranche",
        (H.PREPARATION_WITHDRAWN,),
        page="escrow:withdraw_preparation",
        api="api:withdraw-preparation",
        signing=True,
    ),
    # Issue 10 item 2: the banks' call-back practice before officer 2 approves (EA 3.2 four eyes).
    UseCase(
        "record_call_back",
        frozenset({AGENT}),
        "EA 3.2",
        _("Record the call-back"),
        _("record call back"),
        "tranche",
        (H.CALL_BACK_RECORDED,),
        page="escrow:record_call_back",
        api="api:record-call-back",
        signing=True,
    ),
    # --- holds and changes: disputes and awards (EA 3.3, SPA 10.2), suspension (SPA 8.1), adjustment (SPA 5.3) ---
    UseCase(
        "raise_dispute",
        CONTRACT_PARTIES,
        "EA 3.3",
        _("Dispute the quantity"),
        _("raise dispute"),
        "tranche",
        (H.DISPUTE_RAISED,),
        page="escrow:raise_dispute",
        api="api:raise-dispute",
    ),
    UseCase(
        "propose_settlement",
        CONTRACT_PARTIES,
        "EA 3.3",
        _("Propose a settlement"),
        _("propose settlement"),
        "tranche",
        (H.SETTLEMENT_ISSUED,),
        page="escrow:propose_settlement",
        api="api:propose-settlement",
    ),
    UseCase(
        "sign_settlement",
        CONTRACT_PARTIES,
        "EA 3.3",
        _("Agree and sign a settlement"),
        _("sign settlement"),
        "instrument",
        (H.SIGNED, H.INSTRUMENT_SEALED, H.QUANTITY_CHANGED, H.JOINT_INSTRUCTION_ISSUED),
        page="escrow:sign",
        api="api:sign-instrument",
        signing=True,
    ),
    UseCase(
        "file_award",
        CONTRACT_PARTIES,
        "EA 3.3, SPA 10.2",
        _("File an arbitral award or ruling"),
        _("file award"),
        "tranche",
        (H.AWARD_FILED, H.QUANTITY_CHANGED, H.JOINT_INSTRUCTION_ISSUED),
        page="escrow:file_award",
        api="api:file-award",
    ),
    UseCase(
        "suspend_release",
        frozenset({ISSUER}),
        "SPA 8.1",
        _("Suspend the release"),
        _("suspend release"),
        "tranche",
        (H.SUSPENDED,),
        page="escrow:suspend_release",
        api="api:suspend-release",
    ),
    UseCase(
        "lift_suspension",
        frozenset({ISSUER}),
        "SPA 8.1",
        _("Lift the suspension"),
        _("lift suspension"),
        "tranche",
        (H.SUSPENSION_LIFTED,),
        page="escrow:lift_suspension",
        api="api:lift-suspension",
    ),
    UseCase(
        "propose_adjustment",
        CONTRACT_PARTIES,
        "SPA 5.3",
        _("Propose an adjustment"),
        _("propose adjustment"),
        "tranche",
        (H.ADJUSTMENT_ISSUED,),
        page="escrow:propose_adjustment",
        api="api:propose-adjustment",
    ),
    UseCase(
        "sign_adjustment",
        CONTRACT_PARTIES,
        "SPA 5.3",
        _("Sign the adjustment agreement"),
        _("sign adjustment"),
        "instrument",
        (H.SIGNED, H.INSTRUMENT_SEALED, H.QUANTITY_CHANGED, H.JOINT_INSTRUCTION_ISSUED),
        page="escrow:sign",
        api="api:sign-instrument",
        signing=True,
    ),
    # --- the end of the escrow (SPA 5.2(1)) and the prices that value a delay (SPA 8.2) ---
    UseCase(
        "return_for_cancellation",
        frozenset({AGENT}),
        "SPA 5.2(1)",
        _("Return shares for cancellation"),
        _("return for cancellation"),
        "deal",
        (H.RETURNED_FOR_CANCELLATION,),
        page="escrow:return_for_cancellation",
        api="api:return-for-cancellation",
        signing=True,
    ),
    # --- the escrow fee (EA 4.4, EA 2; issue 14 item 5): invoices per started escrow year, payer per P9 ---
    UseCase(
        "view_fees",
        frozenset({ISSUER, PURCHASER, AGENT, COMPLIANCE}),
        "EA 4.4",
        _("View the escrow fee invoices"),
        _("view fees"),
        "deal",
        page="escrow:deal_fees",
        api="api:deal-fees",
    ),
    UseCase(
        "issue_fee_invoices",
        frozenset({AGENT}),
        "EA 4.4; EA 2",
        _("Issue escrow fee invoices"),
        _("issue fee invoices"),
        "deal",
        (H.FEE_INVOICE_ISSUED,),
        page="escrow:issue_fee_invoices",
        api="api:issue-fee-invoices",
    ),
    UseCase(
        "record_fee_payment",
        frozenset({AGENT}),
        "EA 4.4",
        _("Record an escrow fee payment"),
        _("record fee payment"),
        "deal",
        (H.FEE_PAYMENT_RECORDED,),
        page="escrow:record_fee_payment",
        api="api:record-fee-payment",
    ),
    UseCase(
        "enter_share_prices",
        frozenset({ISSUER}),
        "SPA 8.2",
        _("Enter the NASDAQ closing prices"),
        _("enter share prices"),
        "deal",
        # PENALTY_REVALUED: the penalty days a new or corrected close revalues (SPA 8.2), written by the accrual.
        (H.SHARE_PRICE_ENTERED, H.SHARE_PRICE_CORRECTED, H.PENALTY_REVALUED),
        page="escrow:deal_prices",
    ),
    # --- splits and consolidations (issue 14 item 4): the issuer proposes, the escrow agent confirms and the
    # escrow is rebased (EA 4.2 allows a corporate action's rebase; SPA 5.1 tranche sizes follow) ---
    UseCase(
        "view_corporate_actions",
        EVERYONE,
        "EA 4.2",
        _("View the corporate actions"),
        _("view corporate actions"),
        "deal",
        page="escrow:corporate_actions",
        api="api:corporate-actions",
    ),
    UseCase(
        "propose_corporate_action",
        frozenset({ISSUER}),
        "EA 4.2",
        _("Propose a split or consolidation"),
        _("propose corporate action"),
        "deal",
        (H.CORPORATE_ACTION_PROPOSED,),
        page="escrow:corporate_actions",  # its form is on the corporate actions page
        api="api:propose-corporate-action",
    ),
    UseCase(
        "confirm_corporate_action",
        frozenset({AGENT}),
        "EA 4.2",
        _("Confirm the split or consolidation"),
        _("confirm corporate action"),
        "deal",
        # PENALTY_REVALUED: penalty days stored from a back-dated effective date, put on the new basis (SPA 8.2).
        (H.CORPORATE_ACTION_CONFIRMED, H.PENALTY_REVALUED),
        page="escrow:corporate_actions",  # its form is on the corporate actions page
        api="api:confirm-corporate-action",
    ),
    # --- the seller's rights on the escrowed shares: dividends and votes (issue 14 items 2, 3; SPA 3.2, EA 1.3) ---
    UseCase(
        "record_dividend",
        frozenset({ISSUER}),
        "SPA 3.2, EA 1.3",
        _("Record a dividend"),
        _("record dividend"),
        "deal",
        (H.DIVIDEND_RECORDED,),
        page="escrow:record_dividend",
        api="api:record-dividend",
    ),
    UseCase(
        "record_dividend_pass_through",
        frozenset({AGENT}),
        "SPA 3.2, EA 1.3",
        _("Record the dividend paid to the seller"),
        _("record dividend pass through"),
        "deal",
        # PENALTY_REVALUED: a stock dividend received on a day penalty days are stored from (SPA 8.2).
        (H.DIVIDEND_PASSED_THROUGH, H.PENALTY_REVALUED),
        page="escrow:dividend_pass_through",
        api="api:dividend-pass-through",
    ),
    UseCase(
        "confirm_dividend_receipt",
        frozenset({SELLER}),
        "SPA 3.2, EA 1.3",
        _("Confirm receipt of the dividend"),
        _("confirm dividend receipt"),
        "deal",
        (H.DIVIDEND_RECEIPT_CONFIRMED,),
        page="escrow:dividend_receipt",
        api="api:dividend-receipt",
    ),
    UseCase(
        "record_meeting",
        frozenset({ISSUER}),
        "SPA 3.2, EA 1.3",
        _("Record a shareholder meeting"),
        _("record meeting"),
        "deal",
        (H.MEETING_RECORDED,),
        page="escrow:record_meeting",
        api="api:record-meeting",
    ),
    UseCase(
        "instruct_vote",
        frozenset({SELLER}),
        "SPA 3.2, EA 1.3",
        _("Give the voting instruction"),
        _("instruct vote"),
        "deal",
        (H.VOTE_INSTRUCTED,),
        page="escrow:instruct_vote",
        api="api:instruct-vote",
    ),
    UseCase(
        "record_proxy_lodged",
        frozenset({AGENT}),
        "SPA 3.2, EA 1.3",
        _("Record the proxy lodged"),
        _("record proxy lodged"),
        "deal",
        (H.PROXY_LODGED,),
        page="escrow:proxy_lodged",
        api="api:proxy-lodged",
    ),
    # --- the signatory register: who signs or approves for each party (issue 10 item 1; EA 3.1(b), 3.2) ---
    UseCase(
        "view_register",
        frozenset({*CONTRACT_PARTIES, COMPLIANCE}),
        "EA 3.1(b), 3.2",
        _("View the signatory register"),
        _("view register"),
        "deal",
        page="escrow:register",
        api="api:register",
    ),
    UseCase(
        "propose_signatory",
        CONTRACT_PARTIES,
        "EA 3.1(b), 3.2",
        _("Propose a signatory"),
        _("propose signatory"),
        "deal",
        (H.REGISTER_CHANGE_PROPOSED,),
        api="api:register-propose",  # its form is on the register page (escrow:register), not a page of its own
    ),
    UseCase(
        "propose_signatory_removal",
        CONTRACT_PARTIES,
        "EA 3.1(b), 3.2",
        _("Propose removing a signatory"),
        _("propose signatory removal"),
        "deal",
        (H.REGISTER_CHANGE_PROPOSED,),
        api="api:register-remove",  # its form is on the register page (escrow:register), not a page of its own
    ),
    UseCase(
        "confirm_register_change",
        frozenset({AGENT}),
        "EA 3.1(b), 3.2",
        _("Confirm a change of the signatory register"),
        _("confirm register change"),
        "deal",
        (H.REGISTER_CHANGE_CONFIRMED,),
        api="api:register-confirm",  # its form is on the register page (escrow:register), not a page of its own
    ),
    UseCase(
        "object_to_register_change",
        CONTRACT_PARTIES,
        "EA 3.1(b), 3.2",
        _("Object to a change of the signatory register"),
        _("object to register change"),
        "deal",
        (H.REGISTER_CHANGE_OBJECTED,),
        api="api:register-object",  # its form is on the register page (escrow:register), not a page of its own
    ),
    # --- platform administration: staff with a Django permission, never a contract role ---
    UseCase(
        "create_deal",
        NOBODY,
        "SPA 2.2, 4.1, 5.1; EA 1.1",
        _("Create a deal"),
        _("create deal"),
        "platform",
        (H.DEAL_CREATED,),
        page="escrow:create_deal",
        api="api:deal-list",
        permission="escrow.add_deal",
    ),
    UseCase(
        "add_party",
        NOBODY,
        "SPA 9",
        _("Add a party to a deal"),
        _("add party"),
        "deal",
        (H.PARTY_ADDED,),
        page="admin:escrow_dealparty_add",
        permission="escrow.add_dealparty",
    ),
    UseCase(
        "change_party_role",
        NOBODY,
        "SPA 9",
        _("Change a party's role"),
        _("change party role"),
        "deal",
        (H.PARTY_ROLE_CHANGED,),
        page="admin:escrow_dealparty_change",
        permission="escrow.change_dealparty",
    ),
    UseCase(
        "end_party",
        NOBODY,
        "SPA 9",
        _("End a party's role on a deal"),
        _("end party"),
        "deal",
        (H.PARTY_ENDED,),
        page="admin:escrow_dealparty_change",
        permission="escrow.change_dealparty",
    ),
    UseCase(
        "enter_share_price",
        NOBODY,
        "SPA 8.2",
        _("Enter a closing share price"),
        _("enter share price"),
        "platform",
        (H.SHARE_PRICE_ENTERED, H.PENALTY_REVALUED),
        page="escrow:prices",
        permission="escrow.add_shareprice",
    ),
    UseCase(
        "correct_share_price",
        NOBODY,
        "SPA 8.2",
        _("Correct a closing share price"),
        _("correct share price"),
        "platform",
        (H.SHARE_PRICE_CORRECTED, H.PENALTY_REVALUED),
        page="escrow:prices",
        permission="escrow.change_shareprice",
    ),
    UseCase(
        "import_share_prices",
        NOBODY,
        "SPA 8.2",
        _("Import closing share prices"),
        _("import share prices"),
        "platform",
        (H.SHARE_PRICE_ENTERED, H.SHARE_PRICE_CORRECTED, H.PENALTY_REVALUED),
        page="escrow:prices",
        permission="escrow.add_shareprice",
    ),
    UseCase(
        "set_calendar_override",
        NOBODY,
        "EA 1.1, 3.2 (P6)",
        _("Set a business-day override"),
        _("set calendar override"),
        "platform",
        (H.CALENDAR_OVERRIDE_SET, H.DEADLINE_RECOMPUTED),
        page="admin:escrow_calendaroverride_add",
        permission="escrow.add_calendaroverride",
    ),
    UseCase(
        "change_calendar_override",
        NOBODY,
        "EA 1.1, 3.2 (P6)",
        _("Change a business-day override"),
        _("change calendar override"),
        "platform",
        (H.CALENDAR_OVERRIDE_SET, H.DEADLINE_RECOMPUTED),
        page="admin:escrow_calendaroverride_change",
        permission="escrow.change_calendaroverride",
    ),
    UseCase(
        "set_call_back_waiver",
        NOBODY,
        "EA 3.2",
        _("Waive or restore the call-back before release"),
        _("set call back waiver"),
        "deal",
        (H.CALL_BACK_WAIVER_SET,),
        api="api:call-back-waiver",
        permission="escrow.change_deal",
    ),
    UseCase(
        "add_person",
        NOBODY,
        "SPA 9",
        _("Add a person"),
        _("add person"),
        "platform",
        (H.PERSON_ADDED,),
        page="admin:parties_user_add",
        permission="parties.add_user",
    ),
    UseCase(
        "change_person",
        NOBODY,
        "SPA 9",
        _("Change a person"),
        _("change person"),
        "platform",
        (H.PERSON_CHANGED, H.MEMBERSHIP_CHANGED),
        page="admin:parties_user_change",
        permission="parties.change_user",
    ),
    UseCase(
        "add_organisation",
        NOBODY,
        "SPA 9",
        _("Add an organisation"),
        _("add organisation"),
        "platform",
        (H.ORGANISATION_ADDED,),
        page="admin:parties_organisation_add",
        permission="parties.add_organisation",
    ),
    UseCase(
        "change_organisation",
        NOBODY,
        "SPA 9",
        _("Change an organisation"),
        _("change organisation"),
        "platform",
        (H.ORGANISATION_CHANGED,),
        page="admin:parties_organisation_change",
        permission="parties.change_organisation",
    ),
    UseCase(
        # Issue 10 item 3: staff revoke a person's API token (a lost laptop, a person who left); the owner
        # revokes their own on the API tokens page, an account event like enrolling two-factor.
        "revoke_api_token",
        NOBODY,
        "SPA 9",
        _("Revoke a person's API token"),
        _("revoke api token"),
        "platform",
        (H.API_TOKEN_REVOKED,),
        page="admin:parties_apitoken_changelist",
        permission="parties.revoke_apitoken",
    ),
)
CONTRACT_USE_CASES = {name: case for name, case in USE_CASES.items() if not case.staff}
STAFF_USE_CASES = {name: case for name, case in USE_CASES.items() if case.staff}
