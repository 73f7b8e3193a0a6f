"""Today's contract date, and the demo's clock that can stand in for it.

RULES.md "Deadlines": contract dates are dates in Asia/Shanghai. `contract_today` is the one place that
says which date today is, for every page, action, PDF and the sweep (escrow.queries.clock re-exports it).

The demo clock (issue 12 item 9) exists only where settings.DEMO_CLOCK is on: config/settings/local.py,
the embedded demo; production.py refuses to start with it. There the date is the one stored in the
DemoClock row, which only escrow.actions.democlock moves, only forward, sweeping every day it passes and
recording each move in the history. With the setting off the row is never read.
"""

from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils import timezone

DEMO_CLOCK_ROW = 1  # one clock for the whole demo: every deal reads the same date


def real_contract_today() -> date:
    """Today in the contract's time zone (Asia/Shanghai), whatever the demo clock says."""
    return timezone.localdate(timezone=ZoneInfo(settings.CONTRACT_TIME_ZONE))


def contract_today() -> date:
    """Today's contract date: the demo clock's when DEMO_CLOCK is on and it has been set, else Beijing's today."""
    if settings.DEMO_CLOCK:
        day = DemoClock.objects.filter(pk=DEMO_CLOCK_ROW).values_list("day", flat=True).first()
        if day is not None:
            return day
    return real_contract_today()


class DemoClock(models.Model):
    """The demo's contract date (one row). Written only by escrow.actions.democlock; demo settings only."""

    day = models.DateField()
    moved_at = models.DateTimeField()
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(pk=DEMO_CLOCK_ROW), name="one_demo_clock")]

    def __str__(self):
        return f"demo clock {self.day.isoformat()}"
