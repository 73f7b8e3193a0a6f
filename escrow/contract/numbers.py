"""Numbers and dates as people type them: one parser for the pages, the API, the commands and the
actions, so a figure nobody meant is refused everywhere with the same words (issue 9 item 8).

- An amount (audited revenue, SPA 4.2, 5.2; a target, SPA 4.1), in RMB: the digits 0-9, optionally
  grouped in threes by commas, and at most two decimals (fen) after a point: 598500000, 598,500,000,
  598500000.5, 598,500,000.50. Refused: `598,5`, `1,2,3`, `665.000` (a European thousands point),
  exponents (`1e9`), underscores, signs, NaN and Infinity, other scripts' digits (full-width, Arabic-Indic,
  Devanagari, ...: Python's Decimal and int would read them), anything before or after the number.
- A quantity of shares (EA 3.3, SPA 5.3): the same digits, whole, from 0 to the most the caller allows
  (the shares the deal can still release).
- A date: ISO YYYY-MM-DD with the digits 0-9 only (no week dates, no 20270130), optionally bounded.

Every refusal is an `InputProblem` (an `InvalidInput`): a code, an English message template that shows
the accepted form, and its parameters. The contract has no Django, so the caller translates it where it
is raised: `problem.translated(gettext)` (the request's language). The templates are marked with the
local `gettext_noop` below, which makemessages extracts like Django's.
"""

import re
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal

from escrow.contract.errors import InvalidInput

MAX_DIGITS = 18  # before the point: the database keeps 20 digits with 2 decimals; shares fit a bigint
_ECHO = 40  # characters of the typed value repeated in a message


def gettext_noop(message):
    """Marks a message for the catalogue (makemessages looks for this name); the caller translates it."""
    return message


AMOUNT_EMPTY = gettext_noop(
    "Enter the amount in digits, optionally with commas between groups of three and at most two decimals "
    "after a point, e.g. 598500000 or 598,500,000.50."
)
AMOUNT_FORM = gettext_noop(
    "'%(value)s' is not an amount: use the digits 0-9, optionally with commas between groups of three and "
    "at most two decimals after a point, e.g. 598500000 or 598,500,000.50."
)
AMOUNT_DECIMALS = gettext_noop(
    "'%(value)s' has more than two decimal places: the point marks fen (at most two decimals) and commas "
    "separate thousands, e.g. 665,000 or 665000.00."
)
AMOUNT_NEGATIVE = gettext_noop("The amount cannot be negative; enter it in digits, e.g. 598,500,000.50.")
AMOUNT_SCRIPT = gettext_noop(
    "'%(value)s' uses digits other than 0-9 (full-width or another script's); type the amount with the "
    "digits 0-9, e.g. 598,500,000.50."
)
AMOUNT_TOO_LARGE = gettext_noop(
    "'%(value)s' has more than %(digits)s digits before the point; check the amount, e.g. 598,500,000.50."
)
QUANTITY_EMPTY = gettext_noop(
    "Enter the number of shares as a whole number in digits, optionally with commas between groups of three, "
    "e.g. 2700000 or 2,700,000."
)
QUANTITY_FORM = gettext_noop(
    "'%(value)s' is not a whole number of shares: use the digits 0-9, optionally with commas between groups "
    "of three, without decimals, e.g. 2700000 or 2,700,000."
)
QUANTITY_NEGATIVE = gettext_noop("The number of shares cannot be negative; enter a whole number, e.g. 2,700,000.")
QUANTITY_SCRIPT = gettext_noop(
    "'%(value)s' uses digits other than 0-9 (full-width or another script's); type the number of shares "
    "with the digits 0-9, e.g. 2,700,000."
)
QUANTITY_TOO_LARGE = gettext_noop(
    "%(quantity)s shares exceed the %(most)s the deal can still release (in escrow, not yet released or "
    "returned); enter a whole number from 0 to %(most)s."
)
QUANTITY_TOO_LONG = gettext_noop(
    "'%(value)s' has more than %(digits)s digits; check the number of shares, e.g. 2,700,000."
)
DATE_EMPTY = gettext_noop("Enter the date as YYYY-MM-DD, e.g. 2027-01-29.")
DATE_FORM = gettext_noop("'%(value)s' is not a date in the form YYYY-MM-DD (digits 0-9), e.g. 2027-01-29.")
DATE_BEFORE_DEAL = gettext_noop(
    "%(date)s is before the agreement's effective date (%(earliest)s); enter a date from %(earliest)s to "
    "%(latest)s (YYYY-MM-DD)."
)
DATE_AFTER_DEAL = gettext_noop(
    "%(date)s is after the deal's last release date (%(latest)s: the end of the last assessment year plus its "
    "60-day release period, SPA 5.1); enter a date from %(earliest)s to %(latest)s (YYYY-MM-DD)."
)

_AMOUNT = re.compile(r"(?P<int>[0-9]+|[1-9][0-9]{0,2}(?:,[0-9]{3})+)(?:\.(?P<fraction>[0-9]+))?", re.ASCII)
_QUANTITY = re.compile(r"[0-9]+|[1-9][0-9]{0,2}(?:,[0-9]{3})+", re.ASCII)
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)
_BLANK = " \t\r\n"


class InputProblem(InvalidInput):
    """A number or date refused: `code` names the problem, `template` % `params` is the English message,
    `field` (set by the caller) the input it belongs to, so a page shows it next to that field."""

    def __init__(self, code, template, *, clause="", field="", **params):
        super().__init__(template % params, clause=clause)
        self.code, self.template, self.params, self.field = code, template, params, field

    def translated(self, gettext, *, field=None, clause=None) -> "InputProblem":
        """The same problem in the reader's language: `gettext` is Django's, called where it is raised
        (the contract has no Django). `field` and `clause` name where it belongs."""
        problem = InputProblem(
            self.code,
            self.template,
            clause=self.clause if clause is None else clause,
            field=self.field if field is None else field,
            **self.params,
        )
        problem.message = gettext(self.template) % self.params
        problem.args = (problem.message,)
        return problem


def _echo(value) -> str:
    """The typed value, shortened and on one line, to show back in a message."""
    text = "".join(ch if ch.isprintable() else "\ufffd" for ch in str(value))
    return text if len(text) <= _ECHO else text[: _ECHO - 1] + "\u2026"


def _foreign_digits(text: str) -> bool:
    return any(ch.isdigit() and ch not in "0123456789" for ch in text)


def parse_amount(value) -> Decimal:
    """An amount in RMB as typed (str), or a Decimal or int: never negative, at most two decimals.
    A float is refused: binary fractions are not money."""
    if isinstance(value, (bool, float)):
        raise InputProblem("amount_form", AMOUNT_FORM, value=_echo(value))
    if isinstance(value, (int, Decimal)):
        return _checked_amount(Decimal(value), value)
    text = "" if value is None else str(value).strip(_BLANK)
    if not text:
        raise InputProblem("amount_empty", AMOUNT_EMPTY)
    if _foreign_digits(text):
        raise InputProblem("amount_script", AMOUNT_SCRIPT, value=_echo(text))
    negative = text[0] == "-"
    match = _AMOUNT.fullmatch(text[1:] if negative else text)
    if match is None:
        raise InputProblem("amount_form", AMOUNT_FORM, value=_echo(text))
    if negative:
        raise InputProblem("amount_negative", AMOUNT_NEGATIVE)
    if match["fraction"] is not None and len(match["fraction"]) > 2:
        raise InputProblem("amount_decimals", AMOUNT_DECIMALS, value=_echo(text))
    if len(match["int"].replace(",", "")) > MAX_DIGITS:
        raise InputProblem("amount_too_large", AMOUNT_TOO_LARGE, value=_echo(text), digits=MAX_DIGITS)
    return Decimal(text.replace(",", ""))


def _checked_amount(amount: Decimal, value) -> Decimal:
    if not amount.is_finite():
        raise InputProblem("amount_form", AMOUNT_FORM, value=_echo(value))
    if amount < 0:
        raise InputProblem("amount_negative", AMOUNT_NEGATIVE)
    if amount >= Decimal(10) ** MAX_DIGITS:
        raise InputProblem("amount_too_large", AMOUNT_TOO_LARGE, value=_echo(value), digits=MAX_DIGITS)
    if amount != amount.quantize(Decimal("0.01"), rounding=ROUND_DOWN):
        raise InputProblem("amount_decimals", AMOUNT_DECIMALS, value=_echo(value))
    return abs(amount)  # -0 is 0


def parse_quantity(value, *, most=None) -> int:
    """A whole number of shares as typed (str), or an int, from 0 to `most` when given."""
    if isinstance(value, bool) or not isinstance(value, (int, str, type(None))):
        raise InputProblem("quantity_form", QUANTITY_FORM, value=_echo(value))
    quantity = value if isinstance(value, int) else _quantity_text((value or "").strip(_BLANK))
    if quantity < 0:
        raise InputProblem("quantity_negative", QUANTITY_NEGATIVE)
    if quantity >= 10**MAX_DIGITS:
        raise InputProblem("quantity_too_long", QUANTITY_TOO_LONG, value=_echo(value), digits=MAX_DIGITS)
    if most is not None and quantity > most:
        raise InputProblem("quantity_too_large", QUANTITY_TOO_LARGE, quantity=f"{quantity:,}", most=f"{most:,}")
    return quantity


def _quantity_text(text: str) -> int:
    if not text:
        raise InputProblem("quantity_empty", QUANTITY_EMPTY)
    if _foreign_digits(text):
        raise InputProblem("quantity_script", QUANTITY_SCRIPT, value=_echo(text))
    negative = text[0] == "-"
    digits = text[1:] if negative else text
    if _QUANTITY.fullmatch(digits) is None:
        raise InputProblem("quantity_form", QUANTITY_FORM, value=_echo(text))
    if negative:
        raise InputProblem("quantity_negative", QUANTITY_NEGATIVE)
    if len(digits.replace(",", "")) > MAX_DIGITS:
        raise InputProblem("quantity_too_long", QUANTITY_TOO_LONG, value=_echo(text), digits=MAX_DIGITS)
    return int(digits.replace(",", ""))


def parse_iso_date(value, *, life=None) -> date:
    """A date as YYYY-MM-DD (or a date). `life` = (effective date, last release date) of the deal:
    a date outside it is refused (nothing a party enters falls outside the deal's life)."""
    if isinstance(value, datetime):
        raise InputProblem("date_form", DATE_FORM, value=_echo(value))
    if isinstance(value, date):
        day = value
    elif isinstance(value, str) or value is None:
        day = _date_text("" if value is None else value.strip(_BLANK))
    else:
        raise InputProblem("date_form", DATE_FORM, value=_echo(value))
    if life is not None:
        earliest, latest = life
        if day < earliest:
            raise InputProblem("date_before_deal", DATE_BEFORE_DEAL, date=day, earliest=earliest, latest=latest)
        if day > latest:
            raise InputProblem("date_after_deal", DATE_AFTER_DEAL, date=day, earliest=earliest, latest=latest)
    return day


def _date_text(text: str) -> date:
    if not text:
        raise InputProblem("date_empty", DATE_EMPTY)
    if _foreign_digits(text):
        raise InputProblem("date_form", DATE_FORM, value=_echo(text))
    match = _DATE.fullmatch(text)
    if match is None:
        raise InputProblem("date_form", DATE_FORM, value=_echo(text))
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise InputProblem("date_form", DATE_FORM, value=_echo(text)) from None
