"""Holds and their lifting: dispute (EA 3.3), suspension (SPA 8.1), adjustment (SPA 5.3)."""

from datetime import timedelta

import pytest

from escrow import actions
from escrow.contract.errors import InvalidInput, NotAllowed, WrongState
from escrow.models import Hold, ShareMovement
from escrow.queries.clock import contract_today
from tests.conftest import PASSWORD, make_pdf, open_and_file, release, sign_instruction, tranche

pytestmark = pytest.mark.django_db
FOUR = ("issuer", "purchaser", "seller", "agent1")


def sign_all(people, instrument, who=FOUR):
    for person in who:
        actions.sign_instrument(
            people[person], instrument.pk, expected_sha256=instrument.document.sha256, password=PASSWORD
        )


@pytest.fixture
def year_1(deposited, people):
    return open_and_file(deposited, people, 1, "598500000")


def test_dispute_then_settlement_signed_by_all_four(year_1, people):
    actions.raise_dispute(people["seller"], year_1.pk, reason="Revenue of two dealerships was left out")
    assert tranche(year_1.deal, 1).state == "disputed"
    with pytest.raises(WrongState):
        sign_instruction(year_1.deal, people, 1)  # the old instruction cannot be signed while disputed
    settlement = actions.propose_settlement(
        people["issuer"], year_1.pk, quantity=2_850_000, reason="Parties agree revenue of RMB 631.75M"
    )
    sign_all(people, settlement, who=FOUR[:3])
    assert tranche(year_1.deal, 1).state == "disputed", "three of four signatures do not settle (EA 3.3)"
    sign_all(people, settlement, who=FOUR[3:])
    t = tranche(year_1.deal, 1)
    assert t.state == "awaiting_instruction" and t.release_quantity == 2_850_000
    hold = Hold.objects.get(tranche=t)
    assert hold.ended_at and hold.resolving_document == settlement.document
    t = release(year_1.deal, people, 1)
    assert ShareMovement.objects.get(kind="release").quantity == 2_850_000


def test_dispute_lifted_by_an_award(year_1, people):
    actions.raise_dispute(people["issuer"], year_1.pk, reason="Audit scope")
    actions.file_award(
        people["agent1"], year_1.pk, quantity=2_700_000, pdf_bytes=make_pdf("award"), reference="CIETAC (2027) No. 17"
    )
    assert tranche(year_1.deal, 1).state == "awaiting_instruction"


def test_award_needs_a_pdf(year_1, people):
    actions.raise_dispute(people["issuer"], year_1.pk, reason="Audit scope")
    with pytest.raises(InvalidInput):
        actions.file_award(people["agent1"], year_1.pk, quantity=1, pdf_bytes=b"not a pdf", reference="X")
    assert tranche(year_1.deal, 1).state == "disputed"


def test_suspension_by_issuer_returns_where_it_was(year_1, people):
    sign_instruction(year_1.deal, people, 1)
    assert tranche(year_1.deal, 1).state == "instructed"
    with pytest.raises(NotAllowed):
        actions.suspend_release(people["purchaser"], year_1.pk, reason="breach")
    with pytest.raises(InvalidInput):
        actions.suspend_release(people["issuer"], year_1.pk, reason="  ")
    actions.suspend_release(people["issuer"], year_1.pk, reason="Seller breached the non-compete (SPA 8.1)")
    assert tranche(year_1.deal, 1).state == "suspended"
    actions.lift_suspension(people["issuer"], year_1.pk, reason="Breach cured")
    t = tranche(year_1.deal, 1)
    assert t.state == "instructed" and t.state_before_hold == ""
    assert Hold.objects.get(tranche=t).ended_on is not None


def test_adjustment_of_quantity_and_timing(year_1, people):
    new_date = contract_today() + timedelta(days=120)
    adjustment = actions.propose_adjustment(
        people["purchaser"],
        year_1.pk,
        quantity=2_750_000,
        reason="Force majeure: flood closed two showrooms",
        release_due_date=new_date,
    )
    sign_all(people, adjustment)
    t = tranche(year_1.deal, 1)
    assert (t.state, t.release_quantity, t.release_due_date) == ("awaiting_instruction", 2_750_000, new_date)


def test_only_contract_parties_dispute(year_1, people):
    for who in ("auditor", "compliance"):
        with pytest.raises(NotAllowed):
            actions.raise_dispute(people[who], year_1.pk, reason="x")


def test_a_generous_award_caps_later_recovery_at_the_fifth(year_1, people):
    """SPA 5.1: a year never releases more than its fifth. Year 1's award released 250,000 more than
    the formula, so year 2's excess may only offset the 50,000 still unreleased for year 1."""
    actions.raise_dispute(people["seller"], year_1.pk, reason="Audit scope")
    actions.file_award(
        people["seller"], year_1.pk, quantity=2_950_000, pdf_bytes=make_pdf("award"), reference="CIETAC (2027) No. 3"
    )
    release(year_1.deal, people, 1)
    open_and_file(year_1.deal, people, 2, "865000000")
    t2 = tranche(year_1.deal, 2)
    assert t2.offset_shares == {"1": 50_000} and t2.release_quantity == 3_050_000
    assert t2.calculation["offset_capped_for_years"] == [1]
    release(year_1.deal, people, 2)
    assert ShareMovement.objects.filter(deal=year_1.deal).balances()["released"] == 6_000_000
