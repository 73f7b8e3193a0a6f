"""Issue 13 item 2: business-day arithmetic read from per-year ordinals gives exactly what counting day by
day gave (EA 1.1, EA 3.2 deadlines; the dashboard's days left), on every calendar and with overrides (P6)."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from escrow.contract.calendar import BusinessCalendar

CALENDARS = {
    "CN": BusinessCalendar("CN"),
    "HK": BusinessCalendar("HK"),
    "NASDAQ": BusinessCalendar("NASDAQ"),
    # P6 overrides: a working Sunday and a day off on a Wednesday, across a year boundary.
    "CN+overrides": BusinessCalendar("CN", {date(2027, 12, 26): True, date(2028, 1, 5): False}),
}
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2031, 12, 31))


def add_by_counting(cal, start, n):
    """The old rule, one step per day: the n-th business day after `start`, start not counted."""
    d, counted = start, 0
    while counted < n:
        d += timedelta(days=1)
        counted += cal.is_business_day(d)
    return d


def between_by_counting(cal, a, b):
    if b < a:
        return -between_by_counting(cal, b, a)
    return sum(cal.is_business_day(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(CALENDARS)), days, st.integers(min_value=0, max_value=400))
def test_add_business_days_equals_counting(code, start, n):
    cal = CALENDARS[code]
    assert cal.add_business_days(start, n) == add_by_counting(cal, start, n)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(CALENDARS)), days, days)
def test_business_days_between_equals_counting(code, a, b):
    cal = CALENDARS[code]
    assert cal.business_days_between(a, b) == between_by_counting(cal, a, b)


def test_year_boundaries_and_leap_days():
    cal = CALENDARS["CN"]
    for start in (date(2027, 12, 31), date(2028, 2, 28), date(2028, 2, 29), date(2028, 12, 31)):
        for n in (0, 1, 10, 15, 260):
            assert cal.add_business_days(start, n) == add_by_counting(cal, start, n)
    assert cal.business_days_between(date(2026, 12, 31), date(2027, 1, 1)) == 0  # New Year's Day is off


def test_counting_a_deadline_costs_no_day_by_day_walk():
    """Once a year's ordinals are built, a deadline reads two table entries: no per-day look-ups."""
    cal = BusinessCalendar("CN")
    cal.business_days_between(date(2026, 1, 1), date(2027, 12, 31))  # builds 2026 and 2027
    looked_up = len(cal._cache)
    for _ in range(1000):
        cal.business_days_between(date(2026, 3, 1), date(2027, 11, 30))
        cal.add_business_days(date(2026, 9, 28), 10)
    assert len(cal._cache) == looked_up
