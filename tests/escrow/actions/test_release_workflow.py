"""End to end through the actions: EA 3.1 documents, EA 3.2 four-eyes transfer, SPA 5.2 quantities."""

from datetime import date

import pytest

from escrow import actions
from escrow.contract.errors import NotAllowed, WrongState
from escrow.models import ShareMovement
from tests.conftest import PASSWORD, open_and_file, release, sign_instruction, tranche
from tests.escrow.call_backs import confirm_call_back

pytestmark = pytest.mark.django_db


def balances(deal):
    return ShareMovement.objects.filter(deal=deal).balances()


def test_kaixin_year_1_on_target_end_to_end(deposited, people):
    """SPA 5.1: target met -> one fifth (3,000,000) released; EA 3.1 both documents; EA 3.2 transfer."""
    t = open_and_file(deposited, people, 1, "665000000")
    assert t.state == "awaiting_instruction"
    assert t.release_quantity == 3_000_000
    t, _ = sign_instruction(deposited, people, 1)
    assert t.state == "instructed"
    assert t.transfer_due_date is not None
    t = _finish(deposited, people, t)
    assert t.state == "released"
    assert balances(deposited) == {
        "deposited": 15_000_000,
        "rebased": 0,
        "released": 3_000_000,
        "returned": 0,
        "in_escrow": 12_000_000,
    }


def _finish(deal, people, t):
    instruction = t.instruments.get(kind="joint_instruction", status="effective")
    actions.prepare_release(people["agent1"], t.pk, expected_sha256=instruction.document.sha256, password=PASSWORD)
    confirm_call_back(deal, people, t)  # issue 10 item 2
    actions.approve_release(
        people["agent2"],
        t.pk,
        expected_sha256=instruction.document.sha256,
        transfer_reference="TA-1",
        password=PASSWORD,
    )
    return tranche(deal, t.year)


def test_worked_example_years_1_and_2(deposited, people):
    """RULES.md worked example: year 1 10% short, year 2's half excess offsets it (SPA 5.2(1), (2))."""
    open_and_file(deposited, people, 1, "598500000")
    t1 = release(deposited, people, 1)
    assert (t1.own_release, t1.deducted, t1.release_quantity) == (2_700_000, 300_000, 2_700_000)
    open_and_file(deposited, people, 2, "865000000")
    t2 = release(deposited, people, 2)
    assert t2.offset_shares == {"1": 300_000}
    assert t2.release_quantity == 3_300_000
    assert balances(deposited)["released"] == 6_000_000


def test_same_officer_cannot_prepare_and_approve(deposited, people):
    """EA 3.2 four eyes: the preparer may not approve."""
    open_and_file(deposited, people, 1, "665000000")
    t, instruction = sign_instruction(deposited, people, 1)
    digest = instruction.document.sha256
    actions.prepare_release(people["agent1"], t.pk, expected_sha256=digest, password=PASSWORD)
    with pytest.raises(NotAllowed, match="four eyes"):
        actions.approve_release(
            people["agent1"], t.pk, expected_sha256=digest, transfer_reference="X", password=PASSWORD
        )
    assert tranche(deposited, 1).state == "release_prepared"
    assert balances(deposited)["released"] == 0


def test_nothing_opens_before_the_deposit(kaixin, people):
    """EA 1.1: without the deposit there is nothing to release; the year stays scheduled."""
    t = tranche(kaixin, 1)
    actions.open_year(t.pk, today=date(2026, 12, 1))
    assert tranche(kaixin, 1).state == "scheduled"


def test_wrong_state_changes_nothing(deposited, people):
    t = tranche(deposited, 1)
    with pytest.raises(WrongState):
        actions.prepare_release(people["agent1"], t.pk, expected_sha256="0" * 64, password=PASSWORD)
    assert tranche(deposited, 1).state == "scheduled"
