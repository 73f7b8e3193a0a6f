"""The escrow fee (EA 4.4, EA 2): USD 5,000 for every started year of the escrow period.

EA 2: the escrow period starts on the day the shares are first issued to the escrow agent (the deposit's date
of issue, EA 1.1) and runs until every share is released or returned. EA 4.4 charges per year of that period;
the portal reads it as "per started escrow year": a year that has begun is charged in full, so a five-year
escrow whose last release falls a few days after the fifth anniversary is charged six years.

Where the contract is silent (each choice is in README.md, "The escrow fee"):
- escrow year n runs from the (n-1)th anniversary of the date of issue to the day before the nth; an
  anniversary that does not exist (29 February) falls on 28 February;
- the day the last share leaves the escrow ends the period and is not a day of a new year: a year whose
  first day is that very day has not started (as the PRC Civil Code Art. 201 counts periods, and as P8's
  default reads a hold's last day);
- an invoice is due 30 calendar days after it is issued (DUE_DAYS);
- who pays is policy P9 `escrow_fee_payer`: `issuer` (default), `purchaser`, or `split` in halves, the
  issuer taking any odd cent.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from escrow.contract.errors import InvalidInput

FEE_PER_YEAR = Decimal("5000.00")  # EA 4.4, in USD
FEE_CURRENCY = "USD"
DUE_DAYS = 30  # the contract is silent: 30 calendar days after the invoice is issued
CENT = Decimal("0.01")

PAYER_ISSUER, PAYER_PURCHASER, PAYER_SPLIT = "issuer", "purchaser", "split"
PAYERS = (PAYER_ISSUER, PAYER_PURCHASER, PAYER_SPLIT)  # P9 `escrow_fee_payer`, default first


def anniversary(day: date, years: int) -> date:
    """`day` moved `years` years on; 29 February falls on 28 February in a year without it."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class EscrowYear:
    """One year of the escrow period (EA 2) and whether the period ended inside it."""

    number: int
    start: date
    end: date  # the day before the next anniversary
    ended_on: date | None = None  # the day the last share left, when it falls inside this year

    @property
    def partial(self) -> bool:
        """True for a last year the escrow did not run to its end."""
        return self.ended_on is not None and self.ended_on <= self.end


def year_of(issued_on: date, number: int) -> EscrowYear:
    """Escrow year `number` (1 = the year starting on the date of issue)."""
    if number < 1:
        raise InvalidInput("an escrow year is numbered from 1")
    return EscrowYear(number, anniversary(issued_on, number - 1), anniversary(issued_on, number) - timedelta(days=1))


def started_years(issued_on: date, through: date, ended_on: date | None = None) -> list[EscrowYear]:
    """The escrow years (EA 2) started from `issued_on` up to `through` (today), inclusive.

    `ended_on` is the day the last share was released or returned, when it has been: the period ends that
    day, and a year whose first day it is has not started. Before the date of issue no year has started."""
    if ended_on is not None and ended_on < issued_on:
        raise InvalidInput("the escrow cannot end before the shares were issued to the agent (EA 2)")
    years = []
    number = 1
    while True:
        year = year_of(issued_on, number)
        if year.start > through or (ended_on is not None and number > 1 and year.start >= ended_on):
            break
        if ended_on is not None and year.start <= ended_on <= year.end:
            year = EscrowYear(year.number, year.start, year.end, ended_on)
        years.append(year)
        number += 1
    return years


def fee_due_on(issued_on: date) -> date:
    """The invoice's due date: DUE_DAYS calendar days after it is issued (the contract is silent)."""
    return issued_on + timedelta(days=DUE_DAYS)


def payer_shares(payer_policy: str, amount: Decimal = FEE_PER_YEAR) -> dict:
    """Who pays what of one invoice under P9: role -> Decimal amount; the amounts add up to `amount`."""
    amount = Decimal(amount).quantize(CENT)
    if payer_policy == PAYER_ISSUER:
        return {"issuer": amount}
    if payer_policy == PAYER_PURCHASER:
        return {"purchaser": amount}
    if payer_policy == PAYER_SPLIT:
        half = (amount / 2).quantize(CENT, rounding=ROUND_DOWN)
        return {"issuer": amount - half, "purchaser": half}
    raise InvalidInput(f"policy P9 escrow_fee_payer cannot be {payer_policy!r}; allowed: {', '.join(PAYERS)}")


def invoice_number(slug: str, year: int) -> str:
    """A stable number, unique per deal: `<deal-slug>-FEE-<year>`."""
    return f"{slug}-FEE-{year}"
