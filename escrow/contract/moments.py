"""How a contract date and a moment are written, in one place (issue 12 item 2): dates ISO 8601
(`2027-01-29`) in every language, moments on the Beijing clock (RULES.md "Deadlines": contract time is
Asia/Shanghai). Plain Python; the label ("Beijing time" / "北京时间") is added by the caller, translated
(`escrow.templatetags.portal.moment`, the exports, the emails)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def iso_day(day) -> str:
    """2027-01-29; a moment counts as its Beijing day; '' for no date."""
    if day is None or day == "":
        return ""
    if isinstance(day, datetime):
        day = day.astimezone(BEIJING).date()
    return day.isoformat() if isinstance(day, date) else str(day)


def beijing_clock(moment: datetime | None, *, seconds: bool = False) -> str:
    """2027-01-29 14:05 (or 14:05:09) on the Beijing clock, whatever zone `moment` is stored in."""
    if moment is None:
        return ""
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def file_stamp(moment: datetime) -> str:
    """20270129-140509, Beijing time: the moment part of an export's file name."""
    return moment.astimezone(BEIJING).strftime("%Y%m%d-%H%M%S")
