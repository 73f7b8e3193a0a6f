"""Figures and names as a reader reads them, in the active language: shares and amounts grouped in
threes, amounts with their currency, organisation names in the reader's language.

Pages (the `portal` template filters), the calculation steps (escrow/views/explanations.py), the
history's summaries and its exports (escrow/queries/history_words.py) all format through here, so a
figure reads the same everywhere (issue 12 item 1)."""

from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from parties.language import local_name

__all__ = [
    "amount_text",
    "auth_method_label",
    "beijing_time",
    "currency_label",
    "grouped",
    "local_name",
    "money_text",
    "shares_text",
]

BEIJING = ZoneInfo("Asia/Shanghai")

# How a signer proved who they were (Signature.auth_method; the history's `auth_method`).
AUTH_METHODS = {
    "password": _("password"),
    "totp": _("authenticator code (TOTP)"),
}


def auth_method_label(method) -> str:
    return str(AUTH_METHODS.get(method, method or "—"))


def beijing_time(value) -> str:
    """An ISO timestamp from a record as `2026-12-01 05:05 Beijing time` (labelled, in the reader's language)."""
    if not value:
        return "—"
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        return str(value)
    # One message, not a label inside an f-string: makemessages cannot see a gettext call in an f-string.
    return gettext("%(moment)s Beijing time") % {"moment": f"{moment.astimezone(BEIJING):%Y-%m-%d %H:%M}"}


# Revenue targets are whole yuan; prices and penalties are shown to the cent.
WHOLE_CURRENCIES = {"CNY", "RMB"}

CURRENCIES = {
    "CNY": _("RMB"),
    "RMB": _("RMB"),
    "USD": _("USD"),
    "HKD": _("HKD"),
}


def currency_label(code):
    return str(CURRENCIES.get((code or "").upper(), code))


def grouped(number, places):
    """Groups of three with the language's separators. Django's zh_Hans format has no thousand
    separator; financial figures in Chinese documents are grouped 665,000,000, so ',' is the fallback."""
    if type(number) is int and not places:  # a share count: what numberformat.format gives, at a third of its cost
        separator = get_format("THOUSAND_SEPARATOR") or ","
        text = f"{number:,}"
        return text if separator == "," else text.replace(",", separator)
    return numberformat.format(
        number,
        get_format("DECIMAL_SEPARATOR"),
        decimal_pos=places,
        grouping=3,
        thousand_sep=get_format("THOUSAND_SEPARATOR") or ",",
        force_grouping=True,
    )


def as_decimal(value):
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def shares_text(value) -> str:
    """A whole number of shares with the language's grouping: 3,000,000."""
    number = as_decimal(value)
    return "—" if number is None else grouped(int(number), 0)


def amount_text(value, places=None) -> str:
    """A grouped amount; two decimals unless the figure is whole (targets are whole yuan)."""
    number = as_decimal(value)
    if number is None:
        return "—"
    if places in (None, ""):
        places = 0 if number == number.to_integral_value() else 2
    return grouped(number, int(places))


def money_text(value, currency="CNY") -> str:
    """RMB 665,000,000 / 人民币 665,000,000; USD 1,234.50 / 美元 1,234.50."""
    if as_decimal(value) is None:
        return "—"
    places = None if (currency or "").upper() in WHOLE_CURRENCIES else 2
    return f"{currency_label(currency)} {amount_text(value, places)}"
