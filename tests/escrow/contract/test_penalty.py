"""SPA 8.2 / EA 5.2 delay penalty: attribution, holds, prices, the 5% cap (policy P7)."""

import json
from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from escrow.contract.penalty import (
    CAP_RATE,
    DAILY_RATE,
    Hold,
    PenaltyDayInput,
    accrue,
    attribute_day,
    attribute_days,
    close_on,
)

RELEASE_DUE = date(2027, 1, 29)
TRANSFER_DUE = date(2027, 2, 10)


def who(day, signed=None, transfer=TRANSFER_DUE, released=None, holds=()):
    return attribute_day(
        day,
        release_due=RELEASE_DUE,
        instruction_signed_on=signed,
        transfer_due=transfer,
        released_on=released,
        holds=holds,
    )


def days_from(first, count, shares=1000, liable="issuer"):
    return [PenaltyDayInput(first + timedelta(days=i), shares, liable) for i in range(count)]


# --- Attribution (SPA 5.1, EA 3.2, EA 5.2) ------------------------------------------------------


def test_constants():
    assert D("0.0001") == DAILY_RATE and D("0.05") == CAP_RATE


def test_no_one_liable_on_or_before_release_deadline():
    assert who(RELEASE_DUE).liable is None


def test_issuer_liable_after_deadline_without_instruction():
    result = who(RELEASE_DUE + timedelta(days=1))
    assert result.liable == "issuer" and "EA 5.2" in result.clause


def test_instruction_signed_that_day_relieves_issuer():
    day = RELEASE_DUE + timedelta(days=3)
    assert who(day, signed=day).liable is None
    assert who(day, signed=day + timedelta(days=1)).liable == "issuer"  # signed later: still the issuer's day


def test_agent_liable_after_transfer_deadline():
    day = TRANSFER_DUE + timedelta(days=1)
    result = who(day, signed=date(2027, 1, 27))
    assert result.liable == "escrow_agent" and result.clause == "EA 3.2"
    assert who(TRANSFER_DUE, signed=date(2027, 1, 27)).liable is None  # the deadline day itself is in time


def test_agent_never_liable_without_instruction():
    assert who(TRANSFER_DUE + timedelta(days=5), transfer=TRANSFER_DUE).liable == "issuer"


def test_released_shares_stop_the_clock():
    day = TRANSFER_DUE + timedelta(days=5)
    assert who(day, signed=date(2027, 1, 27), released=day).liable is None
    assert who(day, released=day - timedelta(days=1)).liable is None


@pytest.mark.parametrize("kind, clause", [("dispute", "EA 3.3"), ("suspension", "SPA 8.1"), ("adjustment", "SPA 5.3")])
def test_holds_attribute_to_nobody(kind, clause):
    hold = Hold(date(2027, 2, 1), date(2027, 2, 3), kind, "quantity contested")
    result = who(date(2027, 2, 3), holds=[hold])
    assert result.liable is None and result.clause == clause
    assert kind in result.reason and "quantity contested" in result.reason
    assert who(date(2027, 2, 4), holds=[hold]).liable == "issuer"  # restarted the day after the lift


def test_open_hold_lasts():
    hold = Hold(date(2027, 2, 1), None, "suspension")
    assert who(date(2030, 1, 1), holds=[hold]).liable is None


def test_bad_holds_rejected():
    with pytest.raises(ValueError):
        Hold(date(2027, 2, 1), None, "holiday")
    with pytest.raises(ValueError):
        Hold(date(2027, 2, 1), date(2027, 1, 1), "dispute")


def test_each_day_at_most_one_party():
    days = attribute_days(
        date(2027, 1, 1),
        date(2027, 3, 31),
        100,
        release_due=RELEASE_DUE,
        instruction_signed_on=date(2027, 2, 5),
        transfer_due=TRANSFER_DUE,
        released_on=date(2027, 3, 1),
        holds=[Hold(date(2027, 2, 12), date(2027, 2, 14), "dispute")],
    )
    liable = {d.day: d.liable for d in days}
    assert liable[date(2027, 1, 29)] is None and liable[date(2027, 1, 30)] == "issuer"
    assert liable[date(2027, 2, 5)] is None and liable[date(2027, 2, 11)] == "escrow_agent"
    assert liable[date(2027, 2, 13)] is None and liable[date(2027, 2, 15)] == "escrow_agent"
    assert liable[date(2027, 3, 1)] is None
    assert set(liable.values()) <= {None, "issuer", "escrow_agent"}


# --- Prices -------------------------------------------------------------------------------------


def test_close_on_uses_last_close_before():
    prices = {date(2027, 1, 29): D("1.25"), date(2027, 2, 1): D("1.30")}  # Fri, Mon
    assert close_on(prices, date(2027, 1, 30)) == (D("1.25"), date(2027, 1, 29))
    assert close_on(prices, date(2027, 2, 1)) == (D("1.30"), date(2027, 2, 1))
    assert close_on(prices, date(2027, 1, 28)) == (None, None)  # never guessed


def test_missing_price_reported_not_guessed():
    first = date(2027, 1, 30)
    schedule = accrue(days_from(first, 5), {first + timedelta(days=2): D("2")})
    assert schedule.missing_prices == [first, first + timedelta(days=1)]
    assert [r.missing_price for r in schedule.rows] == [True, True, False, False, False]
    assert schedule.rows[0].amount is None and schedule.rows[0].price is None
    assert schedule.total == 3 * D("0.0001") * 1000 * 2 and not schedule.complete
    assert "without a known price" in schedule.explanations[0].figure


# --- Accrual ------------------------------------------------------------------------------------


def test_daily_amount_is_exact():
    row = accrue(days_from(date(2027, 1, 30), 1, shares=3_000_000), {date(2027, 1, 29): D("1.23")}).rows[0]
    assert row.amount == D("369") and row.market_value == D("3690000") and row.price_date == date(2027, 1, 29)


def test_holds_stop_the_clock_in_accrual():
    days = attribute_days(
        date(2027, 1, 30),
        date(2027, 2, 8),
        1000,
        release_due=RELEASE_DUE,
        instruction_signed_on=None,
        transfer_due=None,
        released_on=None,
        holds=[Hold(date(2027, 2, 1), date(2027, 2, 4), "dispute", "EA 3.3 dispute")],
    )
    schedule = accrue(days, {date(2027, 1, 1): D("10")})
    liable_days = [r.day for r in schedule.rows if r.liable]
    assert len(liable_days) == 6  # 10 days less the 4 days of the hold
    assert all(r.amount == 0 for r in schedule.rows if not r.liable)
    assert schedule.total == 6 * D("1")


@pytest.mark.parametrize("valuation", ["last-day", "each-day"])
def test_cap_reached_after_500_days(valuation):
    schedule = accrue(days_from(date(2027, 1, 30), 501, shares=3_000_000), {date(2027, 1, 29): D("1.23")}, valuation)
    cap = CAP_RATE * 3_000_000 * D("1.23")
    day499, day500, day501 = schedule.rows[498:501]
    assert day499.running_total < cap and not day499.capped
    assert day500.running_total == cap and day500.capped
    assert day501.running_total == cap and schedule.total == cap and schedule.cap == cap


def test_each_day_versus_last_day_with_falling_price():
    first = date(2027, 1, 30)
    prices = {first: D("10"), first + timedelta(days=300): D("5")}  # 300 days at 10, then 5
    days = days_from(first, 600, shares=1000)
    last = accrue(days, prices, "last-day")
    each = accrue(days, prices, "each-day")
    uncapped = 300 * D("1") + 300 * D("0.5")
    assert last.cap == D("250") and last.total == D("250")  # 5% x 1000 x 5
    assert each.cap == D("500") and each.total == uncapped  # 5% x 1000 x 10 not reached
    assert last.rows[299].running_total == D("300") and last.rows[300].running_total == D("250")


def test_rising_price_lifts_cap_both_ways():
    first = date(2027, 1, 30)
    prices = {first: D("5"), first + timedelta(days=10): D("10")}
    for valuation in ("last-day", "each-day"):
        assert accrue(days_from(first, 20), prices, valuation).cap == D("500")


def test_raw_by_party_and_cap_applies_to_combined_total():
    first = date(2027, 1, 30)
    days = days_from(first, 3, liable="issuer") + days_from(first + timedelta(days=3), 2, liable="escrow_agent")
    schedule = accrue(days, {first: D("10")})
    assert schedule.raw_by_party == {"issuer": D("3"), "escrow_agent": D("2")} and schedule.total == D("5")


def test_no_liable_days_no_penalty():
    schedule = accrue(days_from(date(2027, 1, 30), 10, liable=None), {})
    assert schedule.total == 0 and schedule.missing_prices == [] and schedule.complete


def test_bad_policy_rejected():
    with pytest.raises(ValueError):
        accrue([], {}, "first-day")


def test_as_dict_is_json_ready():
    schedule = accrue(days_from(date(2027, 1, 30), 3), {date(2027, 1, 30): D("1.5")})
    data = json.loads(json.dumps(schedule.as_dict()))
    assert data["total"] == str(schedule.total) and len(data["rows"]) == 3
    assert data["rows"][0]["explanation"]["clause"] == "SPA 8.2; EA 5.2"
