"""The escrow fee (EA 4.4, EA 2): USD 5,000 per started escrow year; who pays is P9."""

from datetime import date
from decimal import Decimal

import pytest

from escrow.contract.errors import InvalidInput
from escrow.contract.fees import (
    FEE_PER_YEAR,
    anniversary,
    fee_due_on,
    invoice_number,
    payer_shares,
    started_years,
    year_of,
)

ISSUED = date(2025, 12, 22)  # the deposit's date of issue (EA 1.1, EA 2)


def test_five_year_escrow_with_a_last_partial_year_is_six_started_years():
    """EA 2: the last release on 2030-12-31 falls nine days into the sixth year, which is charged."""
    years = started_years(ISSUED, date(2030, 12, 31), ended_on=date(2030, 12, 31))
    assert [y.number for y in years] == [1, 2, 3, 4, 5, 6]
    assert (years[0].start, years[0].end) == (date(2025, 12, 22), date(2026, 12, 21))
    assert (years[5].start, years[5].end) == (date(2030, 12, 22), date(2031, 12, 21))
    assert years[5].partial and years[5].ended_on == date(2030, 12, 31)
    assert not any(y.partial for y in years[:5])
    assert sum(FEE_PER_YEAR for _ in years) == Decimal("30000.00")


def test_running_escrow_counts_years_started_through_today():
    assert len(started_years(ISSUED, date(2025, 12, 21))) == 0
    assert len(started_years(ISSUED, ISSUED)) == 1
    assert len(started_years(ISSUED, date(2026, 12, 21))) == 1
    assert len(started_years(ISSUED, date(2026, 12, 22))) == 2  # the first anniversary starts year 2
    assert len(started_years(ISSUED, date(2030, 12, 21))) == 5


def test_returned_early_is_fewer_years():
    years = started_years(ISSUED, date(2031, 6, 1), ended_on=date(2028, 3, 1))
    assert [y.number for y in years] == [1, 2, 3]
    assert years[-1].partial


def test_ending_on_an_anniversary_does_not_start_a_new_year():
    """The day the last share leaves ends the period; a year beginning that day has not started."""
    years = started_years(ISSUED, date(2031, 1, 1), ended_on=date(2030, 12, 22))
    assert [y.number for y in years] == [1, 2, 3, 4, 5]
    assert not years[-1].partial  # ended the day after year 5's last day
    # Ending on the date of issue itself still charges the year begun that day.
    assert len(started_years(ISSUED, ISSUED, ended_on=ISSUED)) == 1


def test_end_before_issue_is_refused():
    with pytest.raises(InvalidInput):
        started_years(ISSUED, date(2026, 1, 1), ended_on=date(2025, 12, 1))


def test_leap_day_anniversary_falls_on_28_february():
    assert anniversary(date(2028, 2, 29), 1) == date(2029, 2, 28)
    assert year_of(date(2028, 2, 29), 2).start == date(2029, 2, 28)
    assert year_of(date(2028, 2, 29), 1).end == date(2029, 2, 27)
    with pytest.raises(InvalidInput):
        year_of(ISSUED, 0)


def test_payer_shares_under_p9():
    assert payer_shares("issuer") == {"issuer": Decimal("5000.00")}
    assert payer_shares("purchaser") == {"purchaser": Decimal("5000.00")}
    assert payer_shares("split") == {"issuer": Decimal("2500.00"), "purchaser": Decimal("2500.00")}
    odd = payer_shares("split", Decimal("0.03"))
    assert odd == {"issuer": Decimal("0.02"), "purchaser": Decimal("0.01")}
    assert sum(odd.values()) == Decimal("0.03")
    with pytest.raises(InvalidInput):
        payer_shares("seller")


def test_due_date_and_number():
    assert fee_due_on(date(2025, 12, 22)) == date(2026, 1, 21)
    assert invoice_number("kaixin-2025", 3) == "kaixin-2025-FEE-3"
