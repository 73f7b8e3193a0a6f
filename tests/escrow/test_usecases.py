"""A use case is declared once (issue 8 item 4): escrow.usecases.declared.USE_CASES.

The permission matrices (tests/escrow/test_permission_matrix.py, the pages' and the API's) read their
expected outcomes from ROLE_ACTIONS: they prove enforcement matches the declaration. CONTRACT below
proves the declaration matches the contract: it is written by hand, role by role, from
../shared/contract/RULES.md and kaixin-6k-spa-escrow.txt, each row citing the words that give the right.
"""

import ast
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.functional import Promise

from escrow import actions
from escrow.actions.prices import enter_share_price
from escrow.contract.errors import NotAllowed
from escrow.management.commands.render_docs import render_permissions
from escrow.models import HistoryAction, HistoryEntry, Instrument, Role
from escrow.usecases import CONTRACT_USE_CASES, STAFF_USE_CASES, USE_CASES
from escrow.usecases.permissions import ACTION_PHRASES, ROLE_ACTIONS, require_staff
from escrow.views.labels import ACTION_LABELS
from escrow.views.links import DEAL_PAGES, SIGN_KINDS, TRANCHE_PAGES
from tests.conftest import PASSWORD, make_pdf, open_and_file, release
from tests.escrow.api.world import ROLE_OF, world  # noqa: F401  (module-scoped fixture)
from tests.escrow.holdings_matrix import ready as holdings_ready
from tests.escrow.register_matrix import READY as REGISTER_READY
from tests.escrow.test_permission_matrix import CALLS
from tests.factories import make_deal

# SPA 9.1, 9.2: the agreement is confidential to its parties. RULES.md (SPA 9): "nothing about a deal is
# visible to anyone who is not one of its parties, their approved auditor, or compliance staff".
READS = {
    "view_deal": "SPA 9: a party, the approved auditor or compliance sees the deal",
    "download_document": "SPA 9: ... and its documents",
    "export_history": "SPA 9: ... and its history",
    "download_evidence_pack": "SPA 9: ... and the evidence of each release (issue 11 item 5)",
    "view_corporate_actions": "SPA 9: ... and the splits and consolidations that rebased it (issue 14 item 4)",
}
# EA 3.3: "If a dispute arises among the parties regarding the quantity of shares to be released, the Escrow
# Agent has the right to suspend action until it receives a written settlement agreement signed by all
# parties or an effective ruling from the competent arbitral institution or court." The parties of the EA
# are the Escrow Agent, Party A, B and C (EA 7.1, 7.2). SPA 5.3: "the quantity and timing of shares to be
# released may be adjusted upon mutual written agreement by all parties" (Party A, B, C and D).
# SPA 10.2 (EA 6.2): "any party shall have the right to submit the dispute to ... CIETAC".
ALL_PARTIES = {
    # Issue 12 item 8: a party that will not sign says why, in writing (SPA 11.3: notices in writing); it is
    # not the EA 3.3 dispute, and signing stays with the register's signatories (EA 3.1(b), 3.3; SPA 5.3).
    "decline_to_sign": "EA 3.1(b), 3.3, SPA 5.3: a party asked to sign may say in writing why it does not",
    "raise_dispute": "EA 3.3: a dispute among the parties over the quantity (for the agent: its right to "
    "suspend action)",
    "propose_settlement": "EA 3.3: a written settlement agreement signed by all parties",
    "sign_settlement": "EA 3.3: signed by all parties",
    "file_award": "SPA 10.2, EA 6.2: any party may submit the dispute to CIETAC; the award is binding",
    "propose_adjustment": "SPA 5.3: adjusted upon mutual written agreement by all parties",
    "sign_adjustment": "SPA 5.3: mutual written agreement by all parties",
    "download_statement": "EA 3.2, SPA 9 (issue 14 item 6): each party reads its own statement of the period: "
    "the shares in escrow, what moved and what concerns it",
}

# Issue 10 item 1 (EA 3.1(b), 3.2): who signs the joint instruction for Party A and B and who approves the
# Escrow Agent's transfer is read from the deal's signatory register. Each contracting party sees it and
# changes its own (four eyes, cooling-off), every party may object; the Escrow Agent confirms changes.
REGISTER = {
    "view_register": "EA 3.1(b), 3.2: the parties know who signs and approves for each of them",
    "propose_signatory": "EA 3.1(b), 3.2: a party's current signatory names its signatories",
    "propose_signatory_removal": "EA 3.1(b), 3.2: ... and takes them off",
    "object_to_register_change": "EA 3.1(b), 3.2: every party may object during the cooling-off period",
}
CONTRACT = {
    Role.ISSUER: {  # Party A, Kaixin Holdings
        **READS,
        **REGISTER,
        **ALL_PARTIES,
        "approve_auditor": "SPA 4.2: targets confirmed by an accounting firm approved by Party A",
        "sign_joint_instruction": "EA 3.1(b): a joint written instruction from Party A and Party B",
        "suspend_release": "SPA 8.1: if Party C breaches, Party A shall have the right to suspend the release",
        "lift_suspension": "SPA 8.1: the suspension is Party A's right, and so is ending it",
        "propose_corporate_action": "RULES.md 'The shares through five years' (issue 14 item 4): Party A's "
        "share count moves by its own corporate actions; it proposes the rebase",
        "enter_share_prices": "SPA 8.2: the penalty is 0.01% of the market value; RULES.md: prices are "
        "entered or imported by the issuer or an admin",
        "view_fees": "EA 4.4 (issue 14 item 5): the issuer reads the escrow fee invoices it pays (P9)",
        "record_dividend": "SPA 3.2: Party A is the issuer that declares dividends on its shares; the seller's "
        "entitlement follows from the ledger (issue 14 item 2)",
        "record_meeting": "SPA 3.2: Party A convenes its shareholder meetings; the seller votes the escrowed "
        "shares (issue 14 item 3)",
    },
    Role.PURCHASER: {  # Party B, Zhejiang Kaixin Auto
        **READS,
        **REGISTER,
        **ALL_PARTIES,
        "sign_joint_instruction": "EA 3.1(b): a joint written instruction from Party A and Party B",
        "view_fees": "EA 4.4 (issue 14 item 5): the purchaser reads the escrow fee invoices it pays (P9)",
    },
    Role.SELLER: {  # Party C, Fangle Lai: receives the shares, signs no instruction (EA 3.1(b))
        **READS,
        **REGISTER,
        **ALL_PARTIES,
        "download_release_statement": "EA 3.2: the Escrow Agent transfers the shares to Party C, who is told "
        "what it received, under which reference, and what stays in escrow (issue 12 item 8)",
        "confirm_dividend_receipt": "SPA 3.2: Party C retains the dividend rights of the escrowed shares; it "
        "acknowledges what the Escrow Agent passed through (issue 14 item 2)",
        "instruct_vote": "SPA 3.2, EA 1.3: Party C retains the voting rights; the Escrow Agent assists it in "
        "exercising them, so Party C instructs the vote (issue 14 item 3)",
    },
    Role.ESCROW_AGENT: {  # Party D, AUTOA2A
        **READS,
        **REGISTER,
        **ALL_PARTIES,
        "confirm_deposit": "EA 1.1, 1.2: the shares are issued in the Escrow Agent's name, which holds them in "
        "the Escrow Account",
        "prepare_release": "EA 3.2: the Escrow Agent shall effect the transfer (officer 1 of four eyes)",
        "approve_release": "EA 3.2: the Escrow Agent shall effect the transfer (officer 2 of four eyes)",
        "withdraw_preparation": "EA 3.2: the Escrow Agent's own preparation, sent back by its second officer",
        "record_call_back": "EA 3.2 (issue 10 item 2): before it effects the transfer the Escrow Agent confirms the "
        "instruction by calling back a registered signatory of Party A or B (the banks' call-back practice)",
        "return_for_cancellation": "SPA 5.2(1): deductible shares shall be returned to Party A by Party D "
        "upon expiration for cancellation",
        "confirm_register_change": "EA 3.1(b), 3.2 (issue 10 item 1): an officer of the Escrow Agent other than "
        "the proposer confirms a change of any party's register (four eyes)",
        "confirm_corporate_action": "EA 1.1, 4.2 (issue 14 item 4): the Escrow Agent holds the shares in its "
        "name and confirms what a split or consolidation did to them (four eyes across parties)",
        "oversee_deals": "EA 3.2, 3.3: the Escrow Agent answers for the transfer deadline and may suspend action; "
        "it sees its deals' missed deadlines and holds together (issue 12 item 8)",
        "view_fees": "EA 4.4: the Escrow Agent charges USD 5,000 per year of the escrow period",
        "issue_fee_invoices": "EA 4.4, EA 2: the Escrow Agent invoices each started year of the escrow period",
        "record_fee_payment": "EA 4.4: the Escrow Agent, paid its fee, records the payment",
        "record_dividend_pass_through": "EA 1.3: the Escrow Agent holds the shares without owning them and assists "
        "Party C in exercising its dividend rights: it passes the dividend through (issue 14 item 2)",
        "record_proxy_lodged": "EA 1.3: ... and its voting rights: it lodges the proxy as Party C instructed "
        "(issue 14 item 3)",
    },
    Role.AUDITOR: {  # the accounting firm approved by Party A
        **READS,
        "file_report": "SPA 4.2, 5.1, EA 3.1(a): a written report from an accounting firm approved by Party A",
        "correct_report": "SPA 4.2, EA 3.1(a) (issue 12 item 8): the firm replaces its own mistaken report while "
        "no party has signed for the year",
    },
    Role.COMPLIANCE: {  # RULES.md: platform staff who audit history, read-only
        **READS,
        "view_register": "RULES.md: compliance reads every record of the deal",
        "oversee_deals": "RULES.md: compliance audits; it sees the missed deadlines and holds of its deals "
        "together (issue 12 item 8)",
        "view_fees": "RULES.md: compliance reads every record of the deal, the fee invoices too",
        "download_statement": "RULES.md: compliance reads every record of the deal, every party's statement too",
    },
}

# History written by no use case: the sweep's clock (SPA 5.1, 8.2) and the account-security chain.
EVENTS = {
    HistoryAction.YEAR_ENDED,
    HistoryAction.DEADLINE_MISSED,
    HistoryAction.LOGIN,
    HistoryAction.LOGIN_FAILED,
    HistoryAction.TWO_FACTOR_ENROLLED,
    HistoryAction.API_TOKEN_CREATED,  # a person's own token (issue 10 item 3), like enrolling two-factor
    HistoryAction.DEMO_CLOCK_MOVED,  # the demo clock (issue 12 item 9): DEMO_CLOCK settings only, no use case
}


# --- the declaration equals the contract ----------------------------------------------------------------


def test_the_declaration_has_exactly_the_contracts_use_cases():
    assert set(CONTRACT_USE_CASES) == set().union(*CONTRACT.values())


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_each_role_may_do_what_the_contract_says(role):
    declared = {name for name, case in CONTRACT_USE_CASES.items() if role in case.roles}
    assert declared == set(CONTRACT[role])


def test_the_role_table_equals_the_contracts_table():
    from_contract = {
        name: frozenset(r for r, cases in CONTRACT.items() if name in cases) for name in set().union(*CONTRACT.values())
    }
    assert {name: (roles, CONTRACT_USE_CASES[name].clause) for name, roles in from_contract.items()} == ROLE_ACTIONS


def test_platform_work_needs_a_permission_and_gives_no_role():
    assert STAFF_USE_CASES and all(case.permission and not case.roles for case in STAFF_USE_CASES.values())
    assert not set(STAFF_USE_CASES) & set(ROLE_ACTIONS)


@pytest.mark.django_db
def test_every_staff_permission_is_a_real_django_permission():
    for case in STAFF_USE_CASES.values():
        app, codename = case.permission.split(".")
        assert Permission.objects.filter(content_type__app_label=app, codename=codename).exists(), case.name


def _staff_work_asked(path):
    """What the code passes to require_staff (or prices' _authorise) as literals: a Django permission or the
    name of a staff use case."""
    asked = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        func = getattr(node, "func", None)
        if isinstance(node, ast.Call) and getattr(func, "attr", getattr(func, "id", "")) in (
            "require_staff",
            "_authorise",
        ):
            asked |= {
                c.value
                for arg in node.args
                for c in ast.walk(arg)
                if isinstance(c, ast.Constant) and isinstance(c.value, str)
            }
    return asked


def test_all_staff_work_the_code_asks_for_is_declared():
    root = Path(settings.BASE_DIR)
    asked = set().union(*(_staff_work_asked(p) for p in [*root.glob("escrow/**/*.py"), *root.glob("parties/**/*.py")]))
    declared = set(STAFF_USE_CASES) | {case.permission for case in STAFF_USE_CASES.values()}
    assert asked and asked <= declared


# --- words in both languages, clauses -------------------------------------------------------------------


@pytest.mark.parametrize("name", list(USE_CASES))
def test_each_use_case_has_translatable_words_and_a_clause(name):
    case = USE_CASES[name]
    assert isinstance(case.label, Promise) and isinstance(case.phrase, Promise)
    assert case.clause.strip()
    with translation.override("en"):
        assert str(case.label) and str(case.phrase) == name.replace("_", " ")


def test_a_declared_use_case_is_checked_when_it_is_made():
    from escrow.usecases.declared import UseCase

    with pytest.raises(ValueError, match="not both or neither"):
        UseCase("x", frozenset({Role.ISSUER}), "SPA 1", "x", "x", "deal", permission="escrow.add_deal")
    with pytest.raises(ValueError, match="HistoryAction"):
        UseCase("x", frozenset({Role.ISSUER}), "SPA 1", "x", "x", "deal", ("signed",))
    with pytest.raises(ValueError, match="scope"):
        UseCase("x", frozenset({Role.ISSUER}), "SPA 1", "x", "x", "year")


# --- what follows from the declaration ------------------------------------------------------------------


def test_phrases_labels_and_links_are_read_from_the_declaration():
    assert {name: case.phrase for name, case in CONTRACT_USE_CASES.items()} == ACTION_PHRASES
    assert {k: v for k, v in ACTION_LABELS.items() if k} == {name: case.label for name, case in USE_CASES.items()}
    assert DEAL_PAGES == {
        "confirm_deposit": "escrow:confirm_deposit",
        "approve_auditor": "escrow:approve_auditor",
        "return_for_cancellation": "escrow:return_for_cancellation",
        "enter_share_prices": "escrow:deal_prices",
        "issue_fee_invoices": "escrow:issue_fee_invoices",  # issue 14 item 5 (EA 4.4)
        "record_fee_payment": "escrow:record_fee_payment",
        "propose_corporate_action": "escrow:corporate_actions",  # issue 14 item 4: forms of the one page
        "confirm_corporate_action": "escrow:corporate_actions",
        # Issue 14 items 2, 3: dividends and votes (SPA 3.2, EA 1.3)
        "record_dividend": "escrow:record_dividend",
        "record_dividend_pass_through": "escrow:dividend_pass_through",
        "confirm_dividend_receipt": "escrow:dividend_receipt",
        "record_meeting": "escrow:record_meeting",
        "instruct_vote": "escrow:instruct_vote",
        "record_proxy_lodged": "escrow:proxy_lodged",
    }
    assert set(TRANCHE_PAGES) == {
        "file_report",
        "correct_report",
        "prepare_release",
        "approve_release",
        "withdraw_preparation",
        "record_call_back",
        "raise_dispute",
        "propose_settlement",
        "file_award",
        "suspend_release",
        "lift_suspension",
        "propose_adjustment",
    }
    assert all(TRANCHE_PAGES[name] == CONTRACT_USE_CASES[name].page for name in TRANCHE_PAGES)
    assert SIGN_KINDS == {
        "sign_joint_instruction": Instrument.Kind.JOINT_INSTRUCTION,
        "sign_settlement": Instrument.Kind.SETTLEMENT,
        "sign_adjustment": Instrument.Kind.ADJUSTMENT,
    }


def _resolves(name):
    for args in ([], [1], ["kaixin-2025"], ["kaixin-2025", 1]):
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return None


@pytest.mark.parametrize("name", list(USE_CASES))
def test_every_declared_page_and_endpoint_resolves(name):
    case = USE_CASES[name]
    for route in filter(None, (case.page, case.api)):
        assert _resolves(route), f"{name}: {route} is not a URL name"


def test_the_generated_docs_list_every_use_case():
    text = render_permissions()
    for case in USE_CASES.values():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{case.name}` |"))
        assert f"| {case.clause} |" in row
        with translation.override("en"):
            assert f"| {case.label} |" in row
        assert all(f"`{h.value}`" in row for h in case.history)
        assert (case.permission or "") in row and (case.page or "") in row and (case.api or "") in row


# --- history action names are an enum -------------------------------------------------------------------


def test_every_history_action_is_written_by_a_use_case_or_is_an_event():
    declared = {h for case in USE_CASES.values() for h in case.history}
    assert declared | EVENTS == set(HistoryAction)
    assert not declared & EVENTS


def _literal_actions(path):
    """History action names written as string literals: `action="signed"` / `action=f"..."` keywords
    and the first argument of record_account_event / record_reference_event."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        values = [k.value for k in node.keywords if k.arg == "action"]
        name = getattr(node.func, "attr", getattr(node.func, "id", ""))
        if name in ("record_account_event", "record_reference_event") and node.args:
            values.append(node.args[0])
        for value in values:
            if isinstance(value, ast.JoinedStr) or (
                isinstance(value, ast.Constant) and value.value in HistoryAction.values
            ):
                found.append(f"{path.name}:{node.lineno}")
    return found


def test_no_writer_spells_a_history_action_as_a_string():
    root = Path(settings.BASE_DIR)
    paths = [p for p in [*root.glob("escrow/**/*.py"), *root.glob("parties/**/*.py")] if "migrations" not in p.parts]
    assert [found for path in sorted(paths) for found in _literal_actions(path)] == []


def _persona_for(case):
    if case.name == "approve_release":
        return "agent2"  # four eyes: agent1 prepared year 3 in this world (EA 3.2)
    return next(p for p, role in ROLE_OF.items() if role in case.roles)


def _confirm_deposit(w):
    deal, people = make_deal("undeposited", targets=(665,), deposit=False)
    return lambda: actions.confirm_deposit(people["agent1"], deal, reference="DRS-3")


def _return_for_cancellation(w):
    deal, people = make_deal("expired", targets=(665,))
    open_and_file(deal, people, 1, "665000000")
    release(deal, people, 1)
    return lambda: actions.return_for_cancellation(people["agent1"], deal, reference="RET")


def _correct_report(w):
    """Issue 12 item 8: a one-year deal whose report nobody has signed for (the world's later years are in)."""
    deal, people = make_deal("correctable", targets=(665,))
    t = open_and_file(deal, people, 1, "598500000")
    return lambda: actions.correct_report(
        people["auditor"], t.pk, audited_revenue="665000000", pdf=make_pdf(), reason="Typed from the draft"
    )


def _lift_suspension(w):
    actions.suspend_release(w.people["issuer"], w.tranche(2).pk, reason="Seller breached SPA 8.1")
    return lambda: actions.lift_suspension(w.people["issuer"], w.tranche(2).pk, reason="Breach cured")


def _enter_share_prices(w):
    """SPA 8.2: the issuer of a deal enters a close of its own ticker (the permission matrix checks the role)."""
    return lambda: enter_share_price(w.people["issuer"], w.deal.ticker, date(2025, 12, 1), "1.2300")


def _record_fee_payment(w):
    """EA 4.4: year 1's invoice is issued first (its own use case), then its payment is recorded."""
    (invoice,) = actions.issue_fee_invoices(w.people["agent1"], w.deal)
    return lambda: actions.record_fee_payment(
        w.people["agent2"], w.deal, invoice.pk, paid_on=invoice.issued_on, reference="SWIFT-FEE-1"
    )


def _confirm_corporate_action(w):
    """Issue 14 item 4: a deal with shares in escrow and no year fixed in old shares, a 1-for-30 proposed."""
    deal, people = make_deal("consolidating", targets=(665,))
    actions.propose_corporate_action(
        people["issuer"], deal, ratio_new=1, ratio_old=30, effective_date=deal.effective_date, fraction_policy="floor"
    )
    return lambda: actions.confirm_corporate_action(people["agent1"], deal)


# The world's state refuses these (the deposit is in, the years are open): each gets its own ready state.
READY = {
    "confirm_deposit": _confirm_deposit,
    "return_for_cancellation": _return_for_cancellation,
    "correct_report": _correct_report,
    "lift_suspension": _lift_suspension,
    "enter_share_prices": _enter_share_prices,
    "record_fee_payment": _record_fee_payment,  # issue 14 item 5
    "confirm_corporate_action": _confirm_corporate_action,
}
READY.update(REGISTER_READY)  # issue 10 item 1 (tests/escrow/register_matrix.py)
# Issue 14 items 2, 3: the dividend or meeting is readied first (tests/escrow/holdings_matrix.py).
READY.update(
    {
        name: holdings_ready(name, _persona_for(CONTRACT_USE_CASES[name]))
        for name in ("record_dividend_pass_through", "confirm_dividend_receipt", "instruct_vote", "record_proxy_lodged")
    }
)


@pytest.mark.parametrize("name", sorted(CONTRACT_USE_CASES))
def test_each_use_case_writes_the_history_it_declares(world, db, name):  # noqa: F811
    """Run by a person allowed to: its first declared action is written, and nothing undeclared."""
    case, w = CONTRACT_USE_CASES[name], world.own
    run = READY[name](w) if name in READY else lambda: CALLS[name](w.people[_persona_for(case)], w)
    last = HistoryEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    run()
    written = set(HistoryEntry.objects.filter(pk__gt=last).values_list("action", flat=True))
    assert written <= set(case.history)
    assert (case.history[0] in written) if case.writes else not written


def test_the_world_wrote_only_enum_names(world, db):  # noqa: F811
    assert set(HistoryEntry.objects.values_list("action", flat=True)) <= set(HistoryAction.values)


# --- staff work: require_staff takes the permission or the use case's name -----------------------------


@pytest.fixture
def staff(db, django_user_model):
    person = django_user_model.objects.create_user("platform", password=PASSWORD, is_staff=True)
    person.user_permissions.add(Permission.objects.get(content_type__app_label="escrow", codename="add_deal"))
    return django_user_model.objects.get(pk=person.pk)  # fresh: no cached permissions


def test_staff_with_the_permission_may_by_permission_or_by_use_case(staff):
    require_staff(staff, "escrow.add_deal")
    require_staff(staff, "create_deal")


def test_staff_without_the_permission_are_refused_naming_it(staff):
    with pytest.raises(NotAllowed, match=r"escrow\.add_dealparty may add party"):
        require_staff(staff, "add_party")
    with pytest.raises(NotAllowed, match=r"escrow\.add_dealparty may do this"):
        require_staff(staff, "escrow.add_dealparty")


def test_a_contract_role_is_not_staff(people):
    with pytest.raises(NotAllowed):
        require_staff(people["issuer"], "create_deal")


def test_a_contract_use_case_or_a_typo_is_no_staff_permission(staff):
    for wrong in ("confirm_deposit", "create_deals"):
        with pytest.raises(ValueError):
            require_staff(staff, wrong)
