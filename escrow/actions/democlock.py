"""The demo clock (issue 12 item 9): a visitor walks the contract years in the browser.

Demo settings only (settings.DEMO_CLOCK, config/settings/local.py); refused everywhere else
(escrow.usecases.permissions.require_demo_clock). Moving the clock runs the sweep for every day it passes,
in order, so years open, reminders go out, deadlines are marked missed and penalty days accrue as beat would
have done day by day (escrow.actions.deadlines.sweep); every later page, action and PDF reads the new date
(escrow.models.clock.contract_today). Clocks only move forward (docs/architecture.md). Each move is one
transaction and one history entry, on the reference chain (the date every deal reads) and on each open
deal's chain, so a deal's history shows why its years opened on a day nobody lived through.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from escrow.actions.deadlines import sweep
from escrow.contract.errors import InvalidInput
from escrow.contract.numbers import InputProblem, parse_iso_date
from escrow.history import chain as history
from escrow.models import Deal, DemoClock, HistoryAction
from escrow.models.clock import DEMO_CLOCK_ROW, contract_today
from escrow.usecases.permissions import require_demo_clock

# One move sweeps at most this many days, inside one transaction: a year and a day walks any year at once.
MAX_DAYS = 366
STEPS = {"day": 1, "week": 7}  # the page's buttons: +1 day, +1 week


@dataclass(frozen=True)
class DemoMove:
    """What one move did: the dates, and the sweeps' totals over the days passed."""

    start: date
    end: date
    opened: int = 0
    notifications: int = 0
    missed: int = 0

    @property
    def days(self) -> int:
        return (self.end - self.start).days


@transaction.atomic
def move_demo_clock(actor, *, to=None, step=None) -> DemoMove:
    """Move the demo's contract date forward to `to` (a date or YYYY-MM-DD) or by `step` ("day", "week")
    and sweep each day passed (SPA 5.1, EA 3.2, SPA 8.2 as the sweep applies them)."""
    require_demo_clock(actor)
    clock = _locked_clock()
    start = clock.day
    end = _target(start, to, step)
    totals = {"opened": 0, "notifications": 0, "missed": 0}
    day = start
    while day < end:
        day += timedelta(days=1)
        clock.day, clock.moved_at, clock.moved_by = day, timezone.now(), actor
        clock.save()  # first: the sweep refuses a day after contract_today(), which reads this row
        report = sweep(today=day)
        for name in totals:
            totals[name] += getattr(report, name)
    move = DemoMove(start, end, **totals)
    _record(actor, move)
    return move


@transaction.atomic
def start_demo_clock(day: date) -> bool:
    """The demo's first contract date (load_kaixin, on a fresh demo database): only when the clock was never
    set, so it never moves back. The sweep then runs from this day on. True if it was set now."""
    require_demo_clock(None)
    if DemoClock.objects.select_for_update().filter(pk=DEMO_CLOCK_ROW).exists():
        return False
    real = contract_today()
    DemoClock.objects.create(pk=DEMO_CLOCK_ROW, day=day, moved_at=timezone.now(), moved_by=None)
    _record(None, DemoMove(real, day), started=True)
    return True


def _locked_clock() -> DemoClock:
    """The clock row, locked; created at today's real contract date if the demo never set it."""
    clock = DemoClock.objects.select_for_update().filter(pk=DEMO_CLOCK_ROW).first()
    if clock is None:
        clock = DemoClock.objects.create(pk=DEMO_CLOCK_ROW, day=contract_today(), moved_at=timezone.now())
    return clock


def _target(start, to, step) -> date:
    if (to is None) == (step is None):
        raise InvalidInput(_("Give either a date or a step to move the demo clock by."))
    if step is not None:
        if step not in STEPS:
            raise InvalidInput(_("Move the demo clock by a day or a week, or to a date."))
        end = start + timedelta(days=STEPS[step])
    else:
        end = _as_date(to)
    if end <= start:
        raise InvalidInput(
            _("The demo clock only moves forward: choose a date after %(today)s.") % {"today": start.isoformat()}
        )
    if (end - start).days > MAX_DAYS:
        raise InvalidInput(
            _("Move the demo clock at most %(days)s days at a time (to %(latest)s at the latest).")
            % {"days": MAX_DAYS, "latest": (start + timedelta(days=MAX_DAYS)).isoformat()}
        )
    return end


def _as_date(value) -> date:
    if isinstance(value, date):
        return value
    try:
        return parse_iso_date(value)
    except InputProblem as exc:
        raise InvalidInput(exc.translated(_).message) from None


def _record(actor, move: DemoMove, *, started=False) -> None:
    """One entry on the reference chain and one on each deal's chain still open (the hashed record: English)."""
    details = {
        "from": move.start,
        "to": move.end,
        "days_swept": 0 if started else move.days,
        "opened": move.opened,
        "notifications": move.notifications,
        "missed": move.missed,
        "started": started,
    }
    if started:
        summary = f"Demo clock set to {move.end} (demo only; today's date in Beijing is {move.start})"
    else:
        summary = (
            f"Demo clock moved from {move.start} to {move.end}: the sweep ran for {move.days} day(s), "
            f"{move.opened} year(s) opened, {move.missed} deadline(s) marked missed (demo only)"
        )
    entry = dict(action=HistoryAction.DEMO_CLOCK_MOVED, actor=actor, summary=summary, details=details)
    history.record_reference_event(**entry)
    history.record_many([(deal, dict(entry)) for deal in Deal.objects.exclude(state=Deal.State.CLOSED)])
