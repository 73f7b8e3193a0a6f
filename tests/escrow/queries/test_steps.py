"""Issue 12 item 4: the right next step for every state of a year and of the deal (escrow.queries.steps).

A year still to act on names the action, who, by when and under which clause; a released year and a closed
escrow say there is nothing to do, with what happened and when ("Released 3,000,000 shares on 2027-01-20 ·
EA 3.2"), never "Next step: Nobody needs to act yet · due ...". The years here are built in memory: only
next_step's reading of a state is under test (the pages and the API read the same NextStep)."""

from datetime import UTC, date, datetime

import pytest
from django.utils import translation

from escrow.models import Deal, HistoryEntry, Role, Tranche
from escrow.queries.steps import next_step, next_step_for_deal

AGENT, AUDITOR, ISSUER, PURCHASER, SELLER = (
    Role.ESCROW_AGENT,
    Role.AUDITOR,
    Role.ISSUER,
    Role.PURCHASER,
    Role.SELLER,
)
ALL_FOUR = (ISSUER, PURCHASER, SELLER, AGENT)


def deal(state="in_escrow"):
    return Deal(
        pk=1, slug="kaixin", name="Kaixin", total_shares=15_000_000, effective_date=date(2025, 12, 2), state=state
    )


def year(state, owner=None, **fields):
    values = {
        "year": 1,
        "period_start": date(2025, 12, 1),
        "period_end": date(2026, 11, 30),
        "target_revenue": 665_000_000,
        "release_due_date": date(2027, 1, 29),
        **fields,
    }
    tranche = Tranche(state=state, **values)
    tranche.deal = owner or deal()
    return tranche


def step_of(tranche, **kwargs):
    step = next_step(tranche, **kwargs)
    return step.roles, step.action, str(step.description), step.due, step.clause, step.done


def test_a_scheduled_year_waits_for_its_end():
    assert step_of(year("scheduled")) == (
        (),
        "",
        "Assessment year ends on 2026-11-30",
        date(2026, 11, 30),
        "SPA 1.4",
        False,
    )


def test_the_approved_firm_reports_by_the_release_date():
    assert step_of(year("awaiting_report")) == (
        (AUDITOR,),
        "file_report",
        "File the audited revenue report",
        date(2027, 1, 29),
        "SPA 4.2, EA 3.1(a)",
        False,
    )


def test_the_instruction_waits_for_whoever_has_not_signed():
    tranche = year("awaiting_instruction", calculation={})
    assert step_of(tranche)[:2] == ((ISSUER, PURCHASER), "sign_joint_instruction")
    assert step_of(tranche, signed_roles={ISSUER})[:2] == ((PURCHASER,), "sign_joint_instruction")


def test_a_missed_year_under_settlement_only_needs_a_settlement():
    tranche = year("awaiting_instruction", calculation={"requires_settlement": True})
    assert step_of(tranche)[:2] + step_of(tranche)[4:] == (ALL_FOUR, "sign_settlement", "EA 3.1(a), EA 3.3", False)


@pytest.mark.parametrize("state, action", [("instructed", "prepare_release"), ("release_prepared", "approve_release")])
def test_the_officers_transfer_by_the_ea_3_2_deadline(db, state, action):
    tranche = year(state, documents_complete_on=date(2027, 1, 10), transfer_due_date=date(2027, 1, 24))
    roles, got, _words, due, clause, done = step_of(tranche)
    assert (roles, got, due, clause, done) == ((AGENT,), action, date(2027, 1, 24), "EA 3.2", False)


def test_holds_name_who_ends_them():
    assert step_of(year("disputed"))[:2] + step_of(year("disputed"))[3:] == (
        ALL_FOUR,
        "propose_settlement",
        None,
        "EA 3.3",
        False,
    )
    assert step_of(year("suspended"))[:2] == ((ISSUER,), "lift_suspension")


def test_a_released_year_has_nothing_to_do_and_says_what_and_when():
    released = year("released", release_quantity=3_000_000, released_on=date(2027, 1, 20))
    assert step_of(released) == ((), "", "Released 3,000,000 shares on 2027-01-20", None, "EA 3.2", True)
    with translation.override("zh-hans"):
        words = str(next_step(released).description)
    assert "3,000,000" in words and "2027-01-20" in words and "Released" not in words


def test_a_year_of_a_closed_escrow_says_what_went_back_for_cancellation():
    closed = deal("closed")
    # The escrow's end as its history entry records it (SPA 5.2(1)): read once per deal object.
    closed._closing_entry = HistoryEntry(at=datetime(2031, 2, 10, 2, tzinfo=UTC), details={"quantity": 300_000})
    released = year("released", closed, release_quantity=3_000_000, released_on=date(2027, 1, 20))
    assert step_of(released) == (
        (),
        "",
        "Released 3,000,000 shares on 2027-01-20; the escrow closed on 2031-02-10 and 300,000 shares went back "
        "to the issuer for cancellation",
        None,
        "EA 3.2, SPA 5.2(1)",
        True,
    )
    step = next_step_for_deal(closed)
    assert (step.roles, step.action, step.due, step.clause, step.done) == ((), "", None, "SPA 5.2(1)", True)
    assert str(step.description) == (
        "The escrow closed on 2031-02-10: 300,000 shares went back to the issuer for cancellation"
    )


def test_a_deal_in_escrow_has_no_step_of_its_own():
    assert next_step_for_deal(deal("in_escrow")) is None
