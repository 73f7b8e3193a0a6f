"""The seller's rights on the escrowed shares: dividends and votes (SPA 3.2, EA 1.3; issue 14 items 2, 3).

The seller keeps the dividend and voting rights on the shares held in escrow; the agent does not own them
(EA 1.3) and passes dividends through and lodges the seller's voting instructions. Everything here is plain
arithmetic on values the caller reads from the ledger: no Django, never a float.

- `cash_entitlement`: shares in escrow at the record date x the amount per share, exact.
- `share_entitlement`: a stock dividend's new shares, whole shares only; the fraction the issuer's terms
  settle (cash in lieu or rounding by its transfer agent) is reported, never silently lost.
- `allocate`: the new shares spread over the tranches that hold the escrowed shares (what remains in
  escrow of each year's share, deducted shares awaiting cancellation included) by the largest-remainder
  method: the parts are whole, never negative, and sum exactly to the whole.
- `stock_dividend_weights`: which tranches a stock dividend's new shares follow under a policy (default
  `pro-rata` to what remains in escrow per tranche); the action writes them as signed `rebase` movements.
- `default_cut_off_day`: the voting cut-off, 5 business days before the meeting on the deal's calendar.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from escrow.contract.exact import to_decimal, to_fraction

CLAUSE = "SPA 3.2, EA 1.3"
CASH, SHARES = "cash", "shares"
DIVIDEND_KINDS = (CASH, SHARES)
# Which tranches the new shares of a stock dividend follow (the contract is silent; issue 14 item 2).
STOCK_DIVIDEND_POLICIES = ("pro-rata", "next-tranche", "last-tranche")
DEFAULT_STOCK_DIVIDEND_POLICY = "pro-rata"
VOTE_CHOICES = ("for", "against", "abstain")
CUT_OFF_BUSINESS_DAYS = 5
PER_SHARE_PLACES = 8  # an amount per share: at most eight decimals (USD 0.00125 is a real dividend)


def parse_per_share(value) -> Decimal:
    """An amount per share (cash) or new shares per share (stock): positive, at most eight decimals."""
    if isinstance(value, (bool, float)):
        raise TypeError("amount per share must be Decimal, int or str, not float")
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
    if not amount.is_finite() or amount <= 0:
        raise ValueError(f"the amount per share must be positive: {value!r}")
    if -amount.as_tuple().exponent > PER_SHARE_PLACES:
        raise ValueError(f"at most {PER_SHARE_PLACES} decimals: {value!r}")
    return amount


def cash_entitlement(shares_in_escrow: int, per_share) -> Decimal:
    """SPA 3.2: the seller's dividend on the shares in escrow at the record date (exact, not rounded)."""
    _check_shares(shares_in_escrow)
    return to_decimal(shares_in_escrow * to_fraction(per_share, "per_share"))


@dataclass(frozen=True)
class ShareEntitlement:
    """A stock dividend on the escrowed shares: the whole new shares and the fraction left over."""

    shares: int
    fraction: Fraction  # 0 <= fraction < 1: settled under the issuer's terms, reported

    def as_dict(self) -> dict:
        return {"shares": self.shares, "fraction": str(to_decimal(self.fraction))}


def share_entitlement(shares_in_escrow: int, per_share) -> ShareEntitlement:
    """SPA 3.2: new shares on the shares in escrow at the record date: whole shares, the fraction reported."""
    _check_shares(shares_in_escrow)
    exact = shares_in_escrow * to_fraction(per_share, "per_share")
    whole = exact.numerator // exact.denominator
    return ShareEntitlement(whole, exact - whole)


def allocate(total: int, weights: Sequence[tuple]) -> dict:
    """Split `total` whole shares over (key, weight) pairs in proportion to the weights, by the largest
    remainder: each key gets the floor of its exact share, then the shares left go one each to the largest
    remainders (ties: the earlier key first). The parts sum exactly to `total`; a zero weight gets nothing."""
    _check_shares(total)
    weights = list(weights)
    if any(not isinstance(w, int) or isinstance(w, bool) or w < 0 for _, w in weights):
        raise ValueError("weights are whole numbers, never negative")
    whole = sum(w for _, w in weights)
    if total and not whole:
        raise ValueError("nothing to allocate to: every weight is zero")
    if not total:
        return {key: 0 for key, _ in weights}
    parts, remainders = {}, []
    for index, (key, weight) in enumerate(weights):
        exact = Fraction(total * weight, whole)
        parts[key] = exact.numerator // exact.denominator
        remainders.append((-(exact - parts[key]), index, key))
    left = total - sum(parts.values())
    for _, _, key in sorted(remainders)[:left]:
        parts[key] += 1
    return parts


def stock_dividend_weights(in_escrow: Mapping, unreleased: Sequence, policy: str = DEFAULT_STOCK_DIVIDEND_POLICY):
    """The (tranche year, weight) pairs a stock dividend's new shares follow (issue 14 item 2).

    `in_escrow`: tranche year -> what remains in escrow of that year's share (escrow.queries.quantities
    .year_figures: a released year keeps its deducted shares there until offset or cancellation, SPA 5.2(1));
    `unreleased`: the years not released yet. Under `pro-rata` every year's new shares follow what it still
    has in escrow, the same weights a split or consolidation rebases (so the deducted shares of a released
    year get theirs, and its released shares none). `next-tranche` and `last-tranche` put every new share
    with the first or the last unreleased year (pro rata when every year is released). Shares are whole."""
    if policy not in STOCK_DIVIDEND_POLICIES:
        raise ValueError(f"unknown stock dividend policy {policy!r}")
    years = sorted(unreleased)
    if policy == "pro-rata" or not years:
        return [(year, int(in_escrow[year])) for year in sorted(in_escrow) if in_escrow[year] > 0]
    year = years[0] if policy == "next-tranche" else years[-1]
    return [(year, sum(int(n) for n in in_escrow.values()))]


def default_cut_off_day(meeting_day: date, is_business_day, n: int = CUT_OFF_BUSINESS_DAYS) -> date:
    """The n-th business day before the meeting (the meeting day itself not counted), on the deal's
    calendar (`is_business_day`: escrow.contract.calendar.BusinessCalendar.is_business_day)."""
    day, counted = meeting_day, 0
    while counted < n:
        day -= timedelta(days=1)
        if is_business_day(day):
            counted += 1
        if (meeting_day - day).days > 366:
            raise ValueError(f"no {n} business days before {meeting_day}")
    return day


def check_resolutions(texts: Sequence[str]) -> list:
    """Resolutions numbered from 1 in the order given; each has words."""
    numbered = [{"number": i, "text": str(t).strip()} for i, t in enumerate(texts, start=1)]
    if not numbered or any(not r["text"] for r in numbered):
        raise ValueError("give at least one resolution, each with its text")
    return numbered


def check_instruction(numbers: Sequence[int], choices: Mapping) -> dict:
    """A voting instruction: one of for / against / abstain for every resolution, and nothing else."""
    got = {int(k): str(v) for k, v in choices.items()}
    if set(got) != set(numbers):
        raise ValueError("give an instruction for every resolution")
    bad = sorted(n for n, v in got.items() if v not in VOTE_CHOICES)
    if bad:
        raise ValueError(f"instructions are for, against or abstain (resolutions {bad})")
    return {str(n): got[n] for n in sorted(got)}


def _check_shares(n):
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise ValueError("a share count is a whole number, never negative")
