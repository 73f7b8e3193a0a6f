"""The sweep's delay penalty (SPA 8.2, EA 5.2): PenaltyDay rows, unique per tranche and day.

A day of delay is accrued once it has ended (through yesterday): until midnight the shares may still
be released that day. Each run catches up every day since the last one accrued, so a scheduler that
was down loses nothing; a repeat finds every day stored and every value unchanged, and writes nothing.
"""

from datetime import date, timedelta

from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from escrow.actions.batch import lock_tranches
from escrow.models import Deal, PenaltyDay, Tranche, TrancheState
from escrow.queries import penalties

CHUNK = 500  # tranches per transaction
VALUE_FIELDS = [
    "liable",
    "reason",
    "clause",
    "shares",
    "price",
    "price_date",
    "amount",
    "running_total",
    "cap",
    "capped",
    "missing_price",
]


def accrue_penalties(*, through: date) -> dict:
    """SPA 8.2: accrue every tranche whose release is late, through `through` (inclusive)."""
    started = timezone.now()
    dirty = _dirty_tranches(through)
    totals = {
        "through": through.isoformat(),
        "tranches": 0,
        "days_written": 0,
        "days_revalued": 0,
        "missing_price_days": 0,
    }
    for i in range(0, len(dirty), CHUNK):
        for key, value in _accrue_chunk(dirty[i : i + CHUNK], through, started).items():
            totals[key] += value
    return totals


def _dirty_tranches(through):
    """[(tranche id, when last computed)] of tranches with days to add, or valued before a price was
    entered or corrected. Two queries, whatever the number of tranches."""
    candidates = list(
        Tranche.objects.filter(deal__state=Deal.State.IN_ESCROW, release_due_date__lt=through)
        .exclude(state=TrancheState.SCHEDULED)
        .filter(Q(released_on__isnull=True) | Q(released_on__gt=F("release_due_date")))
        .annotate(last=Max("penalty_days__day"), computed=Max("penalty_days__computed_at"))
        .values_list("pk", "deal__ticker", "released_on", "release_due_date", "last", "computed")
    )
    latest_price = penalties.price_activity({c[1] for c in candidates if c[1]})
    dirty = []
    for pk, ticker, released_on, due, last, computed in candidates:
        end = min(through, released_on - timedelta(days=1)) if released_on else through
        new_days = (last or due) < end
        revalue = last is not None and ticker in latest_price and latest_price[ticker] > computed
        if new_days or revalue:
            dirty.append((pk, computed))
    return dirty


@transaction.atomic
def _accrue_chunk(items, through, started) -> dict:
    computed = dict(items)
    tranches = lock_tranches(list(computed))
    inputs = penalties.stored_inputs(list(computed))
    holds = penalties.holds_by_tranche(list(computed))
    tickers = {t.deal.ticker for t in tranches if t.deal.ticker}
    prices = penalties.prices_by_ticker(tickers, through)
    oldest = min((c for c in computed.values() if c), default=None)
    entered = penalties.prices_entered_after(tickers, oldest) if oldest else {}
    new, compare, revalued, missing = [], {}, {}, 0
    for tranche in tranches:
        stored = inputs.get(tranche.pk, [])
        last = stored[-1][0] if stored else None
        since = _revalue_from(entered.get(tranche.deal.ticker, []), computed[tranche.pk])
        for accrued in penalties.accrue_tranche(
            tranche,
            stored,
            through=through,
            holds=holds.get(tranche.pk, []),
            prices=prices.get(tranche.deal.ticker, {}),
        ):
            values = penalties.row_values(accrued)
            missing += values["missing_price"]
            if last is None or values["day"] > last:
                new.append(PenaltyDay(tranche=tranche, **values))
            elif since is not None and values["day"] >= since:
                compare[tranche.pk, values["day"]] = values
        if since is not None and last is not None:
            revalued[tranche.pk] = last
    changed = _changed(compare, started)
    # ignore_conflicts: a concurrent run that wrote the same (tranche, day) first keeps its row.
    PenaltyDay.objects.bulk_create(new, ignore_conflicts=True, batch_size=2000)
    PenaltyDay.objects.bulk_update(changed, [*VALUE_FIELDS, "computed_at"], batch_size=500)
    _touch(revalued, started)
    return {
        "tranches": len(tranches),
        "days_written": len(new),
        "days_revalued": len(changed),
        "missing_price_days": missing,
    }


def _revalue_from(entered, computed):
    """The first day whose valuation a price entered after `computed` can change (its own day: later
    days may use it as their last close, earlier days cannot)."""
    days = [day for day, at in entered if computed is None or at > computed]
    return min(days) if days else None


def _changed(compare, started):
    """Stored rows whose recomputed values differ, updated in memory (usually few: a late price)."""
    if not compare:
        return []
    first = min(day for _, day in compare)
    rows = PenaltyDay.objects.filter(tranche_id__in={t for t, _ in compare}, day__gte=first)
    changed = []
    for row in rows:
        values = compare.get((row.tranche_id, row.day))
        if values and any(getattr(row, f) != values[f] for f in VALUE_FIELDS):
            for f in VALUE_FIELDS:
                setattr(row, f, values[f])
            row.computed_at = started
            changed.append(row)
    return changed


def _touch(last_days, started):
    """Mark revalued tranches as computed now (their last row), so they are not dirty until a new price."""
    if last_days:
        which = Q()
        for tranche_id, day in last_days.items():
            which |= Q(tranche_id=tranche_id, day=day)
        PenaltyDay.objects.filter(which).update(computed_at=started)
