"""Presentation filters: shares, money, percentages and labels formatted for the active language."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.translation import get_language, gettext, pgettext

from escrow.contract.moments import beijing_clock, iso_day
from escrow.models import Role, TrancheState
from escrow.views.labels import ACTION_LABELS, currency_label

register = template.Library()

# Revenue targets are whole yuan; prices and penalties are shown to the cent.
WHOLE_CURRENCIES = {"CNY", "RMB"}


def grouped(number, places):
    """Groups of three with the language's separators. Django's zh_Hans format has no thousand
    separator; financial figures in Chinese documents are grouped 665,000,000, so ',' is the fallback."""
    return numberformat.format(
        number,
        get_format("DECIMAL_SEPARATOR"),
        decimal_pos=places,
        grouping=3,
        thousand_sep=get_format("THOUSAND_SEPARATOR") or ",",
        force_grouping=True,
    )


def _decimal(value):
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def shares(value):
    """A whole number of shares with the language's grouping: 3,000,000."""
    number = _decimal(value)
    if number is None:
        return "—"
    return grouped(int(number), 0)


@register.filter
def amount(value, places=None):
    """A grouped amount; two decimals unless the figure is whole (targets are whole yuan)."""
    number = _decimal(value)
    if number is None:
        return "—"
    if places in (None, ""):
        places = 0 if number == number.to_integral_value() else 2
    return grouped(number, int(places))


@register.filter
def money(value, currency="CNY"):
    """RMB 665,000,000 / 人民币 665,000,000; USD 1,234.50 / 美元 1,234.50."""
    if _decimal(value) is None:
        return "—"
    places = None if (currency or "").upper() in WHOLE_CURRENCIES else 2
    return f"{currency_label(currency)} {amount(value, places)}"


@register.filter
def percent(value, places=1):
    number = _decimal(value)
    if number is None:
        return "—"
    return grouped(number * 100, int(places)) + "%"


@register.filter
def translated(value):
    """Look up an English text (engine policy wording, role labels) in the catalogue at render time."""
    return gettext(str(value)) if value else ""


@register.filter
def deal_name(deal, which="current"):
    """The deal's name in the active language (Chinese name when there is one); "other" for the other."""
    chinese = (get_language() or "").startswith("zh") and bool(deal.name_zh)
    if which == "other":
        chinese = not chinese and bool(deal.name_zh)
    return deal.name_zh if chinese else deal.name


@register.filter
def role_label(value):
    try:
        return Role(value).label
    except ValueError:
        return value or ""


@register.filter
def state_label(value):
    try:
        return TrancheState(value).label
    except ValueError:
        return value or ""


@register.filter
def action_label(value):
    label = ACTION_LABELS.get(value)
    return label if label is not None else (value or "").replace("_", " ")


@register.filter
def days_left(value):
    """Calendar/business day counts: 'in 5', 'today', '3 overdue'."""
    if value is None:
        return "—"
    if value == 0:
        return pgettext("deadline", "due today")
    if value < 0:
        return gettext("%(n)s overdue") % {"n": -value}
    return str(value)


@register.filter
def short_hash(value, length=12):
    return (value or "")[: int(length)]


# One date style (issue 12 item 2): every contract date on a page goes through `day`, every moment through
# `moment`; config/formats makes whatever Django formats itself (the admin, widgets) ISO as well.
@register.filter
def day(value):
    """A contract date as ISO 8601 in every language: 2027-01-29 (never "Jan. 29, 2027", "01/29/2027")."""
    return iso_day(value) or "—"


@register.filter
def moment(value, style=""):
    """A moment on the Beijing clock, labelled: "2027-01-29 14:05 (Beijing time)" / "…（北京时间）".
    `moment:"bare"` leaves the label out, for a table column whose head already says Beijing time;
    `moment:"seconds"` adds the seconds (labelled)."""
    if value is None or value == "":
        return "—"
    clock = beijing_clock(value, seconds=style == "seconds")
    if style == "bare":
        return clock
    return gettext("%(time)s (Beijing time)") % {"time": clock}


@register.simple_tag
def role_list(roles):
    return ", ".join(str(role_label(r)) for r in roles) or "—"
