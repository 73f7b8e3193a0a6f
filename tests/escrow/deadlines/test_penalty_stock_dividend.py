"""SPA 8.2 across a stock dividend (issue 14 items 2, 4; P7): a 10% stock dividend grows the late year's nominal
tranche from 3,000,000 to 3,300,000 shares the day its new shares are received into escrow. For the share basis it
is an 11-for-10 split (SPA 3.2; escrow.contract.corporate_actions.stock_dividend_ratio): a close from before that
day is put on the new basis (x 10/11) for the later days, so the value of the shares not released, and the
penalty, are what they were on the pre-dividend basis; a close dated from that day on is already on the new basis
and is used as entered."""

from datetime import date
from decimal import Decimal

import pytest

from escrow.actions import holdings as act
from escrow.actions.prices import correct_share_price
from escrow.contract.penalty import PenaltyDayInput, accrue
from escrow.models import PenaltyDay, SharePrice
from tests.conftest import tranche

from .conftest import days, on
from .test_penalty_accrual import _prices, _sweep

pytestmark = pytest.mark.django_db

RECEIVED = date(2027, 2, 1)  # the new shares reach the agent: the day the rebases (and the new basis) count from


@pytest.fixture
def late(deposited, people):
    """Year 1 with no report (SPA 5.1 deadline 2027-01-29), closes of 2.50 to 01-29, swept to 01-31, then a 10%
    stock dividend on the 15,000,000 shares in escrow received on 02-01 (1,500,000 new, 300,000 per year)."""
    from escrow import actions

    t1 = tranche(deposited, 1)
    actions.open_year(t1.pk, today=date(2026, 12, 1))
    _prices(date(2027, 1, 1), date(2027, 1, 29))
    _sweep(date(2027, 1, 31))
    with on(RECEIVED):
        dividend = act.record_dividend(
            people["issuer"],
            deposited,
            kind="shares",
            declared_on=date(2027, 1, 20),
            record_date=RECEIVED,
            payment_date=RECEIVED,
            per_share="0.1",
        )
        act.record_dividend_pass_through(
            people["agent1"], deposited, dividend.pk, paid_on=RECEIVED, reference="TA-SD", amount="1,500,000"
        )
    return t1


def _rows(t):
    return {r.day: r for r in PenaltyDay.objects.filter(tranche=t).order_by("day")}


def test_a_close_from_before_the_dividend_values_the_grown_tranche_as_the_old_one(late, people):
    _sweep(date(2027, 2, 10))
    rows = _rows(late)
    before, after = rows[date(2027, 1, 31)], rows[date(2027, 2, 2)]
    assert (before.shares, before.price, before.amount) == (3_000_000, Decimal("2.5"), Decimal("750"))
    # 3,300,000 shares x 2.50 x 10/11 = 7,500,000: the same holding on the same basis, not 10% more.
    assert (after.shares, after.price_date) == (3_300_000, date(2027, 1, 29))
    assert after.price == Decimal("2.2727")  # shown to the column's 4 decimals; valued exactly
    assert after.amount == Decimal("750") and after.cap == Decimal("375000")

    # The whole penalty equals the one computed on the pre-dividend basis (3,000,000 shares, closes as entered).
    closes = {d: Decimal("2.5") for d in days(date(2027, 1, 1), date(2027, 1, 29)) if d.weekday() < 5}
    old_basis = accrue(
        [PenaltyDayInput(day, 3_000_000, r.liable or None, "") for day, r in rows.items()],
        closes,
        late.deal.penalty_cap_valuation,
    )
    last = rows[max(rows)]
    assert last.running_total == old_basis.total.quantize(Decimal("0.00000001")) == Decimal("750") * len(rows)
    assert [r.amount for r in rows.values()] == [Decimal(r.amount) for r in old_basis.rows]

    # A close corrected before the delay makes the sweep compare the stored days again: none changed (the close
    # shown with 4 decimals is the one recomputed, not a revaluation).
    price = SharePrice.objects.get(ticker="KXIN", day=date(2027, 1, 27))
    with on(date(2027, 2, 10), hour=11):
        correct_share_price(people["issuer"], price, "2.6000", "Nasdaq official close")
    report = _sweep(date(2027, 2, 10), hour=12)
    assert (report.penalty["days_revalued"], report.penalty["revaluations_recorded"]) == (0, 0)


def test_a_close_entered_after_the_dividend_is_on_the_new_basis_already(late):
    # Closes from the day the new shares are received: the market prices the grown share count (2.30, not 2.53).
    _prices(RECEIVED, date(2027, 2, 5), close="2.3000")
    _sweep(date(2027, 2, 7))
    rows = _rows(late)
    carried = rows[date(2027, 1, 31)]
    assert (carried.shares, carried.price, carried.amount) == (3_000_000, Decimal("2.5"), Decimal("750"))
    new = rows[date(2027, 2, 6)]  # a Saturday: Friday's close, as entered (same basis as the grown tranche)
    assert (new.shares, new.price, new.price_date) == (3_300_000, Decimal("2.3"), date(2027, 2, 5))
    assert new.amount == Decimal("759")  # 0.01% x 3,300,000 x 2.30
