"""Delay penalty of SPA 8.2 / EA 5.2: 0.01% a day of the market value not released, capped at 5%.

Attribution decides whose delay a day is (issuer, escrow agent, or nobody);
accrual values each liable day at the NASDAQ close (last close on non-trading
days) and caps the running total under policy P7. Prices are never guessed: a
day without any known close is reported, not valued.
"""

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext

# Attribution lives in its own module; re-exported so callers import everything from here.
from escrow.contract.attribution import HOLD_KINDS, DayAttribution, Hold, PenaltyDayInput, attribute_day, attribute_days  # noqa: F401
from escrow.contract.explain import Explanation, jsonable

DAILY_RATE = Decimal("0.0001")  # SPA 8.2: 0.01% per day
CAP_RATE = Decimal("0.05")  # SPA 8.2: total capped at 5%
_PRECISION = 60  # far beyond any share count x price, so sums stay exact


class _PriceBook:
    """Closing prices sorted once, so each lookup is a binary search."""

    def __init__(self, prices: Mapping[date, Decimal]):
        for day, price in prices.items():
            # Prices are entered by people; a float or negative close is a data error, not a figure.
            if isinstance(price, (float, bool)) or Decimal(price) < 0:
                raise ValueError(f"closing price of {day} must be a non-negative Decimal, got {price!r}")
        self.days = sorted(prices)
        self.prices = prices

    def close_on(self, day: date):
        """SPA 8.2: the close of `day`, else the last one before it; (None, None) if none."""
        i = bisect_right(self.days, day)
        if i == 0:
            return None, None
        found = self.days[i - 1]
        return Decimal(self.prices[found]), found


def close_on(prices: Mapping[date, Decimal], day: date):
    """SPA 8.2 market value: the close of `day`, else the last close before it; (None, None) if none."""
    return _PriceBook(prices).close_on(day)


@dataclass(frozen=True)
class PenaltyRow:
    """One day of accrual: its valuation, its penalty, and the capped running total.

    Only liable days need a price: a liable day with no close on or before it has
    amount None and missing_price True; a day nobody is liable for has amount 0.
    """

    day: date
    price: Decimal | None
    price_date: date | None
    shares: int
    market_value: Decimal | None
    amount: Decimal | None
    liable: str | None
    running_total: Decimal
    cap: Decimal
    capped: bool
    missing_price: bool
    reason: str = ""

    @property
    def explanation(self) -> Explanation:
        """Why this day's amount and running total are what they are."""
        formula = "amount = 0.01% x shares not released x close; running total = min(sum of amounts, cap)"
        inputs = {"shares": self.shares, "price": self.price, "price_date": self.price_date, "liable": self.liable}
        if self.missing_price:
            figure = "no closing price known on or before this day: not valued (enter the price)"
        else:
            figure = f"amount {self.amount}; running total {self.running_total} (cap {self.cap})"
        return Explanation("SPA 8.2; EA 5.2", formula, inputs, figure)

    def as_dict(self) -> dict:
        """JSON-ready form."""
        data = {k: jsonable(v) for k, v in self.__dict__.items()}
        data["explanation"] = self.explanation.as_dict()
        return data


@dataclass
class PenaltySchedule:
    """The day-by-day penalty, its capped total and the days that could not be valued."""

    rows: list
    total: Decimal
    cap: Decimal
    policy_cap_valuation: str
    missing_prices: list = field(default_factory=list)
    raw_by_party: dict = field(default_factory=dict)  # uncapped sums per liable party
    explanations: list = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """False when some liable day could not be valued for lack of a price."""
        return not self.missing_prices

    def as_dict(self) -> dict:
        """JSON-ready form."""
        return {
            "total": str(self.total),
            "cap": str(self.cap),
            "policy_cap_valuation": self.policy_cap_valuation,
            "missing_prices": [d.isoformat() for d in self.missing_prices],
            "complete": self.complete,
            "raw_by_party": jsonable(self.raw_by_party),
            "rows": [r.as_dict() for r in self.rows],
            "explanations": [e.as_dict() for e in self.explanations],
        }


def accrue(
    days: Sequence[PenaltyDayInput], prices: Mapping[date, Decimal], policy_cap_valuation: str = "last-day"
) -> PenaltySchedule:
    """SPA 8.2 / EA 5.2 with P7: accrue 0.01% a liable day, total capped at 5% of market value."""
    if policy_cap_valuation not in ("last-day", "each-day"):
        raise ValueError(f"penalty_cap_valuation must be 'last-day' or 'each-day', got {policy_cap_valuation!r}")
    book = _PriceBook(prices)
    state = _Accrual(policy_cap_valuation)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        rows = [state.row(d, *book.close_on(d.day)) for d in sorted(days, key=lambda d: d.day)]
    return PenaltySchedule(
        rows,
        state.total,
        state.cap,
        policy_cap_valuation,
        state.missing,
        state.by_party,
        [_summary(state, policy_cap_valuation)],
    )


class _Accrual:
    """Running sums while walking the days in order."""

    def __init__(self, valuation: str):
        self.valuation = valuation
        self.raw = Decimal(0)  # uncapped sum of daily amounts
        self.total = Decimal(0)
        self.cap = Decimal(0)
        self.peak_value = Decimal(0)
        self.missing, self.by_party = [], {}

    def row(self, d: PenaltyDayInput, price, price_date) -> PenaltyRow:
        """SPA 8.2: value one day, add its amount, and cap the running total (P7)."""
        if d.shares_not_released < 0:
            raise ValueError(f"shares_not_released cannot be negative on {d.day}")
        value = None if price is None else d.shares_not_released * price
        amount = self._amount(d, value)
        self.total = min(self.raw, self.cap)
        capped = self.raw > 0 and self.raw >= self.cap
        return PenaltyRow(
            d.day,
            price,
            price_date,
            d.shares_not_released,
            value,
            amount,
            d.liable,
            self.total,
            self.cap,
            capped,
            d.liable is not None and value is None,
            d.reason,
        )

    def _amount(self, d: PenaltyDayInput, value):
        if d.liable is None:
            return Decimal(0)
        if value is None:
            self.missing.append(d.day)  # never guess a price: report the gap instead
            return None
        amount = DAILY_RATE * value
        self.raw += amount
        self.by_party[d.liable] = self.by_party.get(d.liable, Decimal(0)) + amount
        # P7: the cap follows today's value (last-day) or the highest value seen (each-day).
        self.peak_value = max(self.peak_value, value)
        self.cap = CAP_RATE * (value if self.valuation == "last-day" else self.peak_value)
        return amount


def _summary(state: _Accrual, valuation: str) -> Explanation:
    basis = "the last liable day's market value" if valuation == "last-day" else "the highest daily market value"
    figure = f"total {state.total} (uncapped {state.raw}, cap {state.cap})"
    if state.missing:
        figure += f"; {len(state.missing)} liable day(s) without a known price were not valued"
    inputs = {"daily_rate": DAILY_RATE, "cap_rate": CAP_RATE, "penalty_cap_valuation": valuation}
    return Explanation(
        "SPA 8.2; EA 5.2", f"total = min(sum of 0.01% x market value per liable day, 5% x {basis}) (P7)", inputs, figure
    )
