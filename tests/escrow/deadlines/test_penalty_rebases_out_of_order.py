"""SPA 8.2, P7, EA 4.2 (issue 14 leftover): a stock dividend and a consolidation recorded in the opposite order of
their effective dates. Each rebase movement is computed on the ledger as it stands when recorded and dated on its
own effective day (escrow.queries.quantities.rebase_sources), so one taking effect before another already recorded
would give the days between a negative or doubled size (measured: -190,000 shares; or 400,000 instead of 110,000,
2,727.27 a day instead of 750). The later recording is refused (preconditions.rebases_in_day_order) and changes
nothing; recorded in day order, the stored days are the stepwise ones: 750 a day (3,000,000 old shares at 2.50)."""

from datetime import date
from decimal import Decimal

import pytest

from escrow.actions import holdings as act
from escrow.contract.errors import WrongState
from escrow.models import ShareMovement

from .conftest import days, on
from .test_penalty_accrual import _sweep
from .test_penalty_backdated_rebase import _consolidate, _rows
from .test_penalty_backdated_rebase import late as rebased_late  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

RECORDED = date(2027, 2, 6)


def _dividend(deal, people, received, at, hour=12):
    with on(at, hour=hour):
        dividend = act.record_dividend(
            people["issuer"],
            deal,
            kind="shares",
            declared_on=date(2027, 1, 20),
            record_date=received,
            payment_date=received,
            per_share="0.1",
        )
        act.record_dividend_pass_through(people["agent1"], deal, dividend.pk, paid_on=received, reference="TA-SD")


def _rebases(deal):
    movements = ShareMovement.objects.filter(deal=deal, kind=ShareMovement.Kind.REBASE)
    return sorted(movements.values_list("fact_key", "quantity"))


def test_a_consolidation_effective_before_a_dividend_already_received_is_refused(rebased_late, people):  # noqa: F811
    """The dividend received 02-03 is recorded first (02-06, 11 a.m.); the consolidation effective 02-01 at noon."""
    deal = rebased_late.deal
    _dividend(deal, people, date(2027, 2, 3), RECORDED, hour=11)
    before = _rebases(deal)
    with pytest.raises(WrongState) as refused:
        _consolidate(deal, people, 1, 30, hour=12)
    assert "2027-02-03" in refused.value.message and "2027-02-01" in refused.value.message
    assert _rebases(deal) == before


def test_a_dividend_received_before_a_consolidation_already_confirmed_is_refused(rebased_late, people):  # noqa: F811
    """The consolidation effective 02-03 is confirmed first (02-06, 11 a.m.); the dividend received 02-01 at noon."""
    deal = rebased_late.deal
    _consolidate(deal, people, 1, 30, effective=date(2027, 2, 3), hour=11)
    before = _rebases(deal)
    with pytest.raises(WrongState):
        _dividend(deal, people, date(2027, 2, 1), RECORDED, hour=12)
    assert _rebases(deal) == before


def test_recorded_in_day_order_the_stored_days_are_the_stepwise_ones(rebased_late, people):  # noqa: F811
    """Stepwise: 02-01 the 1-for-30 consolidation (3,000,000 -> 100,000), 02-03 the 10% stock dividend (100,000
    -> 110,000), both recorded on 02-06 in that order."""
    deal = rebased_late.deal
    _consolidate(deal, people, 1, 30, hour=11)
    _dividend(deal, people, date(2027, 2, 3), RECORDED, hour=12)
    _sweep(date(2027, 2, 7))
    rows = _rows(rebased_late)
    stepwise = {d: 3_000_000 if d < date(2027, 2, 1) else 100_000 if d < date(2027, 2, 3) else 110_000 for d in rows}
    assert {d: r.shares for d, r in rows.items()} == stepwise
    assert {d: r.amount for d, r in rows.items()} == dict.fromkeys(days(date(2027, 1, 30), RECORDED), Decimal("750"))
