"""Business days and deadlines (EA 1.1, EA 3.2, SPA 5.1, SPA 11.3; policy P6)."""

from datetime import date, timedelta

import pytest

from escrow.contract.calendar import (
    BusinessCalendar,
    deposit_due,
    notice_deemed_given,
    release_due,
    transfer_due,
)

CN = BusinessCalendar()


def naive_weekdays(start, n):
    d = start
    while n:
        d += timedelta(days=1)
        n -= d.weekday() < 5
    return d


# --- Contract examples --------------------------------------------------------------------------


def test_ea_1_1_deposit_example():
    deadline = deposit_due(date(2025, 12, 2), CN)
    assert deadline.due == date(2025, 12, 23) and deadline.clause == "EA 1.1"
    assert deadline.explanation.warnings == ()


def test_ea_3_2_transfer_example_over_national_day():
    deadline = transfer_due(date(2026, 9, 28), CN)
    assert deadline.due == date(2026, 10, 16) and deadline.clause == "EA 3.2"
    assert naive_weekdays(date(2026, 9, 28), 10) == date(2026, 10, 12)  # what a weekday count would say


def test_spa_5_1_sixty_calendar_days():
    deadline = release_due(date(2026, 11, 30))
    assert deadline.due == date(2027, 1, 29) and deadline.clause == "SPA 5.1"


def test_spa_11_3_notice_third_day_after_sending():
    deadline = notice_deemed_given(date(2026, 1, 30))
    assert deadline.due == date(2026, 2, 2) and deadline.clause == "SPA 11.3"


def test_default_calendar_is_cn():
    assert deposit_due(date(2025, 12, 2)).due == date(2025, 12, 23)


# --- Spring Festival 2026 (as the holidays package has it) --------------------------------------


@pytest.mark.parametrize("day", [date(2026, 2, 15) + timedelta(days=i) for i in range(9)])
def test_spring_festival_2026_days_off(day):
    assert not CN.is_business_day(day)


@pytest.mark.parametrize("saturday", [date(2026, 2, 14), date(2026, 2, 28)])
def test_spring_festival_2026_makeup_saturdays(saturday):
    assert saturday.weekday() == 5 and CN.is_business_day(saturday)


def test_counting_across_spring_festival_2026():
    assert CN.add_business_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert CN.add_business_days(date(2026, 2, 14), 1) == date(2026, 2, 24)
    assert CN.business_days_between(date(2026, 2, 13), date(2026, 2, 28)) == 6  # 14, 24-27, 28


# --- National Day 2026 --------------------------------------------------------------------------


@pytest.mark.parametrize("day", [date(2026, 10, 1) + timedelta(days=i) for i in range(7)] + [date(2026, 9, 25)])
def test_national_day_and_mid_autumn_2026_off(day):
    assert not CN.is_business_day(day)


@pytest.mark.parametrize("weekend_day", [date(2026, 9, 20), date(2026, 10, 10)])
def test_national_day_2026_makeup_days(weekend_day):
    assert weekend_day.weekday() >= 5 and CN.is_business_day(weekend_day)


def test_ordinary_weekend_is_off():
    assert not CN.is_business_day(date(2026, 10, 11))  # Sunday after the make-up Saturday


# --- Counting -----------------------------------------------------------------------------------


def test_add_zero_and_negative():
    assert CN.add_business_days(date(2026, 10, 3), 0) == date(2026, 10, 3)
    with pytest.raises(ValueError):
        CN.add_business_days(date(2026, 10, 3), -1)


def test_business_days_between_is_half_open_and_signed():
    a, b = date(2026, 9, 28), date(2026, 10, 16)
    assert CN.business_days_between(a, b) == 10
    assert CN.business_days_between(b, a) == -10
    assert CN.business_days_between(a, a) == 0


def test_add_and_between_agree():
    start = date(2025, 12, 1)
    for n in range(0, 60, 7):
        assert CN.business_days_between(start, CN.add_business_days(start, n)) == n


# --- Overrides and provisional years ------------------------------------------------------------


def test_override_day_off_and_working_day():
    cal = BusinessCalendar("CN", {date(2026, 12, 1): False, date(2026, 12, 5): True})
    assert not cal.is_business_day(date(2026, 12, 1))
    assert cal.is_business_day(date(2026, 12, 5))  # a Saturday made a working day
    assert cal.add_business_days(date(2026, 11, 30), 1) == date(2026, 12, 2)


def test_2027_is_provisional_today():
    assert CN.is_provisional(2027) and not CN.is_provisional(2026)
    assert CN.announced_through() == 2026


def test_override_makes_a_year_announced():
    cal = BusinessCalendar("CN", {date(2027, 2, 6): True})
    assert not cal.is_provisional(2027) and cal.announced_through() == 2027


def test_deadline_into_provisional_year_warns():
    deadline = transfer_due(date(2026, 12, 20), CN)
    assert deadline.due == date(2027, 1, 4)
    assert len(deadline.explanation.warnings) == 1 and "2027" in deadline.explanation.warnings[0]
    assert deadline.as_dict()["explanation"]["warnings"]


# --- Other calendars (P6) -----------------------------------------------------------------------


def test_nasdaq_calendar():
    nasdaq = BusinessCalendar("NASDAQ")
    assert not nasdaq.is_business_day(date(2026, 7, 3))  # Independence Day observed
    assert not nasdaq.is_business_day(date(2026, 11, 26))  # Thanksgiving
    assert nasdaq.is_business_day(date(2026, 10, 1))  # China's National Day is a trading day
    assert not nasdaq.is_provisional(2030) and nasdaq.announced_through() is None


def test_hk_calendar():
    hk = BusinessCalendar("HK")
    assert not hk.is_business_day(date(2026, 10, 1))
    # The package's HK weekend is Sunday only; business days are Monday-Friday all the same.
    assert not hk.is_business_day(date(2026, 10, 10)) and not hk.is_business_day(date(2026, 10, 17))
    assert hk.is_business_day(date(2026, 10, 16))


def test_unknown_calendar():
    with pytest.raises(ValueError, match="unknown calendar code"):
        BusinessCalendar("ZZ")
