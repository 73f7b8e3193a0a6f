"""Delay penalty of SPA 8.2 / EA 5.2: 0.01% a day of the market value not released, capped at 5%.

Attribution decides whose delay a day is (issuer, escrow agent, or nobody; P8 decides which days a
hold frees); accrual values each liable day at the NASDAQ close (last close on non-trading days) and
charges it against the cap (P7). Prices are never guessed: a day without any known close is reported,
not valued.

The cap binds the total and every party's share of it (SPA 8.2 "the total penalty shall not exceed
5%"; RULES.md "Delay penalty"). P7 names the one market value the cap is 5% of: the last day of the
delay (`last-day`: today's, while the delay lasts) or the highest daily value in it (`each-day`). The
liable days are then charged in order, each its 0.01% cut to what is left under that cap, so once the
total reaches the cap later days are charged nothing, and the allocation between the parties follows
the days in order. An accrual run walks all the days again (the sweep feeds the stored days plus the
new ones) whenever anything before the new days changed or the cap binds, so under `last-day` a falling
close lowers the cap and the latest charged days give way: the total never stands above the cap
(docs/architecture.md "Readings"). While the cap has never bound and nothing earlier changed, the new
days are charged from where the last one stands (`accrue_more`, issue 13): every earlier day keeps its
whole amount under any cap above the total, so the result is the full run's (a Hypothesis property).
"""

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext
from fractions import Fraction

# Attribution lives in its own module; re-exported so callers import everything from here.
from escrow.contract.attribution import (  # noqa: F401
    HOLD_DAYS,
    HOLD_KINDS,
    DayAttribution,
    Hold,
    PenaltyDayInput,
    attribute_day,
    attribute_days,
    first_day_of_delay,
)
from escrow.contract.exact import to_decimal
from escrow.contract.explain import Explanation, jsonable

DAILY_RATE = Decimal("0.0001")  # SPA 8.2: 0.01% per day
CAP_RATE = Decimal("0.05")  # SPA 8.2: total capped at 5%
CAP_VALUATIONS = ("last-day", "each-day")  # P7
_PRECISION = 60  # far beyond any share count x price, so sums stay exact


class PriceBook:
    """Closing prices checked and sorted once, so each lookup is a binary search. `accrue` takes one in
    place of the mapping, so a batch of tranches on one ticker (the sweep) builds it once, not per tranche."""

    def __init__(self, prices: Mapping[date, Decimal], rebases=()):
        for day, price in prices.items():
            # Prices are entered by people; a float or negative close is a data error, not a figure.
            if isinstance(price, (float, bool)) or Decimal(price) < 0:
                raise ValueError(f"closing price of {day} must be a non-negative Decimal, got {price!r}")
        self.days = sorted(prices)
        self.prices = prices
        # Issue 14 items 2, 4: (effective date, new shares per old share) of each split, consolidation or stock
        # dividend (a (1 + r)-for-1 split, escrow.contract.corporate_actions.stock_dividend_ratio).
        self.rebases = tuple(sorted(rebases))

    def with_rebases(self, rebases) -> "PriceBook":
        """The same closes, each used for a day on or after a split, consolidation or stock dividend that
        followed it put on the new basis (close x old / new), so it is compared with rebased quantities."""
        book = PriceBook.__new__(PriceBook)
        book.days, book.prices, book.rebases = self.days, self.prices, tuple(sorted(rebases))
        return book

    def close_on(self, day: date):
        """SPA 8.2: the close of `day`, else the last one before it; (None, None) if none. A close from
        before a split, consolidation or stock dividend that took effect on or before `day` is on the new
        basis (rounded for display only; the market value uses `exact_close_on`)."""
        price, found = self.exact_close_on(day)
        return (to_decimal(price) if isinstance(price, Fraction) else price), found

    def exact_close_on(self, day: date):
        """As `close_on`, with a rebased close kept exact: close x old / new of every rebase between the close's
        date (exclusive) and `day` (inclusive), a Fraction (10/11 of the close after a 10% stock dividend has no
        finite decimal, and shares x close must stay the same holding's value to the last digit, SPA 8.2, P7).
        A close no rebase touches is the Decimal as entered."""
        i = bisect_right(self.days, day)
        if i == 0:
            return None, None
        found = self.days[i - 1]
        price = Decimal(self.prices[found])
        if not self.rebases:  # most books: the close as entered (no Fraction to build per day, issue 13)
            return price, found
        factor = Fraction(1)
        for effective, step in self.rebases:
            if found < effective <= day:
                factor *= Fraction(step)
        return (price if factor == 1 else Fraction(price) / factor), found


def closes_in_force(tickers: Sequence, prices_by_ticker: Mapping) -> dict:
    """SPA 8.2 after a ticker change (issue 14 items 3, 4): {day: close} of the ticker in force on each price
    date. `tickers`: [(first day or None, ticker)] in order, the deal's ticker first (None), then each split's
    or consolidation's new ticker from its effective date. A close of the old ticker on or after the change, or
    of the new one before it, is another listing's price and is not used. The closes keep their own basis:
    PriceBook.with_rebases puts a close from before an effective date on the new basis for a later day."""
    closes = {}
    for i, (start, ticker) in enumerate(tickers):
        end = tickers[i + 1][0] if i + 1 < len(tickers) else None
        for day, close in (prices_by_ticker.get(ticker) or {}).items():
            if (start is None or day >= start) and (end is None or day < end):
                closes[day] = close
    return closes


def close_on(prices: Mapping[date, Decimal], day: date):
    """SPA 8.2 market value: the close of `day`, else the last close before it; (None, None) if none."""
    return PriceBook(prices).close_on(day)


@dataclass(frozen=True)
class PenaltyRow:
    """One day of accrual: its valuation, its penalty, what it adds under the cap, and the running total.

    `amount` is the day's 0.01% of the market value (0 on a day nobody is liable for); `charged` is what
    the day adds to the total: the amount cut to what is left under the cap (SPA 8.2, P7),
    so the running total is the sum of the charged amounts. Only liable days need a price: a liable day
    with no close on or before it has amount and charged None and missing_price True. `capped` is True
    when the total has reached the cap (the day is charged less than its amount, or exactly what was left).
    `cap` is the cap as valued on this day (what it would be had the delay ended then); the charges are
    made under the schedule's one cap, valued as P7 says (`PenaltySchedule.cap`).
    """

    day: date
    price: Decimal | None
    price_date: date | None
    shares: int
    market_value: Decimal | None
    amount: Decimal | None
    charged: Decimal | None
    liable: str | None
    running_total: Decimal
    cap: Decimal
    capped: bool
    missing_price: bool
    reason: str = ""

    @property
    def explanation(self) -> Explanation:
        """Why this day's amount, charge and running total are what they are."""
        formula = (
            "amount = 0.01% x shares not released x close; charged = min(amount, cap - total before the day); "
            "running total = sum of charged amounts"
        )
        inputs = {"shares": self.shares, "price": self.price, "price_date": self.price_date, "liable": self.liable}
        if self.missing_price:
            figure = "no closing price known on or before this day: not valued (enter the price)"
        else:
            figure = (
                f"amount {self.amount}; charged {self.charged}; running total {self.running_total} (cap {self.cap})"
            )
        return Explanation("SPA 8.2; EA 5.2", formula, inputs, figure)

    def as_dict(self) -> dict:
        """JSON-ready form."""
        data = {k: jsonable(v) for k, v in self.__dict__.items()}
        data["explanation"] = self.explanation.as_dict()
        return data


@dataclass
class PenaltySchedule:
    """The day-by-day penalty, its capped total, the capped share of each party, and the days that could
    not be valued."""

    rows: list
    total: Decimal
    cap: Decimal
    policy_cap_valuation: str
    missing_prices: list = field(default_factory=list)
    raw_by_party: dict = field(default_factory=dict)  # uncapped sums of the daily amounts per liable party
    explanations: list = field(default_factory=list)
    by_party: dict = field(default_factory=dict)  # sums of the charged amounts per liable party (capped)
    liable_days: dict = field(default_factory=dict)  # days of delay per liable party
    first_capped_day: date | None = None  # the first day the total reached the cap

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
            "by_party": jsonable(self.by_party),
            "raw_by_party": jsonable(self.raw_by_party),
            "liable_days": dict(self.liable_days),
            "first_capped_day": jsonable(self.first_capped_day),
            "rows": [r.as_dict() for r in self.rows],
            "explanations": [e.as_dict() for e in self.explanations],
        }


def accrue(
    days: Sequence[PenaltyDayInput],
    prices: "Mapping[date, Decimal] | PriceBook",
    policy_cap_valuation: str = "last-day",
) -> PenaltySchedule:
    """SPA 8.2 / EA 5.2 with P7: value every liable day, fix the cap, then charge the days in order under it."""
    if policy_cap_valuation not in CAP_VALUATIONS:
        raise ValueError(f"penalty_cap_valuation must be 'last-day' or 'each-day', got {policy_cap_valuation!r}")
    book = prices if isinstance(prices, PriceBook) else PriceBook(prices)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        valued = [_valued(d, *book.exact_close_on(d.day)) for d in sorted(days, key=lambda d: d.day)]
        state = _Accrual(_cap(valued, policy_cap_valuation), policy_cap_valuation)
        rows = [state.row(*v) for v in valued]
    return PenaltySchedule(
        rows,
        state.total,
        state.cap,
        policy_cap_valuation,
        state.missing,
        state.raw_by_party,
        [_summary(state, policy_cap_valuation)],
        state.by_party,
        state.liable_days,
        state.first_capped_day,
    )


def _valued(d: PenaltyDayInput, price, price_date):
    """(day, close, its date, market value): the value of the shares not released (SPA 8.2). A close put on a
    new basis (a Fraction, PriceBook.exact_close_on) is multiplied exactly and the value rounded once."""
    if d.shares_not_released < 0:
        raise ValueError(f"shares_not_released cannot be negative on {d.day}")
    if isinstance(price, Fraction):
        return d, to_decimal(price), price_date, to_decimal(d.shares_not_released * price)
    return d, price, price_date, None if price is None else d.shares_not_released * price


def _cap(valued, valuation: str) -> Decimal:
    """P7: 5% of the market value on the last liable day of the delay, or the highest daily value in it."""
    values = [value for d, _price, _date, value in valued if d.liable is not None and value is not None]
    if not values:
        return Decimal(0)
    return CAP_RATE * (values[-1] if valuation == "last-day" else max(values))


class _Accrual:
    """Running sums while charging the days in order against one cap."""

    def __init__(self, cap: Decimal, valuation: str):
        self.cap, self.valuation = cap, valuation
        self.peak_value = self.last_value = Decimal(0)
        self.raw = Decimal(0)  # uncapped sum of daily amounts
        self.total = Decimal(0)  # sum of charged amounts: never above the cap
        self.missing, self.raw_by_party, self.by_party, self.liable_days = [], {}, {}, {}
        self.first_capped_day = None

    def row(self, d: PenaltyDayInput, price, price_date, value) -> PenaltyRow:
        """SPA 8.2: charge what is left of the day's amount under the cap (P7)."""
        amount, charged = self._charge(d, value)
        capped = self.cap > 0 and self.total >= self.cap
        if capped and self.first_capped_day is None:
            self.first_capped_day = d.day
        return PenaltyRow(
            d.day,
            price,
            price_date,
            d.shares_not_released,
            value,
            amount,
            charged,
            d.liable,
            self.total,
            self._cap_valued_on(d, value),
            capped,
            d.liable is not None and value is None,
            d.reason,
        )

    def _cap_valued_on(self, d: PenaltyDayInput, value) -> Decimal:
        """The cap as valued on this day (P7: the last liable day's value, or the highest so far): what the
        cap would be had the delay ended then. Stored with the day, it does not move; the charges follow
        `self.cap`, the schedule's one cap (the same figure on the last liable day)."""
        if d.liable is not None and value is not None:
            self.last_value, self.peak_value = value, max(self.peak_value, value)
        return CAP_RATE * (self.last_value if self.valuation == "last-day" else self.peak_value)

    def _charge(self, d: PenaltyDayInput, value):
        """(amount, charged) of one day: its 0.01%, and what of it is left under the cap."""
        if d.liable is None:
            return Decimal(0), Decimal(0)
        self.liable_days[d.liable] = self.liable_days.get(d.liable, 0) + 1
        if value is None:
            self.missing.append(d.day)  # never guess a price: report the gap instead
            return None, None
        amount = DAILY_RATE * value
        self.raw += amount
        self.raw_by_party[d.liable] = self.raw_by_party.get(d.liable, Decimal(0)) + amount
        charged = min(amount, max(Decimal(0), self.cap - self.total))
        self.total += charged
        self.by_party[d.liable] = self.by_party.get(d.liable, Decimal(0)) + charged
        return amount, charged


def _summary(state: _Accrual, valuation: str) -> Explanation:
    basis = (
        "the market value on the last day of the delay" if valuation == "last-day" else "the highest daily market value"
    )
    figure = f"total {state.total} (uncapped {state.raw}, cap {state.cap})"
    if state.first_capped_day is not None:
        figure += f"; the cap was reached on {state.first_capped_day}"
    if state.missing:
        figure += f"; {len(state.missing)} liable day(s) without a known price were not valued"
    inputs = {"daily_rate": DAILY_RATE, "cap_rate": CAP_RATE, "penalty_cap_valuation": valuation}
    return Explanation(
        "SPA 8.2; EA 5.2",
        f"cap = 5% x {basis} (P7); each liable day, in order, is charged min(0.01% x market value, "
        "cap - total charged before it); total = sum of the charged amounts",
        inputs,
        figure,
    )


@dataclass(frozen=True)
class RunningState:
    """Where an accrual stood after its last day (the last PenaltyRow of a full run): enough to charge more days
    without walking the earlier ones again (issue 13). `total`: the running total; `cap`: the schedule's cap
    (P7: 5% of the last liable day's value, or of the highest; the last row's `cap`); `capped`: the last row's
    flag (True once the total has reached the cap)."""

    total: Decimal
    cap: Decimal
    capped: bool

    @classmethod
    def after(cls, row: "PenaltyRow") -> "RunningState":
        return cls(Decimal(row.running_total), Decimal(row.cap), bool(row.capped))


# Before any day: nothing charged, no cap valued yet. `accrue_more` from here is `accrue` over the same days (the
# sweep charges a tranche's first days this way; a Hypothesis property checks it).
NOTHING_YET = RunningState(Decimal(0), Decimal(0), False)


def accrue_more(
    state: RunningState,
    days: Sequence[PenaltyDayInput],
    prices: "Mapping[date, Decimal] | PriceBook",
    policy_cap_valuation: str = "last-day",
):
    """SPA 8.2, P7: the rows of `days` (all after the days `state` stands after) exactly as `accrue` over the
    earlier days and these would give them, or None when the earlier rows would change too and only a full run
    can say how. Valid while the cap has never bound: every earlier day was charged its whole amount, so under
    the cap revalued with the new days (P7: `last-day` moves it, `each-day` only raises it) they still are, as
    long as the total before the new days stays below it. Once the total reaches a cap, a moving cap may take
    back or give back the latest charges: the caller runs `accrue` over every day instead. A Hypothesis
    property (tests/escrow/contract/test_penalty_properties.py) checks the equality with the full run."""
    if policy_cap_valuation not in CAP_VALUATIONS:
        raise ValueError(f"penalty_cap_valuation must be 'last-day' or 'each-day', got {policy_cap_valuation!r}")
    if state.capped:
        return None
    book = prices if isinstance(prices, PriceBook) else PriceBook(prices)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        valued = [_valued(d, *book.exact_close_on(d.day)) for d in sorted(days, key=lambda d: d.day)]
        values = [value for d, _price, _date, value in valued if d.liable is not None and value is not None]
        old_value = state.cap / CAP_RATE if state.cap else Decimal(0)  # zero: as a full run starts (0, not 0E+2)
        if policy_cap_valuation == "last-day":
            cap = CAP_RATE * values[-1] if values else state.cap
        else:
            cap = CAP_RATE * max([old_value, *values])
        if cap > 0 and state.total >= cap:
            return None  # the earlier days would meet the new cap: only a full run charges them again
        run = _Accrual(cap, policy_cap_valuation)
        run.total = state.total
        run.last_value = run.peak_value = old_value
        return [run.row(*v) for v in valued]
