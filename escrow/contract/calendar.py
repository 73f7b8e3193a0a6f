"""Business days and contract deadlines (EA 1.1, EA 3.2, SPA 5.1, SPA 11.3).

Contract dates are plain `date` values in Asia/Shanghai. The China calendar
comes from the `holidays` package, which knows the State Council's weekend
make-up working days for the years it has announced; admins can override any
day for years not yet announced (RULES.md, policy P6).
"""

from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import holidays

from escrow.contract.explain import Explanation

# Friendly names for the market calendars a deal owner is likely to pick (P6).
MARKET_ALIASES = {"NASDAQ": "XNAS", "NYSE": "XNYS", "HKEX": "XHKG", "SSE": "XSHG", "SZSE": "XSHE"}

# Searching for announced years stops here; the package carries no data this far out.
_SEARCH_FROM, _SEARCH_TO = 2000, 2100

DEPOSIT_BUSINESS_DAYS = 15  # EA 1.1
RELEASE_CALENDAR_DAYS = 60  # SPA 5.1
TRANSFER_BUSINESS_DAYS = 10  # EA 3.2
NOTICE_CALENDAR_DAYS = 3  # SPA 11.3


def _normalise(code: str) -> str:
    return str(code).strip().upper()


def make_holidays(code: str):
    """Build the holidays-package calendar for a P6 code (SPA/EA "business days").

    Raises ValueError for a code the package knows neither as a country nor as
    a financial market.
    """
    code = _normalise(code)
    market = MARKET_ALIASES.get(code, code)
    if market in holidays.list_supported_financial():
        return holidays.financial_holidays(market)
    if code in holidays.list_supported_countries():
        return holidays.country_holidays(code)
    raise ValueError(f"unknown calendar code {code!r}: not a country or financial market known to the holidays package")


@cache
def is_known_calendar(code: str) -> bool:
    """True when `code` is usable as policy P6 (RULES.md "calendar")."""
    try:
        make_holidays(code)
    except ValueError:
        return False
    return True


def _weekend_days(calendar) -> frozenset:
    """Weekday numbers that are never business days unless made up.

    The package gives Hong Kong a Sunday-only weekend (labour law), but business
    days in the contract's sense are Monday to Friday there too; calendars with
    a non-Saturday/Sunday weekend (e.g. Friday-Saturday) keep their own.
    """
    weekend = frozenset(calendar.weekend)
    return weekend | {5, 6} if weekend <= {5, 6} else weekend


class BusinessCalendar:
    """Business days for one deal (P6), with admin overrides (True = working, False = off)."""

    def __init__(self, code: str = "CN", overrides: Mapping[date, bool] | None = None):
        self.code = _normalise(code)
        self.overrides = dict(overrides or {})
        self._holidays = make_holidays(self.code)
        self._weekend = _weekend_days(self._holidays)
        self._cache: dict[date, bool] = {}
        # year -> running count of business days on Jan 1 .. each day of the year (index = day of year - 1):
        # the business-day ordinals that make each count below O(1) per year instead of one step per day.
        self._ordinals: dict[int, list[int]] = {}

    def __repr__(self) -> str:
        return f"BusinessCalendar({self.code!r}, overrides={len(self.overrides)})"

    def is_business_day(self, d: date) -> bool:
        """EA 1.1 / EA 3.2 "business day": override first, then the package calendar."""
        if d in self.overrides:
            return bool(self.overrides[d])
        if d not in self._cache:
            is_holiday = d in self._holidays  # also makes the package load d's year
            if d.weekday() in self._weekend:
                # Weekend days work only when announced as make-up days (CN: e.g. Sat 2026-10-10).
                self._cache[d] = d in self._holidays.weekend_workdays
            else:
                self._cache[d] = not is_holiday
        return self._cache[d]

    def _has_makeup_days(self, year: int) -> bool:
        date(year, 1, 1) in self._holidays  # noqa: B015  (the membership test makes the package load that year)
        return any(d.year == year for d in self._holidays.weekend_workdays)

    def _has_overrides(self, year: int) -> bool:
        return any(d.year == year for d in self.overrides)

    def is_provisional(self, year: int) -> bool:
        """P6: a CN year is provisional until its make-up working days are known.

        The State Council announces each year's schedule late in the year before;
        until then the package only has the fixed-date rules, so deadlines that
        touch such a year may move. Admin overrides for the year count as announced.
        """
        if self.code != "CN":
            return False  # market and country calendars here are rule-based, not announced
        return not (self._has_makeup_days(year) or self._has_overrides(year))

    def announced_through(self) -> int | None:
        """P6: the last year (CN) whose calendar is announced or overridden; None if not applicable."""
        if self.code != "CN":
            return None
        last = None
        for year in range(_SEARCH_FROM, _SEARCH_TO):
            if not self.is_provisional(year):
                last = year
            elif last is not None:
                break
        return last

    def provisional_years(self, start: date, end: date) -> tuple:
        """P6: the years of [start, end] whose calendar is not announced yet (a business-day count over
        them may move once the State Council's notice, or an override for the year, is in)."""
        return tuple(year for year in range(start.year, end.year + 1) if self.is_provisional(year))

    def warnings_for(self, start: date, end: date) -> tuple:
        """Warning strings for provisional years touched by [start, end] (P6)."""
        return tuple(
            f"{self.code} calendar for {year} is not announced yet: days off and make-up "
            f"working days may change; add admin overrides once the State Council publishes them"
            for year in self.provisional_years(start, end)
        )

    def _year_ordinals(self, year: int) -> list[int]:
        """Running business-day counts through each day of `year` (built once per year, then reused)."""
        table = self._ordinals.get(year)
        if table is None:
            table, count, day = [], 0, date(year, 1, 1)
            while day.year == year:
                count += self.is_business_day(day)
                table.append(count)
                day += timedelta(days=1)
            self._ordinals[year] = table
        return table

    def _through(self, d: date) -> int:
        """Business days from Jan 1 of d's year through d."""
        return self._year_ordinals(d.year)[d.timetuple().tm_yday - 1]

    def add_business_days(self, start: date, n: int) -> date:
        """The n-th business day after `start`, start itself not counted (EA 1.1, EA 3.2).
        Read from the per-year ordinals: the target's running count is found by bisection, a year at a time."""
        if n < 0:
            raise ValueError("n must be >= 0")
        if n == 0:
            return start
        year, wanted = start.year, self._through(start) + n
        while True:
            table = self._year_ordinals(year)
            if wanted <= table[-1]:
                return date(year, 1, 1) + timedelta(days=bisect_left(table, wanted))
            wanted -= table[-1]
            year += 1
            if year > start.year + n + 1:  # a calendar with no business day at all: nothing to find
                raise ValueError(f"no {n} business days after {start} in the {self.code} calendar")

    def business_days_between(self, a: date, b: date) -> int:
        """Count of business days in (a, b] (negative when b is before a), for dashboards."""
        if b < a:
            return -self.business_days_between(b, a)
        whole_years = sum(self._year_ordinals(y)[-1] for y in range(a.year, b.year))
        return whole_years + self._through(b) - self._through(a)


@dataclass(frozen=True)
class Deadline:
    """A due date with the clause that sets it and the reasoning behind it."""

    due: date
    clause: str
    explanation: Explanation

    def as_dict(self) -> dict:
        """JSON-ready form."""
        return {"due": self.due.isoformat(), "clause": self.clause, "explanation": self.explanation.as_dict()}


def _business_deadline(start: date, n: int, cal: BusinessCalendar, clause: str, what: str) -> Deadline:
    due = cal.add_business_days(start, n)
    explanation = Explanation(
        clause=clause,
        formula=f"{what} + {n} business days ({cal.code} calendar; start day not counted)",
        inputs={"start": start, "business_days": n, "calendar": cal.code},
        figure=f"due {due.isoformat()}",
        warnings=cal.warnings_for(start, due),
        key="deadline_business",
        facts={"due": due, "from": what},
    )
    return Deadline(due, clause, explanation)


def _calendar_deadline(start: date, n: int, clause: str, what: str) -> Deadline:
    due = start + timedelta(days=n)
    explanation = Explanation(
        clause=clause,
        formula=f"{what} + {n} calendar days",
        inputs={"start": start, "calendar_days": n},
        figure=f"due {due.isoformat()}",
        key="deadline_calendar",
        facts={"due": due, "from": what},
    )
    return Deadline(due, clause, explanation)


def deposit_due(effective: date, cal: BusinessCalendar | None = None) -> Deadline:
    """EA 1.1: issue the shares to the agent within 15 business days after the effective date."""
    return _business_deadline(effective, DEPOSIT_BUSINESS_DAYS, cal or BusinessCalendar(), "EA 1.1", "effective date")


def release_due(year_end: date) -> Deadline:
    """SPA 5.1: release within 60 (calendar) days after the end of the assessment year."""
    return _calendar_deadline(year_end, RELEASE_CALENDAR_DAYS, "SPA 5.1", "assessment year end")


def transfer_due(documents_complete: date, cal: BusinessCalendar | None = None) -> Deadline:
    """EA 3.2: transfer within 10 business days after the agent has all EA 3.1 documents."""
    return _business_deadline(
        documents_complete, TRANSFER_BUSINESS_DAYS, cal or BusinessCalendar(), "EA 3.2", "all documents received"
    )


def notice_deemed_given(sent: date) -> Deadline:
    """SPA 11.3: a couriered notice is deemed given on the third day after sending."""
    return _calendar_deadline(sent, NOTICE_CALENDAR_DAYS, "SPA 11.3", "sent by courier")
