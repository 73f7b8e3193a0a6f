"""SPA 8.2 / EA 5.2 delay penalty: attribution (EA 3.2, EA 5.2), holds (P8, PRC Civil Code Art. 201),
prices, the 5% cap binding the total and every party's share (policy P7)."""

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
    first_day_of_delay,
)

RELEASE_DUE = date(2027, 1, 29)
TRANSFER_DUE = date(2027, 2, 10)


def who(day, signed=None, transfer=TRANSFER_DUE, released=None, holds=(), hold_days="civil-code"):
    return attribute_day(
        day,
        release_due=RELEASE_DUE,
        instruction_signed_on=signed,
        transfer_due=transfer,
        released_on=released,
        holds=holds,
        hold_days=hold_days,
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


def test_agent_liable_from_the_day_after_the_ea_3_2_deadline_even_before_the_spa_5_1_deadline():
    """SPA 8.2, EA 3.2, EA 5.2: all documents in on 2026-12-10, transfer due 2026-12-24, a month before the
    SPA 5.1 deadline (2027-01-29): every day from 2026-12-25 is the agent's, before and after 2027-01-29."""
    signed, transfer = date(2026, 12, 10), date(2026, 12, 24)
    assert who(transfer, signed=signed, transfer=transfer).liable is None  # the deadline day itself is free
    for day in (date(2026, 12, 25), date(2027, 1, 29), date(2027, 1, 30), date(2027, 6, 1)):
        result = who(day, signed=signed, transfer=transfer)
        assert (result.liable, result.clause) == ("escrow_agent", "EA 3.2")
    assert who(date(2026, 12, 20), signed=signed, transfer=transfer).liable is None  # the agent's EA 3.2 period
    assert first_day_of_delay(RELEASE_DUE, transfer) == date(2026, 12, 25)
    assert first_day_of_delay(RELEASE_DUE, None) == first_day_of_delay(RELEASE_DUE, TRANSFER_DUE) == date(2027, 1, 30)


def test_issuer_then_agent_never_both():
    """SPA 8.2 / EA 5.2: the issuer after the SPA 5.1 deadline while unsigned; once signed, nobody in the
    EA 3.2 period, then the agent; each day at most one party."""
    signed = date(2027, 2, 5)
    transfer = date(2027, 2, 19)
    liable = [who(date(2027, 1, 25) + timedelta(days=i), signed=signed, transfer=transfer).liable for i in range(40)]
    assert liable[:5] == [None] * 5  # up to and including 2027-01-29
    assert liable[5:11] == ["issuer"] * 6  # 2027-01-30 .. 2027-02-04
    assert liable[11:26] == [None] * 15  # 2027-02-05 .. 2027-02-19: signed, the agent's period
    assert liable[26:] == ["escrow_agent"] * 14  # from 2027-02-20


@pytest.mark.parametrize("kind, clause", [("dispute", "EA 3.3"), ("suspension", "SPA 8.1"), ("adjustment", "SPA 5.3")])
def test_holds_attribute_to_nobody(kind, clause):
    hold = Hold(date(2027, 2, 1), date(2027, 2, 3), kind, "quantity contested")
    result = who(date(2027, 2, 3), holds=[hold])
    assert result.liable is None and result.clause == clause
    assert kind in result.reason and "quantity contested" in result.reason
    assert who(date(2027, 2, 4), holds=[hold]).liable == "issuer"  # restarted the day after the lift


# --- P8 hold_days: which days a hold frees (SPA 8.2 "justified"; PRC Civil Code Art. 201) ----------------


def _freed(hold, hold_days, first=date(2027, 1, 30), count=20):
    return [
        first + timedelta(days=i)
        for i in range(count)
        if who(first + timedelta(days=i), holds=[hold], hold_days=hold_days).liable is None
    ]


def test_civil_code_frees_the_days_after_the_hold_is_raised_through_the_day_it_is_lifted():
    """P8 civil-code (Art. 201: the day of the event is not counted): raised on D = 2027-02-01, lifted on
    E = 2027-02-04, it frees D+1 .. E, E - D = 3 days; D is still a day of delay, E is free."""
    hold = Hold(date(2027, 2, 1), date(2027, 2, 4), "suspension")
    assert _freed(hold, "civil-code") == [date(2027, 2, 2), date(2027, 2, 3), date(2027, 2, 4)]
    assert who(date(2027, 2, 1), holds=[hold]).liable == "issuer"
    assert who(date(2027, 2, 5), holds=[hold]).liable == "issuer"


def test_inclusive_frees_both_ends():
    """P8 inclusive: raised on D, lifted on E, it frees D .. E (E - D + 1 days)."""
    hold = Hold(date(2027, 2, 1), date(2027, 2, 4), "dispute")
    assert _freed(hold, "inclusive") == [date(2027, 2, 1), date(2027, 2, 2), date(2027, 2, 3), date(2027, 2, 4)]


def test_a_hold_raised_and_lifted_the_same_day():
    hold = Hold(date(2027, 2, 1), date(2027, 2, 1), "dispute")
    assert _freed(hold, "civil-code") == []  # E - D = 0 days
    assert _freed(hold, "inclusive") == [date(2027, 2, 1)]


def test_an_open_hold_frees_every_day_after_it_was_raised():
    """Civil-code: a hold raised on D and still open on D+k frees D+1 .. today."""
    hold = Hold(date(2027, 2, 1), None, "suspension")
    assert who(date(2027, 2, 1), holds=[hold]).liable == "issuer"
    assert who(date(2027, 2, 2), holds=[hold]).liable is None
    assert who(date(2030, 1, 1), holds=[hold]).liable is None
    assert who(date(2027, 2, 1), holds=[hold], hold_days="inclusive").liable is None


def test_unknown_hold_days_rejected():
    with pytest.raises(ValueError, match="hold_days"):
        who(date(2027, 2, 2), holds=[Hold(date(2027, 2, 1), None, "dispute")], hold_days="calendar")


def test_bad_holds_rejected():
    with pytest.raises(ValueError):
        Hold(date(2027, 2, 1), None, "holiday")
    with pytest.raises(ValueError):
        Hold(date(2027, 2, 1), date(2027, 1, 1), "dispute")


def test_each_day_at_most_one_party():
    """P8 civil-code: the dispute raised on 02-12 frees 02-13 .. 02-14; 02-12 is still the agent's."""
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
    assert liable[date(2027, 2, 12)] == "escrow_agent"
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


@pytest.mark.parametrize("hold_days, liable_days", [("civil-code", 7), ("inclusive", 6)])
def test_holds_stop_the_clock_in_accrual(hold_days, liable_days):
    """Ten days 01-30 .. 02-08, a dispute raised 02-01 and settled 02-04: civil-code frees 02-02 .. 02-04
    (3 days), inclusive 02-01 .. 02-04 (4 days)."""
    days = attribute_days(
        date(2027, 1, 30),
        date(2027, 2, 8),
        1000,
        release_due=RELEASE_DUE,
        instruction_signed_on=None,
        transfer_due=None,
        released_on=None,
        holds=[Hold(date(2027, 2, 1), date(2027, 2, 4), "dispute", "EA 3.3 dispute")],
        hold_days=hold_days,
    )
    schedule = accrue(days, {date(2027, 1, 1): D("10")})
    assert len([r.day for r in schedule.rows if r.liable]) == liable_days
    assert all(r.amount == 0 and r.charged == 0 for r in schedule.rows if not r.liable)
    assert schedule.total == liable_days * D("1") == schedule.by_party["issuer"]


@pytest.mark.parametrize("valuation", ["last-day", "each-day"])
def test_cap_reached_after_500_days(valuation):
    schedule = accrue(days_from(date(2027, 1, 30), 501, shares=3_000_000), {date(2027, 1, 29): D("1.23")}, valuation)
    cap = CAP_RATE * 3_000_000 * D("1.23")
    day499, day500, day501 = schedule.rows[498:501]
    assert day499.running_total < cap and not day499.capped
    assert day500.running_total == cap and day500.capped
    assert day501.running_total == cap and schedule.total == cap and schedule.cap == cap


def test_each_day_versus_last_day_with_falling_price():
    """P7 with the price halving after 300 days. each-day: the cap stays 5% x 1000 x 10 = 500, never
    reached. last-day: the cap is 5% of the last day's value, 250; the days are charged in order, so the
    first 250 days fill it and every later day is charged nothing (docs "Readings")."""
    first = date(2027, 1, 30)
    prices = {first: D("10"), first + timedelta(days=300): D("5")}  # 300 days at 10, then 5
    days = days_from(first, 600, shares=1000)
    last = accrue(days, prices, "last-day")
    each = accrue(days, prices, "each-day")
    assert each.cap == D("500") and each.total == 300 * D("1") + 300 * D("0.5") == each.by_party["issuer"]
    assert last.cap == D("250") and last.total == D("250") == last.by_party["issuer"]
    assert last.rows[248].running_total == D("249") and not last.rows[248].capped
    assert last.rows[249].running_total == D("250") and last.rows[249].capped
    assert [r.charged for r in last.rows[250:]] == [D(0)] * 350 and all(r.capped for r in last.rows[250:])
    assert last.rows[300].amount == D("0.5")  # the day's 0.01% is shown, what it adds is nothing
    assert last.rows[0].cap == D("500") and last.rows[300].cap == D("250")  # the cap as valued each day


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
    assert schedule.by_party == schedule.raw_by_party  # far below the cap of 500


# --- The cap binds the total and every party's share (SPA 8.2; RULES.md "Delay penalty") ----------------


def test_the_cap_binds_every_party_in_day_order():
    """SPA 8.2: 0.01% a day of 1,000 shares at 10 is 1 a day; the cap 5% x 10,000 = 500 is reached on the
    500th liable day. 300 issuer days, then 300 agent days: the issuer is charged 300, the agent the
    200 left; the agent's last 100 days are charged nothing. No share and no total exceeds the cap."""
    first = date(2027, 1, 30)
    days = days_from(first, 300, liable="issuer") + days_from(first + timedelta(days=300), 300, liable="escrow_agent")
    schedule = accrue(days, {first: D("10")})
    assert schedule.cap == D("500") and schedule.total == D("500")
    assert schedule.by_party == {"issuer": D("300"), "escrow_agent": D("200")}
    assert schedule.raw_by_party == {"issuer": D("300"), "escrow_agent": D("300")}
    assert schedule.liable_days == {"issuer": 300, "escrow_agent": 300}
    assert schedule.first_capped_day == first + timedelta(days=499)
    assert [r.charged for r in schedule.rows[499:]] == [D("1")] + [D(0)] * 100
    assert all(r.running_total <= r.cap for r in schedule.rows)


def test_a_day_is_cut_to_what_is_left_under_the_cap():
    """499 days at 10 charge 499; on day 500 the close is 9.99 (P7 last-day: cap 5% x 9,990 = 499.5): the
    day's 0.999 is cut to the 0.5 left under the cap, and the next day is charged nothing."""
    first = date(2027, 1, 30)
    prices = {first: D("10"), first + timedelta(days=499): D("9.99")}
    schedule = accrue(days_from(first, 501, shares=1000), prices, "last-day")
    day500, day501 = schedule.rows[499:501]
    assert (day500.amount, day500.charged, day500.running_total, day500.cap) == (
        D("0.999"),
        D("0.5"),
        D("499.5"),
        D("499.5"),
    )
    assert day500.capped and day501.capped and day501.charged == 0
    assert schedule.first_capped_day == day500.day and schedule.total == schedule.by_party["issuer"] == D("499.5")


def test_the_cap_reached_on_issuer_days_leaves_the_agent_nothing():
    first = date(2027, 1, 30)
    days = days_from(first, 520, liable="issuer") + days_from(first + timedelta(days=520), 30, liable="escrow_agent")
    schedule = accrue(days, {first: D("10")})
    assert schedule.by_party == {"issuer": D("500"), "escrow_agent": D("0")} and schedule.total == D("500")


def test_a_rising_cap_is_the_cap_of_the_whole_delay():
    """P7 last-day: the cap is valued on the last day of the delay. The price doubles on day 511, so the cap
    is 5% x 1000 x 20 = 1,000 for the whole delay: days 501-510, which the cap valued at 10 would have left
    at nothing, are charged their 1 each, then 2 a day until the cap is reached on day 755."""
    first = date(2027, 1, 30)
    prices = {first: D("10"), first + timedelta(days=510): D("20")}
    schedule = accrue(days_from(first, 800, shares=1000), prices, "last-day")
    assert [r.charged for r in schedule.rows[500:510]] == [D(1)] * 10
    assert schedule.rows[510].charged == D("2") and schedule.rows[510].running_total == D("512")
    assert schedule.rows[754].running_total == D("1000") and schedule.first_capped_day == schedule.rows[754].day
    assert schedule.total == schedule.cap == D("1000")


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
    assert data["by_party"] == {"issuer": str(schedule.total)} and data["rows"][0]["charged"] == "0.15000"
