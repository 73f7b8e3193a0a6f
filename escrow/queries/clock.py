"""Contract time: deadlines are dates in Asia/Shanghai (RULES.md "Deadlines"), counted in business days
on the deal's calendar (P6) with the overrides staff set for days the holidays package does not know yet.

`calendar_for(deal)` is the one place a deal's calendar is built. Each process builds one
BusinessCalendar per calendar code and reuses it (the package's holiday tables and the days already
looked up stay warm) for as long as the code's version in the shared Django cache is unchanged.
`set_calendar_override` drops that version after its transaction commits, so every web process and
worker rebuilds the calendar, with the new override, on its next look-up.

A business-day deadline (EA 1.1 deposit, EA 3.2 transfer) counted over a year whose official holiday
notice is not in the calendar yet (P6: the holidays package has no make-up working days for it and no
override covers it) is provisional: `provisional_deadline` says so, with the reason, for every page,
API response and PDF that shows it. SPA 5.1's 60 calendar days do not depend on the calendar.

`contract_today` (today's contract date, the demo clock's in the demo: escrow.models.clock) is read from here.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.cache import cache
from django.utils.translation import gettext_lazy

from escrow.contract.calendar import BusinessCalendar
from escrow.models.clock import contract_today  # noqa: F401  (the one contract date, demo clock included)
from escrow.notifications.texts import Text

log = logging.getLogger(__name__)
CACHE_PREFIX = "escrow:calendar:"
_built: dict = {}  # calendar code -> (version, BusinessCalendar), this process only


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


def build_calendar(code) -> BusinessCalendar:
    """The calendar of one P6 code from the override rows as they are now, bypassing the shared version:
    for an action that compares the calendar before and after its own change (set_calendar_override)."""
    code = str(code).strip().upper()
    return BusinessCalendar(code, _overrides(code))


PROVISIONAL = gettext_lazy(
    "Provisional: the %(calendar)s holiday notice for %(years)s is not in the calendar yet, so this "
    "%(clause)s business-day deadline may move when it is entered (P6)."
)


@dataclass(frozen=True)
class ProvisionalDeadline:
    """A business-day deadline counted over years whose holiday notice is not announced yet (P6)."""

    deadline: str  # "deposit_due" (EA 1.1) or "transfer_due_date" (EA 3.2)
    clause: str
    due: date
    calendar: str
    years: tuple

    @property
    def reason(self) -> Text:
        """Why the date may move, rendered in the reader's language (a page, the API, a notification)."""
        return Text(PROVISIONAL, calendar=self.calendar, years=", ".join(map(str, self.years)), clause=self.clause)


def provisional_deadline(cal, start, due, *, deadline, clause) -> ProvisionalDeadline | None:
    """P6: the deadline counted from `start` (not counted) to `due` on `cal`, if a year it counts over is
    not announced yet; None when the count rests on announced years only."""
    if start is None or due is None or due <= start:
        return None
    years = cal.provisional_years(start + timedelta(days=1), due)
    return ProvisionalDeadline(deadline, clause, due, cal.code, years) if years else None


def transfer_provisional(tranche, cal=None) -> ProvisionalDeadline | None:
    """EA 3.2: a tranche's stored transfer deadline, while it still runs (documents complete, not released)."""
    if tranche.released_on or not tranche.documents_complete_on or not tranche.transfer_due_date:
        return None
    return provisional_deadline(
        cal or calendar_for(tranche.deal),
        tranche.documents_complete_on,
        tranche.transfer_due_date,
        deadline="transfer_due_date",
        clause="EA 3.2",
    )


def forget_calendar(code) -> None:
    """Drop the code's version: every process rebuilds its calendar on the next look-up. Call it after
    the override's transaction commits (transaction.on_commit), so nobody rebuilds from the old rows."""
    try:
        cache.delete(_key(code))
    except Exception:  # the shared cache is down: processes rebuild from the database meanwhile (_version)
        log.warning("Could not drop the %s calendar's version from the cache", code, exc_info=True)


def _version(code):
    """The shared version of a code's overrides; a new one is set before the overrides are read, so a
    change committed after that read drops the version and the stale calendar with it. None when the
    shared cache cannot be reached: the calendar is then built from the database on every look-up, so
    deadlines, signing and releases never depend on Redis (issue 10 item 8)."""
    key = _key(code)
    try:
        version = cache.get(key)
        if version is None:
            cache.add(key, uuid.uuid4().hex, timeout=None)
            version = cache.get(key)
    except Exception:
        log.warning("The shared cache is unreachable; building the %s calendar from the database", code)
        return None
    return version


def _overrides(code):
    from escrow.models import CalendarOverride

    return dict(CalendarOverride.objects.filter(calendar=code).values_list("day", "is_business_day"))


def _key(code):
    return CACHE_PREFIX + str(code).strip().upper()
