"""SPA 8.2 across a consolidation (issue 14 item 4): a late year with no report is valued on its nominal
tranche; after a 1-for-30 consolidation the nominal tranche is the rebased 100,000 shares and the last close,
entered before the effective date, is put on the new basis (x30), so the day's market value, and its 0.01%,
is the same holding valued on the same basis."""

from datetime import date
from decimal import Decimal

import pytest

from escrow import actions
from escrow.models import PenaltyDay
from tests.conftest import tranche

from .conftest import on
from .test_penalty_accrual import _prices, _sweep

pytestmark = pytest.mark.django_db


def test_days_after_the_effective_date_compare_rebased_shares_with_rebased_closes(deposited, people):
    t1 = tranche(deposited, 1)
    actions.open_year(t1.pk, today=date(2026, 12, 1))  # the report never comes: SPA 5.1 deadline 2027-01-29
    _prices(date(2027, 1, 1), date(2027, 1, 29))  # 2.50 per old share
    _sweep(date(2027, 1, 31))
    with on(date(2027, 2, 1)):
        actions.propose_corporate_action(
            people["issuer"],
            deposited,
            ratio_new=1,
            ratio_old=30,
            effective_date=date(2027, 2, 1),
            fraction_policy="round-up",
        )
        actions.confirm_corporate_action(people["agent1"], deposited)
    _sweep(date(2027, 2, 3))
    rows = {r.day: r for r in PenaltyDay.objects.filter(tranche=t1)}
    before, after = rows[date(2027, 1, 31)], rows[date(2027, 2, 2)]
    assert (before.shares, before.price, before.amount) == (3_000_000, Decimal("2.5"), Decimal("750"))
    assert (after.shares, after.price, after.price_date) == (100_000, Decimal("75"), date(2027, 1, 29))
    assert after.amount == Decimal("750")  # the same holding on the same basis
