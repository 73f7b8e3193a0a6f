"""The deal's ends: deposit (EA 1.1) and, after year 5, the return for cancellation (SPA 5.2(1))."""

import pytest

from escrow import actions
from escrow.contract.errors import NotAllowed, WrongState
from escrow.models import Deal, ShareMovement
from tests.conftest import open_and_file, release

pytestmark = pytest.mark.django_db
WORKED = ["598500000", "865000000", "805000000", "885000000", "974000000"]


def run_five_years(deal, people):
    for year, revenue in enumerate(WORKED, 1):
        open_and_file(deal, people, year, revenue)
        release(deal, people, year)


def test_deposit_only_by_the_agent(kaixin, people):
    with pytest.raises(NotAllowed):
        actions.confirm_deposit(people["issuer"], kaixin)
    actions.confirm_deposit(people["agent2"], kaixin)
    with pytest.raises(WrongState):
        actions.confirm_deposit(people["agent1"], kaixin)
    assert ShareMovement.objects.get(kind="deposit").quantity == 15_000_000


def test_worked_example_closes_with_nothing_cancelled(deposited, people):
    with pytest.raises(WrongState, match="not released yet"):
        actions.return_for_cancellation(people["agent1"], deposited)
    run_five_years(deposited, people)
    actions.return_for_cancellation(people["agent1"], deposited)
    assert Deal.objects.get(pk=deposited.pk).state == "closed"
    assert ShareMovement.objects.filter(deal=deposited).balances() == {
        "deposited": 15_000_000,
        "rebased": 0,
        "released": 15_000_000,
        "returned": 0,
        "in_escrow": 0,
    }


def test_6k_reading_returns_300000_for_cancellation(deposited, people):
    Deal.objects.filter(pk=deposited.pk).update(excess_credit="whole-excess-over-50pct")
    run_five_years(deposited, people)
    actions.return_for_cancellation(people["agent1"], deposited)
    assert ShareMovement.objects.filter(deal=deposited).balances() == {
        "deposited": 15_000_000,
        "rebased": 0,
        "released": 14_700_000,
        "returned": 300_000,
        "in_escrow": 0,
    }
