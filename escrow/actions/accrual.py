"""The sweep's delay penalty (SPA 8.2, EA 5.2): PenaltyDay rows, unique per tranche and day.

A day of delay is accrued once it has ended (through yesterday): until midnight the shares may still
be released that day. Each run catches up every day since the last one accrued, so a scheduler that
was down loses nothing; a repeat finds every day stored and every value unchanged, and writes nothing.
The first possible day of delay is the day after the SPA 5.1 deadline or, once all documents are in,
the day after the EA 3.2 transfer deadline if that comes first.

When a close entered or corrected after some days were valued changes their stored figures, the days
are revalued and the deal's history records it, one entry per tranche: which days changed, the totals
before and after (capped, per party), and which prices caused it.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from operator import itemgetter
from types import SimpleNamespace

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    DateField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Q,
    Subquery,
    Sum,
    When,
)
from django.utils import timezone

from escrow.actions.batch import collector_paused, lock_tranche_values, lock_tranches
from escrow.contract.penalty import NOTHING_YET, PriceBook, closes_in_force, first_day_of_delay
from escrow.history import chain as history
from escrow.models import (
    CorporateAction,
    Deal,
    HistoryAction,
    PenaltyDay,
    PenaltyPosition,
    ShareMovement,
    SharePrice,
    Tranche,
    TrancheState,
)
from escrow.models.bulk import any_of, copy_rows
from escrow.queries import penalties
from escrow.queries.quantities import prime_corporate_actions

# Issue 13: a transaction takes up to CHUNK tranches and about CHUNK_DAYS days to write (a catch-up's rows are
# held until its COPY; a steady day's one row per tranche costs the chunk's dozen statements once for 10,000).
CHUNK = 10_000
CHUNK_DAYS = 40_000
CLAUSE = "SPA 8.2; EA 5.2"
ROW_FIELDS = list(penalties.ROW_FIELDS)  # a new PenaltyDay row between its tranche_id and computed_at
VALUE_FIELDS = ROW_FIELDS[1:]  # a stored day's figures (all but its day)
_row_of = itemgetter(*ROW_FIELDS)  # a day's values (penalties.row_values) in ROW_FIELDS order
# Where a row (penalties.row_tuple) holds its day, its running state (running total, cap, capped) and its flag.
DAY, STATE, MISSING = 0, slice(9, 12), 12


def accrue_penalties(*, through: date, tickers=None, deal_ids=None, moved=frozenset()) -> dict:
    """SPA 8.2: accrue every tranche whose release is late, through `through` (inclusive); `tickers` limits
    the run to the deals whose shares trade under them (a price action may revalue its own at once), `deal_ids`
    to those deals (a split, consolidation or stock dividend revalues its deal at once, `rebase_stored_days`;
    `moved`: the (tranche id, day) whose shares it put on the new basis, revalued days whatever else changed)."""
    with collector_paused():  # a run's hundreds of thousands of figures make no cycles (batch.collector_paused)
        return _accrue(through, tickers, deal_ids, moved)


def _accrue(through, tickers, deal_ids, moved) -> dict:
    started = timezone.now()
    dirty, listed, deal_of = _dirty_tranches(through, tickers, deal_ids)
    # Issue 13: the closes are read once per ticker for the whole run, not once per chunk. computed_at is the
    # run's start, before any close was read: a close entered meanwhile is newer and revalues next time.
    run = _Run(listed)
    run.prices({t for pk, *_rest in dirty for _s, t in listed[deal_of[pk]] if t}, through)
    run.rebases_of({deal_of[pk] for pk, *_rest in dirty})
    totals = {
        "through": through.isoformat(),
        "tranches": 0,
        "days_written": 0,
        "days_revalued": 0,
        "missing_price_days": 0,
        "revaluations_recorded": 0,
    }
    for chunk in _chunks(dirty):
        for key, value in _accrue_chunk(chunk, through, started, moved, run).items():
            totals[key] += value
    return totals


def _chunks(dirty):
    """The dirty tranches (`_dirty_tranches`: (id, when computed, days to write, about)) in transactions of up to
    CHUNK tranches and about CHUNK_DAYS days."""
    chunk, weight = [], 0
    for item in dirty:
        if chunk and (len(chunk) == CHUNK or weight + item[2] > CHUNK_DAYS):
            yield chunk
            chunk, weight = [], 0
        chunk.append(item)
        weight += item[2]
    if chunk:
        yield chunk


def _dirty_tranches(through, tickers=None, deal_ids=None):
    """[(tranche id, when last computed, about how many days its run writes)] of tranches with days to add, or
    valued before a price was entered or corrected or before a rebase was recorded (issue 14: a back-dated split,
    consolidation or stock dividend puts stored days on the new basis), and {tranche id: its deal's tickers}
    (`tickers_by_deal`). Four queries, whatever the number of tranches; the tranche's position row says where its
    stored days stand (issue 13: no penalty day is read). Returns the dirty tranches, {deal id: its tickers} and
    {tranche id: deal id}."""
    late = Tranche.objects.filter(deal__state=Deal.State.IN_ESCROW)
    if deal_ids is not None:
        late = late.filter(deal_id__in=list(deal_ids))
    if tickers is not None:  # a deal trades under its ticker, or the new one of a confirmed corporate action
        renamed = CorporateAction.objects.filter(state="confirmed", new_ticker__in=list(tickers)).values("deal_id")
        late = late.filter(Q(deal__ticker__in=list(tickers)) | Q(deal_id__in=Subquery(renamed)))
    late = late.filter(
        Q(release_due_date__lt=through) | Q(documents_complete_on__isnull=False, transfer_due_date__lt=through)
    ).exclude(state=TrancheState.SCHEDULED)
    if connection.vendor == "postgresql":  # date - date is a number of days there (the demo reads them all)
        late = late.filter(_maybe_dirty(through))
    candidates = [
        (*row[:9], _valued_at(row[9]), row[10])
        for row in late.values_list(
            "pk",
            "deal__ticker",
            "released_on",
            "release_due_date",
            "documents_complete_on",
            "transfer_due_date",
            f"{AT}first_day",
            f"{AT}last_day",
            f"{AT}day_count",
            _epoch_microseconds(f"{AT}valued_at"),
            "deal_id",
        )
    ]
    if not candidates:  # a repeated tick: no tranche has work, and nothing more is read
        return [], {}, {}
    listed = penalties.tickers_by_deal({c[-1]: c[1] for c in candidates})
    latest_price = penalties.price_activity({t for segments in listed.values() for _s, t in segments if t})
    latest_rebase = penalties.rebase_activity({c[-1] for c in candidates if c[7] is not None})
    dirty = []
    for pk, _ticker, released_on, due, complete, transfer, first, last, count, computed, deal_id in candidates:
        start = first_day_of_delay(due, transfer if complete else None)
        end = min(through, released_on - timedelta(days=1)) if released_on else through
        new_days = end >= start and (last is None or last < end or first > start or count < (last - first).days + 1)
        revalue = last is not None and (
            any(t in latest_price and latest_price[t] > computed for _start, t in listed[deal_id])
            or (deal_id in latest_rebase and latest_rebase[deal_id] > computed)
        )
        if new_days or revalue:
            since = start if last is None or revalue or first > start else max(start, last + timedelta(days=1))
            dirty.append((pk, computed, max(1, (end - since).days + 1)))
    return dirty, listed, {pk: deal_id for pk, *_rest, deal_id in candidates}


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _epoch_microseconds(field):
    """A timestamp as whole microseconds since the epoch (exact: PostgreSQL keeps microseconds): thousands of
    tranches share the few times their runs started, and loading each as a datetime cost more than the rest of
    the read (issue 13); `_valued_at` makes each distinct one a datetime once."""
    if connection.vendor != "postgresql":
        return F(field)
    template = "(extract(epoch from %(expressions)s) * 1000000)::bigint"
    return Func(F(field), template=template, output_field=BigIntegerField())


@lru_cache(maxsize=256)
def _from_epoch(microseconds):
    return EPOCH + timedelta(microseconds=microseconds)


def _valued_at(value):
    """The datetime of `_epoch_microseconds` (a datetime already off PostgreSQL; None stays None)."""
    return _from_epoch(value) if isinstance(value, int) else value


def _maybe_dirty(through) -> Q:
    """The test of `_dirty_tranches` in SQL, loose where it must be (every dirty tranche passes; the loop
    above decides): a tranche with nothing to do is not read at all, so a repeated tick reads no row.
    start: the day after the earlier deadline (`first_day_of_delay`); end: through, or the day before
    the release."""
    deadline = Case(
        When(
            documents_complete_on__isnull=False,
            transfer_due_date__lt=F("release_due_date"),
            then=F("transfer_due_date"),
        ),
        default=F("release_due_date"),
    )
    start = ExpressionWrapper(deadline + timedelta(days=1), output_field=DateField())
    before_release = ExpressionWrapper(F("released_on") - timedelta(days=1), output_field=DateField())
    span = Func(
        F(f"{AT}last_day"),
        F(f"{AT}first_day"),
        template="(%(expressions)s)",
        arg_joiner=" - ",
        output_field=IntegerField(),
    )
    last, first, count = f"{AT}last_day", f"{AT}first_day", f"{AT}day_count"
    days_missing = (
        Q(**{f"{last}__isnull": True})  # no position row: no day stored
        | (Q(**{f"{last}__lt": through}) & (Q(released_on__isnull=True) | Q(**{f"{last}__lt": before_release})))
        | Q(**{f"{first}__gt": start})
        | Q(**{f"{count}__lt": span + 1})
    )
    new_days = (Q(released_on__isnull=True) | Q(released_on__gt=start)) & days_missing
    latest_price = SharePrice.objects.order_by("-entered_at").values("entered_at")[:1]  # of any ticker: loose
    # Of any deal, loose too: the loop reads each deal's own (penalties.rebase_activity).
    latest_rebase = (
        ShareMovement.objects.filter(kind=ShareMovement.Kind.REBASE).order_by("-recorded_at").values("recorded_at")[:1]
    )
    valued = Q(**{f"{last}__isnull": False})
    return (
        new_days
        | (valued & Q(**{f"{AT}valued_at__lt": Subquery(latest_price)}))
        | (valued & Q(**{f"{AT}valued_at__lt": Subquery(latest_rebase)}))
    )


def _books(listed, prices, shared=None) -> dict:
    """{deal id: PriceBook}: one book per ticker for the whole run (`shared`: checked and sorted once, not once
    per tranche or chunk); a deal whose ticker changed reads each close under the ticker in force on its date
    (issue 14 item 3, escrow.contract.penalty.closes_in_force)."""
    shared, books = ({} if shared is None else shared), {}
    for deal_id, segments in listed.items():
        if len(segments) == 1:
            ticker = segments[0][1]
            if ticker and prices.get(ticker):
                if ticker not in shared:  # built once: checking and sorting the closes is not free
                    shared[ticker] = PriceBook(prices[ticker])
                books[deal_id] = shared[ticker]
            continue
        books[deal_id] = PriceBook(closes_in_force(segments, prices))
    return books


def _book(book, rebases):
    """Issue 14 items 2, 4: closes from before a split, consolidation or stock dividend on the basis of the
    rebased shares (escrow.queries.penalties.rebases_by_deal)."""
    if book is None:
        return {}
    return book.with_rebases(rebases) if rebases else book


class _Run:
    """What one sweep reads once for all its chunks (issue 13): each deal's tickers and rebases, the closes of
    each ticker and the books built on them. A chunk reads what the run has not (a deal or ticker it did not
    list) itself. A split, consolidation or stock dividend recorded while the run goes is written after the
    run's start, so the next run finds the tranches valued before it dirty (`_dirty_tranches`)."""

    def __init__(self, listed=None):
        self.closes, self.books, self.listed, self.rebases = {}, {}, dict(listed or {}), {}
        self.rebases_read = set()

    def tickers_of(self, deals) -> dict:
        """{deal id: [(first day or None, ticker)]}; `deals`: {deal id: its ticker}."""
        unlisted = {pk: ticker for pk, ticker in deals.items() if pk not in self.listed}
        if unlisted:
            self.listed.update(penalties.tickers_by_deal(unlisted))
        return {pk: self.listed[pk] for pk in deals}

    def rebases_of(self, deal_ids) -> dict:
        unread = set(deal_ids) - self.rebases_read
        if unread:
            self.rebases.update(penalties.rebases_by_deal(unread))
            self.rebases_read |= unread
        return {pk: self.rebases[pk] for pk in deal_ids if pk in self.rebases}

    def prices(self, tickers, through) -> dict:
        unread = set(tickers) - set(self.closes)
        if unread:
            self.closes.update({t: {} for t in unread} | penalties.prices_by_ticker(unread, through))
        return self.closes


# Where a tranche's stored penalty days stand, and their running state (issue 13): its PenaltyPosition row (none:
# no day stored), read under the chunk's lock onto the locked tranche as these attributes (the names
# escrow.queries.penalties reads), in the order of POSITION_COLUMNS.
POSITION_FIELDS = [
    "penalty_first_day",
    "penalty_last_day",
    "penalty_day_count",
    "penalty_total",
    "penalty_cap",
    "penalty_capped",
]
POSITION_COLUMNS = ["first_day", "last_day", "day_count", "total", "cap", "capped"]
NO_POSITION = (None, None, 0, None, None, None)  # a tranche without a row: nothing stored, nothing known
AT = "penalty_position__"  # the tranche's position row, in a query on tranches


# Issue 13: what the penalty rules read of a locked tranche and its deal (escrow.queries.penalties reads the same
# names off a model object), read as plain values under the lock: no model object per tranche.
TRANCHE_COLUMNS = (
    "pk",
    "deal_id",
    "year",
    "release_due_date",
    "documents_complete_on",
    "transfer_due_date",
    "released_on",
    "release_quantity",
)
DEAL_COLUMNS = ("pk", "ticker", "hold_days", "total_shares", "tranche_count", "penalty_cap_valuation")


class _Locked(SimpleNamespace):
    """A locked row's columns as attributes (a tranche's `deal` is its deal's)."""


def _lock(tranche_ids) -> list:
    """The chunk's deals and tranches locked in the order every action locks them (escrow.actions.batch)."""
    deals, rows = lock_tranche_values(tranche_ids, TRANCHE_COLUMNS, DEAL_COLUMNS)
    deals = {pk: _Locked(**row) for pk, row in deals.items()}
    # Read once the tranches are locked: only the accrual writes a position, under the same locks.
    found = PenaltyPosition.objects.filter(tranche_id__in=any_of(tranche_ids))
    positions = {pk: values for pk, *values in found.values_list("tranche_id", *POSITION_COLUMNS)}
    return [_locked_tranche(row, positions.get(row["pk"], NO_POSITION), deals[row["deal_id"]]) for row in rows]


def _locked_tranche(row, position, deal):
    return _Locked(**row, **dict(zip(POSITION_FIELDS, position, strict=True)), deal=deal)


@transaction.atomic
def _accrue_chunk(items, through, started, moved=frozenset(), run=None) -> dict:
    run = run or _Run()
    computed = {pk: when for pk, when, _days in items}
    tranches = _lock(list(computed))
    holds = penalties.holds_by_tranche(list(computed))
    deals = {t.deal_id: t.deal for t in tranches}
    listed = run.tickers_of({pk: deal.ticker for pk, deal in deals.items()})
    tickers = {ticker for segments in listed.values() for _start, ticker in segments if ticker}
    books = _books(listed, run.prices(tickers, through), run.books)
    rebases = run.rebases_of(set(deals))
    prime_corporate_actions(deals.values())  # one query for the chunk, not one per deal
    oldest = min((c for c in computed.values() if c), default=None)
    entered = penalties.prices_entered_after(tickers, oldest) if oldest else {}
    rebased = penalties.rebases_recorded_after(set(deals), oldest) if oldest else {}
    new, revalued, positions, missing = [], {}, {}, 0
    moved_tranches = {pk for pk, _day in moved}
    full, more = [], []
    for tranche in tranches:
        when = computed[tranche.pk]
        changes = _changes_since(
            [c for _start, ticker in listed[tranche.deal_id] for c in entered.get(ticker, [])], when
        )
        # Issue 14: a rebase recorded since changes the stored days from its effective date (their shares were
        # put on the new basis by the recording action, `rebase_stored_days`; their closes follow here).
        recorded = [r for r in rebased.get(tranche.deal_id, []) if when is not None and r.recorded_at > when]
        book = _book(books.get(tranche.deal_id), rebases.get(tranche.deal_id))
        plan = (tranche, changes, recorded, book)
        last = tranche.penalty_last_day
        if last is None:  # no day stored (the columns say; checked below): charged from nothing
            (more if tranche.penalty_day_count == 0 and tranche.penalty_first_day is None else full).append(plan)
        elif (
            not recorded
            and not rebases.get(tranche.deal_id)
            and tranche.pk not in moved_tranches
            and not any(c.day <= last for c in changes)
            and _no_gap(tranche)
        ):
            # Issue 13: nothing before the last stored day changed: charge the new days from where they stand.
            more.append(plan)
        else:
            full.append(plan)
    unsure = [t.pk for t, *_ in more if t.penalty_last_day is None]
    stored = penalties.with_stored_days(unsure) if unsure else set()  # columns behind the days: the full run
    unknown = [t for t, *_ in more if t.penalty_last_day is not None and penalties.running_state(t) is None]
    lasts = penalties.last_days(unknown) if unknown else {}  # the state's columns are NULL: read the last day
    for tranche, changes, recorded, book in more:
        last = tranche.penalty_last_day
        state = NOTHING_YET if last is None else penalties.running_state(tranche, lasts.get(tranche.pk))
        accrued = None
        if tranche.pk not in stored and state is not None:
            accrued = penalties.accrue_tranche_more(
                tranche, last, state, through=through, holds=holds.get(tranche.pk, []), prices=book
            )
        if accrued is None:
            full.append((tranche, changes, recorded, book))
            continue
        rows = [penalties.row_tuple(day) for day in accrued]
        for row in rows:
            missing += row[MISSING]
            new.append((tranche.pk, *row, started))
        if rows:
            first = tranche.penalty_first_day or rows[0][DAY]
            count = tranche.penalty_day_count + len(rows)
            positions[tranche.pk] = (first, rows[-1][DAY], count, *rows[-1][STATE])
        if changes and last is not None:
            # Closes dated after the last stored day: nothing stored changes, the tranche is valued now.
            revalued[tranche.pk] = last
            where = (tranche.penalty_first_day, last, tranche.penalty_day_count)
            positions.setdefault(tranche.pk, (*where, state.total, state.cap, state.capped))
    changed, history_of = [], None
    if full:
        revaluation = _accrue_full(full, through, started, moved, holds, revalued, positions)
        new += revaluation["new"]
        missing += revaluation["missing"]
        changed, history_of = revaluation["changed"], revaluation["history"]
    # One COPY (escrow.models.bulk); a concurrent run that wrote the same (tranche, day) first keeps its row
    # (none can: the tranches are locked). computed_at is the run's start, before any price was read: a close
    # entered meanwhile is newer.
    written = copy_rows(PenaltyDay, ["tranche_id", *ROW_FIELDS, "computed_at"], new)
    if changed:
        PenaltyDay.objects.bulk_update(changed, [*VALUE_FIELDS, "computed_at"], batch_size=500)
    _touch(revalued, started)
    _keep_where_days_stand(positions, started)
    recorded = _record_revaluations(*history_of) if history_of else 0
    return {
        "tranches": len(tranches),
        "days_written": written,
        "days_revalued": len(changed),
        "missing_price_days": missing,
        "revaluations_recorded": recorded,
    }


def _state_of(value) -> tuple:
    """(running total, cap, capped) of a stored day's values: the tranche's running state after it."""
    return value["running_total"], value["cap"], value["capped"]


def _accrue_full(plans, through, started, moved, holds, revalued, positions) -> dict:
    """The tranches the new days cannot simply be charged on (a close or rebase before the last stored day, a
    gap, a cap that binds, old rows): their stored days plus the new ones through the engine from the first
    day (`penalties.accrue_tranche`), stored days whose figures moved updated in memory and their history
    prepared. Fills `revalued` and `positions`; returns the new rows, the changed rows, the arguments of
    `_record_revaluations` and the days without a price."""
    models = {t.pk: t for t in lock_tranches([plan[0].pk for plan in plans])}  # held already: the model objects
    inputs = penalties.stored_inputs(list(models))
    lasts = penalties.last_days([plan[0] for plan in plans if plan[0].pk in models])  # where their days stand
    new, compare, fresh, causes, cap_moved, missing, values_of = [], {}, {}, {}, set(), 0, {}
    tranches = []
    for light, changes, recorded, book in plans:
        tranche = models.get(light.pk)
        if tranche is None:
            continue
        tranche.deal._rebase_steps = light.deal._rebase_steps  # the chunk's read (prime_corporate_actions)
        tranches.append(tranche)
        stored = inputs.get(tranche.pk, [])
        stored_days = {row[0] for row in stored}
        last = stored[-1][0] if stored else None
        since = min([c.day for c in changes] + [r.effective for r in recorded], default=None)
        accrued = penalties.accrue_tranche(
            tranche, stored, through=through, holds=holds.get(tranche.pk, []), prices=book
        )
        values = [penalties.row_values(day) for day in accrued]
        values_of[tranche.pk] = (values, stored_days)
        every = stored_days | {v["day"] for v in values}
        positions[tranche.pk] = (min(every), max(every), len(every)) if every else (None, None, 0)
        # A day accrued before stored ones (a gap) moves their running totals: compare them too.
        gap = min((v["day"] for v in values if v["day"] not in stored_days and last and v["day"] < last), default=None)
        since = min((d for d in (since, gap) if d is not None), default=None)
        totals = {"total": Decimal(0), "by_party": {}}
        for value in values:
            if last is not None and value["day"] <= last:
                _add(totals, value)  # the days stored before this run: before and after compare like with like
        stored_total = lasts[tranche.pk].running_total if tranche.pk in lasts else None
        if last is not None and totals["total"] != stored_total and since != stored[0][0]:
            # P7: the cap moved with the latest close (down, or up again): the latest charged days give way
            # or take their share back, so the stored days are compared from the first one.
            since = stored[0][0]
            cap_moved.add(tranche.pk)
        for value in values:
            missing += value["missing_price"]
            if value["day"] not in stored_days:
                new.append((tranche.pk, *_row_of(value), started))
            elif since is not None and value["day"] >= since:
                compare[tranche.pk, value["day"]] = value
        if since is not None and last is not None:
            revalued[tranche.pk], fresh[tranche.pk] = last, totals
            causes[tranche.pk] = [c for c in changes if c.day <= last] + [r for r in recorded if r.effective <= last]
    changed, before = _changed(compare, started, moved)
    for pk, (values, stored_days) in values_of.items():
        # The running state is kept only where this run knows what the last stored day holds: written or compared
        # now (a compared day is updated to its recomputed values); else NULL, and the next run reads the day.
        final = values[-1] if values and values[-1]["day"] == positions[pk][1] else None
        known = final is not None and (final["day"] not in stored_days or (pk, final["day"]) in compare)
        positions[pk] = (*positions[pk], *(_state_of(final) if known else (None, None, None)))
    return {
        "new": new,
        "missing": missing,
        "changed": changed,
        "history": (tranches, changed, before, fresh, causes, revalued, cap_moved),
    }


def _no_gap(tranche) -> bool:
    """The stored days run without a gap from the first day of delay to the last one stored (the tranche's
    columns, kept by `_keep_where_days_stand`): a new day can only come after them."""
    first, count = tranche.penalty_first_day, tranche.penalty_day_count
    return (
        first is not None
        and first == penalties.accrual_start(tranche)
        and count == (tranche.penalty_last_day - first).days + 1
    )


UPSERT_POSITIONS = (
    "INSERT INTO escrow_penaltyposition AS p (tranche_id, first_day, last_day, day_count, total, cap, capped, "
    "valued_at) SELECT v.*, %s FROM unnest(%s::bigint[], %s::date[], %s::date[], %s::integer[], %s::numeric[], "
    "%s::numeric[], %s::boolean[]) AS v ON CONFLICT (tranche_id) DO UPDATE SET first_day = excluded.first_day, "
    "last_day = excluded.last_day, day_count = excluded.day_count, total = excluded.total, cap = excluded.cap, "
    "capped = excluded.capped, valued_at = excluded.valued_at"
)


def _keep_where_days_stand(positions, started):
    """Issue 13: the tranche's position (PenaltyPosition) follows its stored days in the transaction that writes
    them (the sweep reads it to find the tranches with work, `_dirty_tranches`, without reading any day, and
    charges the next day from the last one's running state without reading it). `positions`: {tranche id: (first
    day, last day, number of days, running total, cap, capped)} after this run (the state None where not known); a
    full run counts what it read, so the position is right again whatever it said before."""
    if positions:
        (_upsert_positions if connection.vendor == "postgresql" else _create_or_update_positions)(positions, started)


def _create_or_update_positions(positions, started):
    """The ORM's form of `_upsert_positions` (the SQLite demo; a test compares the two on PostgreSQL)."""
    rows = [
        PenaltyPosition(tranche_id=pk, valued_at=started, **dict(zip(POSITION_COLUMNS, position, strict=True)))
        for pk, position in positions.items()
    ]
    PenaltyPosition.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["tranche"],
        update_fields=[*POSITION_COLUMNS, "valued_at"],
        batch_size=500,
    )


def _upsert_positions(positions, started):
    """One statement over arrays (bulk_update's CASE per field and row took seconds for a chunk), each one text;
    a narrow row, so the new version of each stays on its page (fillfactor 50, migration 0026)."""
    arrays = [_array(column) for column in zip(*positions.values(), strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(UPSERT_POSITIONS, [started, _array(positions), *arrays])


def _array(values) -> str:
    """A PostgreSQL array literal of plain values (integers, dates, Decimals, booleans, None), for one text
    parameter cast to its array type: the driver quotes a list value by value (a tenth of the phase for 10,000
    tranches), one string at once."""
    return "{" + ",".join(map(_element, values)) + "}"


def _element(value) -> str:
    if value is None:
        return "NULL"
    if value is True or value is False:
        return "t" if value else "f"
    return str(value)  # an integer, a date (ISO), a Decimal (exponent notation is valid numeric input)


def _changes_since(entered, computed):
    """The closes entered or corrected after the tranche was last computed: each can change the days
    from its own day on (later days may use it as their last close, earlier days cannot)."""
    return [change for change in entered if computed is None or change.entered_at > computed]


def _changed(compare, started, moved=frozenset()):
    """Stored rows whose recomputed values differ, updated in memory (usually few: a late price), and
    {tranche_id: totals before} of the tranches they belong to."""
    if not compare:
        return [], {}
    first = min(day for _, day in compare)
    rows = PenaltyDay.objects.filter(tranche_id__in={t for t, _ in compare}, day__gte=first)
    changed = []
    for row in rows:
        values = compare.get((row.tranche_id, row.day))
        if values and ((row.tranche_id, row.day) in moved or any(getattr(row, f) != values[f] for f in VALUE_FIELDS)):
            changed.append(row)
    before = _stored_totals({row.tranche_id for row in changed})
    for row in changed:
        for f in VALUE_FIELDS:
            setattr(row, f, compare[row.tranche_id, row.day][f])
        row.computed_at = started
    return changed, before


def _touch(last_days, started):
    """Mark revalued tranches as computed now (their last row), so they are not dirty until a new price."""
    if last_days:
        which = Q()
        for tranche_id, day in last_days.items():
            which |= Q(tranche_id=tranche_id, day=day)
        PenaltyDay.objects.filter(which).update(computed_at=started)


# --- the history of a re-valuation (issue 9 item 6) ---


def _stored_totals(tranche_ids) -> dict:
    """{tranche_id: {"total": ..., "by_party": {...}}} as stored, before a re-valuation is written."""
    totals = {pk: {"total": Decimal(0), "by_party": {}} for pk in tranche_ids}
    rows = (
        PenaltyDay.objects.filter(tranche_id__in=tranche_ids)
        .exclude(liable="")
        .values_list("tranche_id", "liable")
        .annotate(charged=Sum("charged"))
        .order_by()
    )
    for tranche_id, party, charged in rows:
        totals[tranche_id]["by_party"][party] = charged or Decimal(0)
    for last in penalties.latest_days(tranche_ids):
        totals[last.tranche_id]["total"] = last.running_total
    return totals


def _add(totals, values):
    """Add one recomputed day to the tranche's totals after the run (the same shape as `_stored_totals`)."""
    totals["total"] = values["running_total"]
    if values["liable"]:
        party = values["liable"]
        totals["by_party"][party] = totals["by_party"].get(party, Decimal(0)) + (values["charged"] or Decimal(0))


def _record_revaluations(tranches, changed, before, fresh, causes, revalued, cap_moved=frozenset()) -> int:
    """One history entry per tranche whose stored days changed: which days, totals before and after,
    and the closes that caused it (SPA 8.2: the market value of each day)."""
    days = {}
    for row in changed:
        days.setdefault(row.tranche_id, []).append(row.day)
    entries = []
    for tranche in tranches:
        if tranche.pk not in days:
            continue
        changed_days, old, new = sorted(days[tranche.pk]), before[tranche.pk], fresh[tranche.pk]
        prices = [c for c in causes.get(tranche.pk, []) if isinstance(c, penalties.PriceChange)]
        rebases = [c for c in causes.get(tranche.pk, []) if isinstance(c, penalties.RebaseChange)]
        entries.append(
            (
                tranche.deal,
                dict(
                    action=HistoryAction.PENALTY_REVALUED,
                    actor=None,
                    tranche=tranche,
                    clause=CLAUSE,
                    summary=_summary(tranche, changed_days, old, new, prices, tranche.pk in cap_moved, rebases),
                    details={
                        "days": _ranges(changed_days),
                        "days_changed": len(changed_days),
                        "through": revalued[tranche.pk],  # totals before and after cover the days up to here
                        "before": old,
                        "after": new,
                        "prices": [p.as_dict() for p in prices],
                        "rebases": [r.as_dict() for r in rebases],
                        "currency": tranche.deal.price_currency,
                        "cap_valuation": tranche.deal.penalty_cap_valuation,
                        "cap_moved": tranche.pk in cap_moved,
                    },
                ),
            )
        )
    if entries:
        history.record_many(entries)
    return len(entries)


def _summary(tranche, days, old, new, prices, cap_moved=False, rebases=()) -> str:
    """English, like every history summary (the legal record stays in one language)."""
    span = f"{days[0]}" if len(days) == 1 else f"{days[0]} to {days[-1]}"
    cause = "; ".join(
        [r.words for r in rebases]
        + [f"the {p.ticker} close of {p.day} was entered as {p.close}" + _by(p.entered_by) for p in prices]
    )
    parties = ", ".join(
        f"{party} {old['by_party'].get(party, Decimal(0)):,.2f} -> {new['by_party'].get(party, Decimal(0)):,.2f}"
        for party in sorted(set(old["by_party"]) | set(new["by_party"]))
    )
    currency = tranche.deal.price_currency
    return (
        f"Delay penalty of year {tranche.year} revalued ({cause or _no_price_cause(cap_moved)}): {len(days)} day(s) "
        f"changed ({span}); "
        f"total {currency} {old['total']:,.2f} -> {new['total']:,.2f}" + (f" ({parties})" if parties else "")
    )


def _by(who) -> str:
    return f" by {who}" if who else ""


def _no_price_cause(cap_moved) -> str:
    if cap_moved:
        return "the cap moved with the latest close (P7): the latest charged days follow it"
    return "days accrued late"


def _ranges(days) -> list:
    """[[first, last], ...]: consecutive days as ranges, so a long re-valuation stays readable."""
    ranges = []
    for day in days:
        if ranges and day == ranges[-1][1] + timedelta(days=1):
            ranges[-1][1] = day
        else:
            ranges.append([day, day])
    return ranges


# --- a split, consolidation or stock dividend recorded after its day (issue 14) ---


def rebase_stored_days(deal, tranches, *, effective, ratio, policy, today) -> dict:
    """SPA 8.2, P7 (issue 14): called by the action that writes a rebase to the ledger (a split or consolidation
    confirmed, a stock dividend's new shares received), in its transaction, with the deal's tranches locked and
    the ledger's sizes read afresh. A rebase may be recorded days after its effective date (an agent confirms a
    consolidation late; new shares are recorded as received on an earlier day), when penalty days from that date
    are already stored with the old share count while their closes are now put on the new basis
    (escrow.queries.penalties.rebases_by_deal): each such day's shares are put on the rebased basis
    (escrow.queries.penalties.rebased_day_shares), once, here, under the lock the sweep also takes; then the
    deal's late tranches are revalued at once, as the sweep would (the rebase written after their last
    computation makes them dirty, `_dirty_tranches`), with one PENALTY_REVALUED entry per tranche naming the
    rebase. A rebase dated after the last stored day changes no stored day."""
    rows = list(PenaltyDay.objects.filter(tranche__in=[t.pk for t in tranches], day__gte=effective).order_by("day"))
    by_pk = {t.pk: t for t in tranches}
    moved = []
    for row in rows:
        tranche = by_pk[row.tranche_id]
        tranche.deal = deal  # the deal whose rebases were just read afresh (forget_rebases)
        shares = penalties.rebased_day_shares(tranche, row.day, row.shares, ratio, policy)
        if shares != row.shares:
            row.shares = shares
            moved.append(row)
    PenaltyDay.objects.bulk_update(moved, ["shares"], batch_size=500)
    report = accrue_penalties(
        through=today - timedelta(days=1), deal_ids=[deal.pk], moved={(row.tranche_id, row.day) for row in moved}
    )
    return {"days_rebased": len(moved), **report}
