"""The delay penalty of a tranche (SPA 8.2, EA 5.2): reads and the accrual computation. No writes.

Stored PenaltyDay rows are the record of past days. Their attribution (who was liable, and why) is
frozen when the day is first accrued, because the tranche row keeps only today's facts (a new
instruction clears `documents_complete_on`, for example). Valuation is not frozen: an accrual run after a
close entered or corrected on or before the last stored day, a rebase, or a gap feeds the stored days plus
the new ones through the engine (`contract.penalty.accrue`), so a price entered late turns a "missing
price" day into a valued one and the running totals follow; otherwise it charges only the new days from the
last stored one (`accrue_tranche_more`, `contract.penalty.accrue_more`: the same figures, issue 13).

Every figure shown (the tranche's table, the deal page's meter, the API, the history exports) is the
capped one: a party's share is the sum of its days' stored `charged` amounts (SPA 8.2: the cap binds
the total and every party's share of it).
"""

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db import connection
from django.db.models import Max, OuterRef, Subquery, Sum

from escrow.contract.corporate_actions import FLOOR, Ratio, rebase_holding
from escrow.contract.penalty import (
    HOLD_KINDS,
    Hold,
    PenaltyDayInput,
    RunningState,
    accrue,
    accrue_more,
    attribute_day,
    first_day_of_delay,
)
from escrow.models import CorporateAction, PenaltyDay, Role, ShareMovement, SharePrice, Tranche
from escrow.models import Hold as HoldRow
from escrow.models.bulk import any_of
from escrow.queries.quantities import CORPORATE_ACTION_KEY, rebase_sources, rebase_steps, rebased_sizes, sizes_on
from escrow.queries.rows import columns, loader, rows

MONEY = Decimal("0.00000001")  # PenaltyDay money is stored exactly, with eight decimals
PRICE = Decimal("0.0001")  # PenaltyDay.price: the close shown with the day (SharePrice closes have 4 decimals)
PARTIES = ("issuer", "escrow_agent")  # the order totals per party are shown in (SPA 8.2: A and/or D)
PAUSE_CLAUSES = frozenset(HOLD_KINDS.values())  # a day nobody is liable for because a hold freed it

# --- inputs, loaded for many tranches at once (the sweep batches) ---


def holds_by_tranche(tranche_ids) -> dict:
    """{tranche_id: [contract Hold]}: the justified stops of the clock (EA 3.3, SPA 8.1, SPA 5.3)."""
    holds = {}
    for row in HoldRow.objects.filter(tranche_id__in=any_of(tranche_ids)).order_by("started_at"):
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


@dataclass(frozen=True)
class PriceChange:
    """A close entered or corrected after some penalty days were valued: the cause of a re-valuation."""

    ticker: str
    day: date
    close: Decimal
    source: str
    entered_at: object  # datetime
    entered_by: str

    def as_dict(self) -> dict:
        return {
            "ticker": self.ticker,
            "day": self.day,
            "close": self.close,
            "source": self.source,
            "entered_at": self.entered_at,
            "entered_by": self.entered_by,
        }


def prices_entered_after(tickers, after) -> dict:
    """{ticker: [PriceChange]} of closes entered or corrected after `after` (usually a handful)."""
    entered = {}
    rows = (
        SharePrice.objects.filter(ticker__in=tickers, entered_at__gt=after)
        .select_related("entered_by")
        .order_by("ticker", "day")
    )
    for price in rows:
        who = price.entered_by.username if price.entered_by else ""
        change = PriceChange(price.ticker, price.day, price.close, price.source, price.entered_at, who)
        entered.setdefault(price.ticker, []).append(change)
    return entered


@dataclass(frozen=True)
class RebaseChange:
    """A split, consolidation or stock dividend recorded after some penalty days were valued (issue 14): the
    cause of a re-valuation, as the ledger has it (escrow.queries.quantities.rebase_sources: its day and ratio)."""

    key: str  # `rebase:<corporate action>` or `stock-dividend:<dividend>` (the ledger's fact key less its year)
    effective: date  # the day the share basis changes (effective date, or the day of receipt)
    ratio: Ratio  # new shares per old share
    recorded_at: object  # datetime: when the ledger's rebase was written
    recorded_by: str

    @property
    def words(self) -> str:
        """English, like every history summary."""
        who = f" by {self.recorded_by}" if self.recorded_by else ""
        if self.key.startswith(f"{CORPORATE_ACTION_KEY}:"):
            what = f"the {self.ratio.new}-for-{self.ratio.old} {self.ratio.kind} effective {self.effective}"
            return f"{what} was confirmed{who}"
        return (
            f"the stock dividend's new shares received into escrow on {self.effective} "
            f"({self.ratio.new} for {self.ratio.old}) were recorded{who}"
        )

    def as_dict(self) -> dict:
        return {
            "source": self.key,
            "effective_date": self.effective,
            "ratio_new": self.ratio.new,
            "ratio_old": self.ratio.old,
            "recorded_at": self.recorded_at,
            "recorded_by": self.recorded_by,
        }


def rebase_activity(deal_ids) -> dict:
    """{deal id: time of the latest rebase written to its ledger}: a tranche valued before it must be revalued
    (its stored days from the effective date were put on the new basis by the recording action)."""
    return dict(
        ShareMovement.objects.filter(deal_id__in=any_of(deal_ids), kind=ShareMovement.Kind.REBASE)
        .values("deal_id")
        .annotate(latest=Max("recorded_at"))
        .values_list("deal_id", "latest")
    )


def rebases_recorded_after(deal_ids, after) -> dict:
    """{deal id: [RebaseChange]} of the rebases written to the deals' ledgers after `after` (usually none)."""
    rows = list(
        ShareMovement.objects.filter(
            deal_id__in=any_of(deal_ids), kind=ShareMovement.Kind.REBASE, recorded_at__gt=after
        ).values_list("deal_id", "fact_key", "recorded_at", "recorded_by__username")
    )
    if not rows:
        return {}
    sources = {key: (day, ratio) for _deal, key, day, ratio in rebase_sources({row[0] for row in rows})}
    found, seen = {}, set()
    for deal_id, fact_key, at, who in sorted(rows, key=lambda row: row[2]):
        key = fact_key.rpartition(":")[0]
        if key in seen or key not in sources:
            continue
        seen.add(key)
        day, ratio = sources[key]
        found.setdefault(deal_id, []).append(RebaseChange(key, day, ratio, at, who or ""))
    return found


def rebased_day_shares(tranche, day, shares, ratio, policy) -> int:
    """Issue 14: the shares not released on a stored `day` on or after a rebase's effective date, put on the
    rebased basis when the rebase is recorded after the day was valued (a consolidation confirmed days after its
    effective date, a stock dividend received on an earlier day). A nominal tranche is the ledger's own size of
    that day (`sizes_on`, the rebase's largest-remainder allocation: what the sweep values a new day with). A
    fixed quantity can only meet a back-dated rebase once released (the confirmation and the receipt are refused
    while a year's quantity is fixed and unreleased), and the ledger never rebases released shares: the day's
    shares are rebased as one holding under the rebase's own rounding (`policy`: the corporate action's
    fractional shares policy; a stock dividend's whole new shares are floored, SPA 3.2)."""
    if tranche.release_quantity is None:
        return _shares_on(tranche, shares, day)
    return fixed_quantity_on(shares, [(ratio, policy)])


def fixed_quantity_on(quantity, rebases, undone=()) -> int:
    """SPA 8.2, P7 (issue 14): a fixed quantity (`release_quantity`) on a day on or after the effective dates of
    `rebases` ([(Ratio, fractional shares policy)], in day order) it was not fixed on. The one rule for a stored
    day (`rebased_day_shares`, when the rebase is recorded) and for a new one (`_shares_on`): the shares and the
    closes of a day are on the same basis (the closes are put on it by PriceBook.with_rebases). The quantity is
    one holding, rebased under each rebase's own rounding (the corporate action's policy; a stock dividend's new
    shares are whole, floored, SPA 3.2), since the ledger never rebases released shares.

    `undone` ([Ratio]): the mirror case, rebases the quantity IS on (recorded before it was fixed: the engine fixes
    it on the ledger's rebased sizes) that took effect after the day. Such a day is first valued after the quantity
    was fixed (no sweep stored it before the rebase was recorded, e.g. a catch-up after downtime) and its closes
    are on the old basis, so the quantity is put back on the old one: quantity x old / new, exact for a
    consolidation (100,000 new shares after a 1-for-30 are 3,000,000 old ones, not 100,000 old shares valued 30x
    too low). Where a split or stock dividend does not divide it, the nearest whole share (half up): the old
    holding the rebase turned into it, to within half a share (a day's value is of whole shares, SPA 8.2)."""
    if undone:
        back = Fraction(quantity)
        for ratio in undone:
            back = back * ratio.old / ratio.new
        quantity = math.floor(back + Fraction(1, 2))
    for ratio, policy in rebases:
        quantity = rebase_holding(quantity, ratio, policy or FLOOR).after
    return quantity


def _rebases_after_release(tranche) -> list:
    """[(effective date, Ratio, policy, source key)] of the deal's rebases recorded after the tranche's release
    was, in day order: those its fixed quantity is not on. A rebase recorded before the quantity was fixed is in it
    (the engine fixes it on the rebased sizes: `_rebases_in_quantity`), and none is recorded while it is fixed and
    unreleased (the confirmation and the receipt are refused then). Read once per tranche object, and only for a
    released fixed quantity of a deal with a rebase (rarely)."""
    cached = getattr(tranche, "_rebases_after_release", None)
    if cached is not None:
        return cached
    found = []
    released_at = (
        ShareMovement.objects.filter(tranche_id=tranche.pk, kind=ShareMovement.Kind.RELEASE)
        .aggregate(at=Max("recorded_at"))
        .get("at")
    )
    changes = rebases_recorded_after([tranche.deal_id], released_at).get(tranche.deal_id, []) if released_at else []
    if changes:
        prefix = f"{CORPORATE_ACTION_KEY}:"
        actions = [int(c.key.removeprefix(prefix)) for c in changes if c.key.startswith(prefix)]
        policies = dict(CorporateAction.objects.filter(pk__in=actions).values_list("pk", "fraction_policy"))
        for change in sorted(changes, key=lambda c: (c.effective, c.key)):
            policy = policies[int(change.key.removeprefix(prefix))] if change.key.startswith(prefix) else FLOOR
            found.append((change.effective, change.ratio, policy, change.key))
    tranche._rebases_after_release = found
    return found


def _rebases_in_quantity(tranche) -> list:
    """[(effective date, Ratio)] of the deal's rebases a fixed quantity is on: every one recorded before it was
    fixed (the engine fixes it on the ledger's rebased sizes, escrow.queries.quantities.sizes_for), i.e. all but
    those recorded after its release (`_rebases_after_release`; none is recorded while it is fixed and
    unreleased). The deal's sources are read once per deal object, only for a deal with a rebase (rarely)."""
    deal = tranche.deal
    sources = getattr(deal, "_rebase_sources", None)
    if sources is None:
        sources = deal._rebase_sources = [(key, day, ratio) for _d, key, day, ratio in rebase_sources([deal.pk])]
    later = {row[3] for row in _rebases_after_release(tranche)} if tranche.released_on is not None else set()
    return [(day, ratio) for key, day, ratio in sources if key not in later]


# What a stored day contributes to the next run: its frozen attribution.
INPUT_FIELDS = ("day", "shares", "liable", "reason", "clause")


def stored_inputs(tranche_ids) -> dict:
    """{tranche_id: [(day, shares, liable, reason, clause), ...]} in day order, as plain tuples."""
    rows = {}
    for tranche_id, *values in (
        PenaltyDay.objects.filter(tranche_id__in=any_of(tranche_ids))
        .order_by("tranche_id", "day")
        .values_list("tranche_id", *INPUT_FIELDS)
    ):
        rows.setdefault(tranche_id, []).append(tuple(values))
    return rows


# --- the computation ---


def tickers_by_deal(tickers) -> dict:
    """{deal id: [(first day or None, ticker)]}: the deal's ticker, then each confirmed split's or consolidation's
    new ticker from its effective date (issue 14 item 3: prices are read under the ticker in force on each
    price date, escrow.contract.penalty.closes_in_force). `tickers`: {deal id: the deal's ticker}. One query,
    whatever the number of deals."""
    found = {pk: [(None, ticker)] for pk, ticker in tickers.items()}
    rows = CorporateAction.objects.filter(
        deal_id__in=any_of(found), state=CorporateAction.State.CONFIRMED, new_ticker__gt=""
    ).order_by("effective_date", "id")
    for deal_id, effective, ticker in rows.values_list("deal_id", "effective_date", "new_ticker"):
        found[deal_id].append((effective, ticker))
    return found


def rebases_by_deal(deal_ids) -> dict:
    """{deal id: [(effective date, new shares per old share), ...]} of confirmed splits and consolidations and of
    stock dividends received into escrow (a (1 + r)-for-1 split, SPA 3.2): closes before an effective date are
    put on the new basis for later days (SPA 8.2, P7; issue 14 items 2, 4). The days and ratios are the ledger's
    own (escrow.queries.quantities.rebase_sources), so a tranche and its close change basis on the same day."""
    found = {}
    for deal_id, _key, effective, ratio in rebase_sources(deal_ids):
        found.setdefault(deal_id, []).append((effective, ratio.factor))
    return found


def rebased_nominal(tranche) -> int:
    """The tranche's nominal share: total / number of tranches, or its size as the last confirmed split
    or consolidation rebased it (issue 14 item 4)."""
    deal = tranche.deal
    return rebased_sizes(deal).get(tranche.year, deal.total_shares // deal.tranche_count)


def _shares_on(tranche, shares, day) -> int:
    """Issue 14 item 4: the nominal tranche of a day before a split or consolidation took effect is the size of
    that day (the closes of that day are on the same, old, basis). SPA 8.2, P7: a fixed quantity released after
    a rebase's effective date and before the rebase was recorded is on the old basis on its days from that date,
    when their closes are on the new one: a day first valued after the recording (never stored before it) is
    rebased by the same rule as a stored one (`fixed_quantity_on`). The mirror: a quantity fixed after a rebase
    was recorded is on the new basis, and its days before the effective date, first valued after it was fixed
    (no sweep ran on them), are put back on the old one by the same rule."""
    if tranche.release_quantity is not None:
        if not rebase_steps(tranche.deal):
            return shares
        # SPA 8.2, P7: the quantity on the day's basis, both ways (`fixed_quantity_on`): rebases recorded after
        # the release (unreleased: none) that took effect by the day, and, the mirror case, rebases it was fixed
        # on that took effect after the day.
        rebases = []
        if tranche.released_on is not None:
            rebases = [
                (r, policy) for effective, r, policy, _key in _rebases_after_release(tranche) if effective <= day
            ]
        undone = []
        if any(step[0] > day for step in rebase_steps(tranche.deal)):  # else no read: the rebases are all past
            undone = [ratio for effective, ratio in _rebases_in_quantity(tranche) if effective > day]
        return fixed_quantity_on(shares, rebases, undone)
    if not rebased_sizes(tranche.deal):
        return shares
    deal = tranche.deal
    return sizes_on(deal, day).get(tranche.year, deal.total_shares // deal.tranche_count)


def shares_not_released(tranche) -> int:
    """SPA 8.2 'shares not released': the computed quantity; before the report is in, the tranche's
    nominal share of the consideration (total / number of tranches), which the report may change."""
    if tranche.release_quantity is not None:
        return tranche.release_quantity
    # Issue 14 item 4: after a split or consolidation, the year's rebased size.
    return rebased_nominal(tranche)


def accrual_start(tranche) -> date:
    """The first possible day of delay: the day after the SPA 5.1 deadline or, once all documents are in,
    after the EA 3.2 transfer deadline if that comes first (EA 3.2 days are the agent's whether or not
    the SPA 5.1 deadline has passed)."""
    transfer_due = tranche.transfer_due_date if tranche.documents_complete_on else None
    return first_day_of_delay(tranche.release_due_date, transfer_due)


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
    """SPA 8.2, EA 5.2: the stored days (`stored_inputs`: attribution frozen) plus every day of the delay
    not stored yet up to `through`, attributed now (P8 decides which days a hold frees), valued and
    charged under the cap by the engine (P7)."""
    inputs = [PenaltyDayInput(day, shares, liable or None, reason) for day, shares, liable, reason, _ in stored]
    clauses = {row[0]: row[4] for row in stored}
    more, more_clauses = _new_days(tranche, accrual_start(tranche), through, holds, skip=clauses)
    inputs += more
    clauses.update(more_clauses)
    if not inputs:
        return []
    schedule = accrue(inputs, prices, tranche.deal.penalty_cap_valuation)
    return [AccruedDay(row, clauses[row.day], row.reason) for row in schedule.rows]


def accrue_tranche_more(tranche, last_day, state, *, through, prices, holds):
    """Issue 13: the days after the last stored one (`last_day`; None: no day is stored, `state` is
    escrow.contract.penalty.NOTHING_YET) up to `through`, attributed now and charged from where the stored days
    stand (`state`, their RunningState: `running_state`; escrow.contract.penalty.accrue_more): the rows
    `accrue_tranche` would give them, or None when the stored days would change too (the cap binds) and only it
    can say how. The caller makes sure nothing before `last_day` changed (no new close dated on or before it, no
    rebase, no gap)."""
    first = accrual_start(tranche) if last_day is None else last_day + timedelta(days=1)
    inputs, clauses = _new_days(tranche, first, through, holds)
    if not inputs:
        return []
    rows = accrue_more(state, inputs, prices, tranche.deal.penalty_cap_valuation)
    if rows is None:
        return None
    return [AccruedDay(row, clauses[row.day], row.reason) for row in rows]


def running_state(tranche, last=None):
    """RunningState of the tranche's last stored day (SPA 8.2, P7: its running total, cap and capped flag): the
    tranche's columns (issue 13, kept by escrow.actions.accrual with the days), else the day itself (`last`, a
    PenaltyDay read when they are NULL, `last_days`); None when neither says (a day stored before caps were)."""
    if tranche.penalty_total is not None and tranche.penalty_cap is not None and tranche.penalty_capped is not None:
        return RunningState(Decimal(tranche.penalty_total), Decimal(tranche.penalty_cap), bool(tranche.penalty_capped))
    if last is None or last.day != tranche.penalty_last_day or last.running_total is None or last.cap is None:
        return None
    return RunningState(Decimal(last.running_total), Decimal(last.cap), bool(last.capped))


def with_stored_days(tranche_ids) -> set:
    """The tranches among `tranche_ids` with at least one stored day (one index scan)."""
    return set(
        PenaltyDay.objects.filter(tranche_id__in=any_of(tranche_ids))
        .order_by()  # no join for the model's ordering
        .values_list("tranche_id", flat=True)
        .distinct()
    )


def _new_days(tranche, first, through, holds, skip=()):
    """([PenaltyDayInput], {day: clause}) of the days of delay from `first` to the end not in `skip`, attributed
    now (P8 decides which days a hold frees); the nominal tranche's shares are those of each day."""
    inputs, clauses = [], {}
    shares = shares_not_released(tranche)
    day, end = max(first, accrual_start(tranche)), accrual_end(tranche, through)
    while day <= end:
        if day not in skip:
            who = attribute_day(
                day,
                release_due=tranche.release_due_date,
                instruction_signed_on=tranche.documents_complete_on,
                transfer_due=tranche.transfer_due_date,
                released_on=tranche.released_on,
                holds=holds,
                hold_days=tranche.deal.hold_days,
            )
            reason = (
                who.reason if tranche.release_quantity is not None else f"{who.reason}; nominal tranche (no report yet)"
            )
            inputs.append(PenaltyDayInput(day, _shares_on(tranche, shares, day), who.liable, reason[:300]))
            clauses[day] = who.clause
        day += timedelta(days=1)
    return inputs, clauses


# The PenaltyDay fields a computed day fills, in the order `row_tuple` gives them.
ROW_FIELDS = (
    "day",
    "liable",
    "reason",
    "clause",
    "shares",
    "price",
    "price_date",
    "amount",
    "charged",
    "running_total",
    "cap",
    "capped",
    "missing_price",
)


def row_values(accrued: AccruedDay) -> dict:
    """The PenaltyDay fields of a computed day, as the database stores them (exact: eight decimals)."""
    return dict(zip(ROW_FIELDS, row_tuple(accrued), strict=True))


def row_tuple(accrued: AccruedDay) -> tuple:
    """`row_values` as a tuple in ROW_FIELDS order (issue 13: the sweep copies a catch-up's 160,000 rows as tuples;
    a dict per row, then a tuple of it, was a tenth of its Python)."""
    r = accrued.row
    return (
        r.day,
        r.liable or "",
        accrued.reason[:300],
        accrued.clause[:60],
        r.shares,
        _price(r.price),
        r.price_date,
        _money(r.amount),
        _money(r.charged),
        _money(r.running_total),
        _money(r.cap),
        r.capped,
        r.missing_price,
    )


def _money(value):
    if type(value) is Decimal:  # most figures: no copy through the constructor first (the same digits)
        return value.quantize(MONEY)
    return None if value is None else Decimal(value).quantize(MONEY)


def _price(value):
    """The close as the column keeps it (4 decimals, rounded as PostgreSQL rounds numeric): a close put on a
    new basis may have more (2.50 / 1.1 after a 10% stock dividend), and a stored day compared with its
    recomputation must not look revalued for the digits the column never had. Display only: the market value
    and the amounts use the exact close (escrow.contract.penalty.PriceBook.exact_close_on)."""
    return None if value is None else Decimal(value).quantize(PRICE, rounding=ROUND_HALF_UP)


# --- the table a page and the API show ---

LIABLE_LABELS = {"issuer": Role.ISSUER.label, "escrow_agent": Role.ESCROW_AGENT.label, "": "nobody"}


@dataclass(frozen=True)
class PenaltyTableRow:
    day: date
    price: Decimal | None
    price_date: date | None
    shares: int
    amount: Decimal | None  # 0.01% of the market value (uncapped)
    charged: Decimal | None  # what the day adds to the total under the cap
    liable: str
    liable_label: str
    reason: str
    clause: str
    running_total: Decimal
    cap: Decimal | None
    capped: bool
    missing_price: bool

    @property
    def paused(self) -> bool:
        """True when a hold (EA 3.3, SPA 8.1, SPA 5.3) freed the day; `reason` says which and why."""
        return not self.liable and self.clause in PAUSE_CLAUSES

    @property
    def pause_reason(self) -> str:
        return self.reason if self.paused else ""

    @property
    def cut(self) -> bool:
        """True when the cap took part or all of the day's amount (SPA 8.2)."""
        return self.amount is not None and self.charged is not None and self.charged < self.amount


@dataclass
class PenaltyTable:
    """SPA 8.2 day by day: price, shares, amount, what the cap lets through, who is liable, running total."""

    tranche: object
    ticker: str
    cap_valuation: str
    rows: list
    hold_days: str = "civil-code"
    total: Decimal = Decimal(0)
    cap: Decimal | None = None
    capped: bool = False
    accrued_through: date | None = None
    missing_price_days: list = field(default_factory=list)
    by_party: dict = field(default_factory=dict)  # sums of the charged amounts, per liable party (capped)
    raw_by_party: dict = field(default_factory=dict)  # sums of the daily amounts before the cap
    liable_days: dict = field(default_factory=dict)
    first_capped_day: date | None = None

    @property
    def complete(self) -> bool:
        """False while some liable day has no known closing price (never guessed, SPA 8.2)."""
        return not self.missing_price_days

    @property
    def parties(self) -> list:
        """[(party, charged total, days of delay)]: the issuer first, then the escrow agent."""
        return [(party, self.by_party.get(party, Decimal(0)), n) for party, n in self.liable_days.items()]


def penalty_table(tranche, *, any_days=True) -> PenaltyTable:
    """The tranche's accrued penalty days (written by the sweep), in one query; none when the caller knows
    there are none (`any_days` False: escrow.queries.year_parts read it with the tranche)."""
    days = PenaltyDay.objects.filter(tranche=tranche).order_by("day") if any_days else []
    rows = [_table_row(r) for r in days]
    deal = tranche.deal
    table = PenaltyTable(tranche, deal.ticker, deal.penalty_cap_valuation, rows, deal.hold_days)
    for row in rows:
        if row.capped and table.first_capped_day is None:
            table.first_capped_day = row.day
        if not row.liable:
            continue
        table.liable_days[row.liable] = table.liable_days.get(row.liable, 0) + 1
        if row.missing_price:
            table.missing_price_days.append(row.day)
            continue
        table.by_party[row.liable] = table.by_party.get(row.liable, Decimal(0)) + row.charged
        table.raw_by_party[row.liable] = table.raw_by_party.get(row.liable, Decimal(0)) + row.amount
    table.liable_days, table.by_party, table.raw_by_party = (
        _in_order(table.liable_days),
        _in_order(table.by_party),
        _in_order(table.raw_by_party),
    )
    if rows:
        last = rows[-1]
        table.total, table.cap, table.capped, table.accrued_through = (
            last.running_total,
            last.cap,
            last.capped,
            last.day,
        )
    return table


def _in_order(by_party: dict) -> dict:
    """The same dict, issuer first, then the escrow agent (then anything else, by name)."""
    rank = {party: i for i, party in enumerate(PARTIES)}
    return dict(sorted(by_party.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0])))


def _table_row(r: PenaltyDay) -> PenaltyTableRow:
    return PenaltyTableRow(
        r.day,
        r.price,
        r.price_date,
        r.shares,
        r.amount,
        _charged(r),
        r.liable,
        str(LIABLE_LABELS.get(r.liable, r.liable)),
        r.reason,
        r.clause,
        r.running_total,
        r.cap,
        r.capped,
        r.missing_price,
    )


def _charged(r: PenaltyDay):
    """A nobody's day is charged nothing even on a row stored before `charged` existed."""
    if r.charged is None and not r.missing_price and not r.liable:
        return Decimal(0)
    return r.charged


# --- a deal's penalties: totals per party and per tranche ---


@dataclass
class TranchePenalty:
    """One tranche's capped totals (SPA 8.2): what the deal page's meter, the deal's API and exports show."""

    tranche: object
    total: Decimal = Decimal(0)
    cap: Decimal | None = None
    capped: bool = False
    accrued_through: date | None = None
    by_party: dict = field(default_factory=dict)
    liable_days: dict = field(default_factory=dict)
    missing_price_days: int = 0


@dataclass
class DealPenalties:
    """The deal's delay penalties: per tranche and, summed over them, per liable party (capped)."""

    deal: object
    tranches: list
    by_party: dict = field(default_factory=dict)
    liable_days: dict = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum((t.total for t in self.tranches), Decimal(0))


def deal_penalties(deal, tranches=None) -> DealPenalties:
    """Per-tranche and per-party capped totals of a deal, in two queries whatever its length."""
    tranches = list(tranches if tranches is not None else _tranches_of(deal))
    summaries = {t.pk: TranchePenalty(t) for t in tranches}
    result = DealPenalties(deal, list(summaries.values()))
    for row in _sums(list(summaries)):
        summary, party = summaries[row["tranche_id"]], row["liable"]
        summary.liable_days[party] = summary.liable_days.get(party, 0) + row["days"]
        result.liable_days[party] = result.liable_days.get(party, 0) + row["days"]
        if row["missing_price"]:
            summary.missing_price_days += row["days"]
            continue
        charged = row["charged"] or Decimal(0)
        summary.by_party[party] = summary.by_party.get(party, Decimal(0)) + charged
        result.by_party[party] = result.by_party.get(party, Decimal(0)) + charged
    for summary in result.tranches:
        summary.liable_days, summary.by_party = _in_order(summary.liable_days), _in_order(summary.by_party)
    result.liable_days, result.by_party = _in_order(result.liable_days), _in_order(result.by_party)
    for last in _latest_days(list(summaries)):
        summary = summaries[last.tranche_id]
        summary.total, summary.cap, summary.capped, summary.accrued_through = (
            last.running_total,
            last.cap,
            last.capped,
            last.day,
        )
    return result


# deal_penalties' three reads in hand-written SQL built once per process (issue 13 item 1: the ORM built and
# compiled the grouped sum and the correlated last day on every read of /api/deals/<ref>/penalty/). The same
# rules: the deal's years by year (the related manager's, each with the deal asked about); per tranche, liable
# party and missing close the sum of `charged` and the count of the liable days (nobody's days left out); each
# tranche's last accrued day (latest_days' rule). tests/escrow/queries/test_deal_penalties_sql.py compares them
# with the ORM reads they replaced.
_TRANCHES_SQL = f"SELECT {columns(Tranche, 't')} FROM {Tranche._meta.db_table} t WHERE t.deal_id = %s ORDER BY t.year"  # noqa: S608 (constant SQL)
_SUMS_SQL = (
    "SELECT d.tranche_id, d.liable, d.missing_price, CAST(SUM(d.charged) AS NUMERIC), COUNT(d.id)"  # noqa: S608 (constant SQL)
    f" FROM {PenaltyDay._meta.db_table} d WHERE d.tranche_id IN ({{marks}}) AND NOT d.liable = ''"
    " GROUP BY d.tranche_id, d.liable, d.missing_price"
)
_LATEST_SQL = (
    f"SELECT {columns(PenaltyDay, 'd')} FROM {PenaltyDay._meta.db_table} d"  # noqa: S608 (constant SQL)
    " WHERE d.tranche_id IN ({marks}) AND d.day = ("
    f"SELECT q.day FROM {PenaltyDay._meta.db_table} q WHERE q.tranche_id = d.tranche_id ORDER BY q.day DESC LIMIT 1)"
)


def _tranches_of(deal) -> list:
    load = loader(Tranche)
    found = [load(row) for row in rows(_TRANCHES_SQL, (deal.pk,))]
    for tranche in found:
        tranche.deal = deal
    return found


def _sums(tranche_ids) -> list:
    """Dicts as `.values("tranche_id", "liable", "missing_price").annotate(charged=Sum, days=Count)` gives them;
    the sum through the converters the ORM's compiler gives a Sum of `charged` (SQLite's decimals)."""
    if not tranche_ids:
        return []
    marks = ", ".join(["%s"] * len(tranche_ids))
    total = Sum(PenaltyDay._meta.get_field("charged").get_col(PenaltyDay._meta.db_table))
    converters = connection.ops.get_db_converters(total) + total.get_db_converters(connection)  # the compiler's
    found = []
    for tranche_id, liable, missing_price, charged, days in rows(_SUMS_SQL.format(marks=marks), tuple(tranche_ids)):
        for convert in converters:
            charged = convert(charged, total, connection)
        found.append(
            {
                "tranche_id": tranche_id,
                "liable": liable,
                "missing_price": bool(missing_price),
                "charged": charged,
                "days": days,
            }
        )
    return found


def _latest_days(tranche_ids) -> list:
    if not tranche_ids:
        return []
    load = loader(PenaltyDay)
    marks = ", ".join(["%s"] * len(tranche_ids))
    return [load(row) for row in rows(_LATEST_SQL.format(marks=marks), tuple(tranche_ids))]


def last_days(tranches) -> dict:
    """{tranche id: its last stored PenaltyDay}, read by the day each tranche's columns name (issue 13: one
    indexed query, no correlated subquery over every stored day)."""
    wanted = {t.pk: t.penalty_last_day for t in tranches if t.penalty_last_day is not None}
    if not wanted:
        return {}
    rows = PenaltyDay.objects.filter(tranche_id__in=any_of(wanted), day__in=list(set(wanted.values()))).order_by()
    return {row.tranche_id: row for row in rows if wanted[row.tranche_id] == row.day}


def latest_days(tranche_ids):
    """The last accrued PenaltyDay of each tranche (its running total is the tranche's total), in one query."""
    last_day = PenaltyDay.objects.filter(tranche=OuterRef("tranche")).order_by("-day").values("day")[:1]
    return PenaltyDay.objects.filter(tranche_id__in=list(tranche_ids), day=Subquery(last_day))
