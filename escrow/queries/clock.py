"""Contract time: deadlines are dates in Asia/Shanghai (RULES.md "Deadlines"), counted in business days
on the deal's calendar (P6) with the overrides staff set for days the holidays package does not know yet.

`calendar_for(deal)` is the one place a deal's calendar is built. Each process builds one
BusinessCalendar per calendar code and reuses it (the package's holiday tables and the days already
looked up stay warm) for as long as the code's version in the shared Django cache is unchanged.
`set_calendar_override` drops that version after its transaction commits, so every web process and
worker rebuilds the calendar, with the new override, on its next look-up.
"""

import uuid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from escrow.contract.calendar import BusinessCalendar

CACHE_PREFIX = "escrow:calendar:"
_built: dict = {}  # calendar code -> (version, BusinessCalendar), this process only


def contract_today():
    return timezone.localdate(timezone=ZoneInfo(settings.CONTRACT_TIME_ZONE))


def calendar_for(deal) -> BusinessCalendar:
    """P6: the deal's business-day calendar with the staff's overrides (EA 1.1, EA 3.2 deadlines)."""
    return calendar_for_code(deal.calendar)


def calendar_for_code(code) -> BusinessCalendar:
    """The calendar of one P6 code, built once per version of its overrides."""
    code = str(code).strip().upper()
    version = _version(code)
    if version is None:  # a cache that keeps nothing (DummyCache): build every time
        return BusinessCalendar(code, _overrides(code))
    built = _built.get(code)
    if built is None or built[0] != version:
        built = (version, BusinessCalendar(code, _overrides(code)))
        _built[code] = built
    return built[1]


def forget_calendar(code) -> None:
    """Drop the code's version: every process rebuilds its calendar on the next look-up. Call it after
    the override's transaction commits (transaction.on_commit), so nobody rebuilds from the old rows."""
    cache.delete(_key(code))


def _version(code):
    """The shared version of a code's overrides; a new one is set before the overrides are read, so a
    change committed after that read drops the version and the stale calendar with it."""
    key = _key(code)
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, timeout=None)
        version = cache.get(key)
    return version


def _overrides(code):
    from escrow.models import CalendarOverride

    return dict(CalendarOverride.objects.filter(calendar=code).values_list("day", "is_business_day"))


def _key(code):
    return CACHE_PREFIX + str(code).strip().upper()
