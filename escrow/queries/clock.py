"""Contract time: deadlines are dates in Asia/Shanghai (RULES.md "Deadlines")."""
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from escrow.contract.calendar import BusinessCalendar


def contract_today():
    return timezone.localdate(timezone=ZoneInfo(settings.CONTRACT_TIME_ZONE))


def calendar_for(deal) -> BusinessCalendar:
    """P6: the deal's business-day calendar with the admin's overrides."""
    from escrow.models import CalendarOverride

    overrides = dict(
        CalendarOverride.objects.filter(calendar=deal.calendar).values_list("day", "is_business_day")
    )
    return BusinessCalendar(deal.calendar, overrides)
