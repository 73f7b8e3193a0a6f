"""SPA 8.2 / EA 5.2 accrual by the sweep: holds stop and restart the clock, the 5% cap (P7), and
missing prices reported as missing, never guessed, then valued once entered."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from escrow import actions
from escrow.actions.deadlines import sweep
from escrow.actions.prices import import_prices, parse_price_csv
from escrow.models import PenaltyDay
from escrow.queries.penalties import penalty_table
from tests.conftest import open_and_file, tranche

from .conftest import days, on, price_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def late(deposited, people):
    with on(date(2027, 1, 20)):
        open_and_file(deposited, people, 1, "665000000", today=date(2027, 1, 20))
    return tranche(deposited, 1)


def _prices(first, last, close="2.5000"):
    """Entered by Kaixin's issuer (SPA 8.2)."""
    issuer = get_user_model().objects.get(username="issuer")
    import_prices(issuer, parse_price_csv(price_csv(first, last, close), today=date(2030, 1, 1)))


def test_a_suspension_stops_the_clock_and_lifting_it_restarts_it(late, people):
    """SPA 8.1 / 8.2: days under the issuer's suspension are justified; the clock runs again after."""
    _prices(date(2027, 1, 1), date(2027, 3, 1))
    for day in days(date(2027, 1, 30), date(2027, 2, 12)):
        with on(day):
            if day == date(2027, 2, 3):
                actions.suspend_release(people["issuer"], late.pk, reason="Seller breached the non-compete")
            if day == date(2027, 2, 6):
                actions.lift_suspension(people["issuer"], late.pk, reason="Breach cured")
            sweep(today=day)
    rows = {r.day: r for r in PenaltyDay.objects.filter(tranche=late)}
    stopped = [d for d, r in rows.items() if "suspension hold (SPA 8.1)" in r.reason]
    assert stopped == list(days(date(2027, 2, 3), date(2027, 2, 6)))
    assert all(rows[d].liable == "" and rows[d].amount == 0 and rows[d].clause == "SPA 8.1" for d in stopped)
    assert [d for d, r in rows.items() if r.liable == "issuer"] == [
        *days(date(2027, 1, 30), date(2027, 2, 2)),
        *days(date(2027, 2, 7), date(2027, 2, 11)),
    ]
    assert penalty_table(late).total == Decimal(750 * 9)


def test_the_total_is_capped_at_5_percent(late):
    """SPA 8.2, P7 last-day: with a constant price the cap is reached after 500 liable days."""
    _prices(date(2027, 1, 1), date(2027, 1, 29))  # later days take the last close
    sweep(today=date(2028, 7, 1))
    rows = list(PenaltyDay.objects.filter(tranche=late).order_by("day"))
    cap = Decimal("375000")  # 5% x 3,000,000 x 2.50
    assert not rows[498].capped and rows[498].running_total == Decimal(750 * 499)
    assert rows[499].capped and rows[499].running_total == cap
    assert rows[-1].running_total == cap and rows[-1].cap == cap
    table = penalty_table(late)
    assert table.capped and table.total == cap


def test_missing_prices_are_reported_then_valued_when_entered(late):
    _prices(date(2027, 2, 1), date(2027, 2, 28))  # nothing on or before 2027-01-31
    sweep(today=date(2027, 2, 4))
    table = penalty_table(late)
    assert table.missing_price_days == [date(2027, 1, 30), date(2027, 1, 31)] and not table.complete
    missing = PenaltyDay.objects.get(tranche=late, day=date(2027, 1, 30))
    assert (missing.amount, missing.price, missing.liable) == (None, None, "issuer")
    assert table.total == Decimal(750 * 3)  # the valued days only
    again = sweep(today=date(2027, 2, 4))
    assert again.penalty["days_revalued"] == 0 and again.penalty["tranches"] == 0
    _prices(date(2027, 1, 29), date(2027, 1, 29), close="2.0000")
    report = sweep(today=date(2027, 2, 4))
    assert report.penalty["days_revalued"] == 5  # two valued now, three running totals moved
    table = penalty_table(late)
    assert table.complete and table.total == Decimal(600 * 2 + 750 * 3)
    assert sweep(today=date(2027, 2, 4)).penalty["tranches"] == 0


def test_a_corrected_price_revalues_the_days_it_touched(late, tmp_path):
    from .conftest import import_csv

    _prices(date(2027, 1, 1), date(2027, 2, 28))
    sweep(today=date(2027, 2, 2))
    with on(date(2027, 2, 2)):
        out = import_csv(tmp_path, "ticker,date,close\nKXIN,2027-01-29,3.0000\n", "--replace", "--by", "issuer")
    assert "1 corrected" in out
    sweep(today=date(2027, 2, 2))
    amounts = dict(PenaltyDay.objects.filter(tranche=late).values_list("day", "amount"))
    # Sat and Sun take Friday 01-29's corrected close; Monday has its own.
    assert amounts == {date(2027, 1, 30): Decimal(900), date(2027, 1, 31): Decimal(900), date(2027, 2, 1): Decimal(750)}


def test_no_penalty_before_the_deadline_or_after_the_release(deposited, people):
    with on(date(2027, 1, 20)):
        open_and_file(deposited, people, 1, "665000000", today=date(2027, 1, 20))
    sweep(today=date(2027, 1, 30))
    assert not PenaltyDay.objects.exists()  # 2027-01-30 is accrued once it has ended
