"""Calendar overrides (P6): days the holidays package does not know yet, set by staff.

The State Council announces each year's holidays and weekend make-up working days late in the year
before; until the package carries them, staff enter the days here. Every deal on that calendar reads
them at once (escrow.queries.clock.calendar_for), so each change goes into the reference history.
"""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from escrow.contract.calendar import is_known_calendar
from escrow.contract.errors import InvalidInput
from escrow.history.chain import record_reference_event
from escrow.models import CalendarOverride, HistoryAction
from escrow.queries.clock import forget_calendar
from escrow.usecases.permissions import require_staff

CLAUSE = "EA 1.1; EA 3.2 (P6)"
NOTE_LENGTH = CalendarOverride._meta.get_field("note").max_length


def check_calendar_code(code) -> str:
    """The P6 code in its stored form (upper case); InvalidInput for a code the holidays package does not know."""
    code = str(code or "").strip().upper()
    if not code or not is_known_calendar(code):
        raise InvalidInput(
            _(
                "Unknown calendar code %(code)s (P6): give a country or market code the holidays "
                "package knows, e.g. CN, HK or NASDAQ."
            )
            % {"code": code or "—"}
        )
    return code


@transaction.atomic
def set_calendar_override(actor, calendar, day, is_business_day, note=""):
    """P6: make `day` a working day (True) or a day off (False) on `calendar`; creates or changes the override.
    The history entry keeps the value before and after; calendars are rebuilt once the change commits."""
    calendar = check_calendar_code(calendar)
    if not isinstance(day, date):
        raise InvalidInput(_("Give the day as a date (YYYY-MM-DD)."))
    if not isinstance(is_business_day, bool):
        raise InvalidInput(_("Say whether the day is a working day (true) or a day off (false)."))
    note = " ".join(str(note or "").split())
    if len(note) > NOTE_LENGTH:
        raise InvalidInput(_("The note is longer than %(limit)s characters.") % {"limit": NOTE_LENGTH})
    override = CalendarOverride.objects.select_for_update().filter(calendar=calendar, day=day).first()
    require_staff(actor, "change_calendar_override" if override else "set_calendar_override")
    before = _state(override)
    if override is None:
        override = CalendarOverride(calendar=calendar, day=day)
    override.is_business_day, override.note = is_business_day, note
    after = _state(override)
    if before == after:
        return override
    override.save()
    kind = "a working day" if override.is_business_day else "a day off"
    record_reference_event(
        HistoryAction.CALENDAR_OVERRIDE_SET,
        actor=actor,
        clause=CLAUSE,
        summary=f"{calendar} calendar: {day.isoformat()} is {kind}" + (f" ({note})" if note else ""),
        details={"calendar": calendar, "day": day, "before": before, "after": after},
    )
    transaction.on_commit(lambda: forget_calendar(calendar))
    return override


def _state(override):
    if override is None:
        return None
    return {"is_business_day": override.is_business_day, "note": override.note}
