"""The delay penalty of a tranche (SPA 8.2, EA 5.2): reads and the accrual computation. No writes.

Stored PenaltyDay rows are the record of past days. Their attribution (who was liable, and why) is
frozen when the day is first accrued, because the tranche row keeps only today's facts (a new
instruction clears `documents_complete_on`, for example). Valuation is not frozen: every accrual run
feeds the stored days plus the new ones through the engine (`contract.penalty.accrue`), so a price
entered late turns a "missing price" day into a valued one and the running totals follow.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Max

from escrow.contract.penalty import Hold, PenaltyDayInput, accrue, attribute_day
from escrow.models import Hold as HoldRow
from escrow.models import PenaltyDay, Role, SharePrice

MONEY = Decimal("0.000001")  # PenaltyDay amounts are stored with six decimals


# --- inputs, loaded for many tranches at once (the sweep batches) ---


def holds_by_tranche(tranche_ids) -> dict:
    """{tranche_id: [contract Hold]}: the justified stops of the clock (EA 3.3, SPA 8.1, SPA 5.3)."""
    holds = {}
    for row in HoldRow.objects.filter(tranche_id__in=tranche_ids).order_by("started_at"):
        holds.setdefault(row.tranche_id, []).append(Hold(row.started_on, row.ended_on, row.kind, row.reason[:120]))
    return holds


def prices_by_ticker(tickers, through: date) -> dict:
    """{ticker: {day: close}} up to `through`: every close the valuation may need (SPA 8.2, last close)."""
    prices = {}
    for ticker, day, close in SharePrice.objects.filter(ticker__in=tickers, day__lte=through).values_list(
        "ticker", "day", "close"
    ):
        prices.setdefault(ticker, {})[day] = close
    return prices


def price_activity(tickers) -> dict:
    """{ticker: time of the latest price entry}: a tranche computed before it must be revalued."""
    return dict(
        SharePrice.objects.filter(ticker__in=tickers)
        .values("ticker")
        .annotate(latest=Max("entered_at"))
        .values_list("ticker", "latest")
    )


def prices_entered_after(tickers, after) -> dict:
    """{ticker: [(day, entered_at)]} of closes entered or corrected after `after` (usually a handful)."""
    entered = {}
    for ticker, day, at in SharePrice.objects.filter(ticker__in=tickers, entered_at__gt=after).values_list(
        "ticker", "day", "entered_at"
    ):
        entered.setdefault(ticker, []).append((day, at))
    return entered


# What a stored day contributes to the next run: its frozen attribution.
INPUT_FIELDS = ("day", "shares", "liable", "reason", "clause")


def stored_inputs(tranche_ids) -> dict:
    """{tranche_id: [(day, shares, liable, reason, clause), ...]} in day order, as plain tuples."""
    rows = {}
    for tranche_id, *values in (
        PenaltyDay.objects.filter(tranche_id__in=tranche_ids)
        .order_by("tranche_id", "day")
        .values_list("tranche_id", *INPUT_FIELDS)
    ):
        rows.setdefault(tranche_id, []).append(tuple(values))
    return rows


# --- the computation ---


def shares_not_released(tranche) -> int:
    """SPA 8.2 'shares not released': the computed quantity; before the report is in, the tranche's
    nominal share of the consideration (total / number of tranches), which the report may change."""
    if tranche.release_quantity is not None:
        return tranche.release_quantity
    return tranche.deal.total_shares // tranche.deal.tranche_count


def accrual_end(tranche, through: date) -> date:
    """The last day that can be a day of delay: `through`, or the day before the release."""
    if tranche.released_on is not None:
        return min(through, tranche.released_on - timedelta(days=1))
    return through


@dataclass(frozen=True)
class AccruedDay:
    """One computed day: the engine's row plus the clause of its attribution."""

    row: object  # contract.penalty.PenaltyRow
    clause: str
    reason: str


def accrue_tranche(tranche, stored, *, through, prices, holds) -> list:
    """SPA 8.2, EA 5.2: the stored days (`stored_inputs`: attribution frozen) plus the days after the
    last one up to `through`, attributed now, valued and capped by the engine (P7)."""
    inputs = [PenaltyDayInput(day, shares, liable or None, reason) for day, shares, liable, reason, _ in stored]
    clauses = {row[0]: row[4] for row in stored}
    first = (stored[-1][0] if stored else tranche.release_due_date) + timedelta(days=1)
    shares = shares_not_released(tranche)
    day = first
    while day <= accrual_end(tranche, through):
        who = attribute_day(
            day,
            release_due=tranche.release_due_date,
            instruction_signed_on=tranche.documents_complete_on,
            transfer_due=tranche.transfer_due_date,
            released_on=tranche.released_on,
            holds=holds,
        )
        reason = (
            who.reason if tranche.release_quantity is not None else f"{who.reason}; nominal tranche (no report yet)"
        )
        inputs.append(PenaltyDayInput(day, shares, who.liable, reason[:300]))
        clauses[day] = who.clause
        day += timedelta(days=1)
    if not inputs:
        return []
    schedule = accrue(inputs, prices, tranche.deal.penalty_cap_valuation)
    return [AccruedDay(row, clauses[row.day], row.reason) for row in schedule.rows]


def row_values(accrued: AccruedDay) -> dict:
    """The PenaltyDay fields of a computed day, rounded as the database stores them."""
    r = accrued.row
    return dict(
        day=r.day,
        liable=r.liable or "",
        reason=accrued.reason[:300],
        clause=accrued.clause[:60],
        shares=r.shares,
        price=r.price,
        price_date=r.price_date,
        amount=_money(r.amount),
        running_total=_money(r.running_total),
        cap=_money(r.cap),
        capped=r.capped,
        missing_price=r.missing_price,
    )


def _money(value):
    return None if value is None else Decimal(value).quantize(MONEY)


# --- the table a page shows ---

LIABLE_LABELS = {"issuer": Role.ISSUER.label, "escrow_agent": Role.ESCROW_AGENT.label, "": "nobody"}


@dataclass(frozen=True)
class PenaltyTableRow:
    day: date
    price: Decimal | None
    price_date: date | None
    shares: int
    amount: Decimal | None
    liable: str
    liable_label: str
    reason: str
    clause: str
    running_total: Decimal
    cap: Decimal | None
    capped: bool
    missing_price: bool


@dataclass
class PenaltyTable:
    """SPA 8.2 day by day: price, shares, amount, who is liable, running total and cap."""

    tranche: object
    ticker: str
    cap_valuation: str
    rows: list
    total: Decimal = Decimal(0)
    cap: Decimal | None = None
    capped: bool = False
    accrued_through: date | None = None
    missing_price_days: list = field(default_factory=list)
    by_party: dict = field(default_factory=dict)  # uncapped sums of daily amounts, per liable party
    liable_days: dict = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """False while some liable day has no known closing price (never guessed, SPA 8.2)."""
        return not self.missing_price_days


def penalty_table(tranche) -> PenaltyTable:
    """The tranche's accrued penalty days (written by the sweep), in two queries at most."""
    rows = [_table_row(r) for r in PenaltyDay.objects.filter(tranche=tranche).order_by("day")]
    table = PenaltyTable(tranche, tranche.deal.ticker, tranche.deal.penalty_cap_valuation, rows)
    for row in rows:
        if row.liable:
            table.liable_days[row.liable] = table.liable_days.get(row.liable, 0) + 1
            if row.missing_price:
                table.missing_price_days.append(row.day)
            else:
                table.by_party[row.liable] = table.by_party.get(row.liable, Decimal(0)) + row.amount
    if rows:
        last = rows[-1]
        table.total, table.cap, table.capped, table.accrued_through = (
            last.running_total,
            last.cap,
            last.capped,
            last.day,
        )
    return table


def _table_row(r: PenaltyDay) -> PenaltyTableRow:
    return PenaltyTableRow(
        r.day,
        r.price,
        r.price_date,
        r.shares,
        r.amount,
        r.liable,
        str(LIABLE_LABELS.get(r.liable, r.liable)),
        r.reason,
        r.clause,
        r.running_total,
        r.cap,
        r.capped,
        r.missing_price,
    )
