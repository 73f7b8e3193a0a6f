"""The penalty table of a tranche (SPA 8.2, EA 5.2): escrow.queries.penalties.penalty_table when present,
otherwise the stored PenaltyDay rows in the same shape."""

from types import SimpleNamespace

from escrow.models import PenaltyDay


def penalty_rows(tranche):
    try:
        from escrow.queries.penalties import penalty_table
    except ImportError:
        return _from_rows(tranche)
    return penalty_table(tranche)


def _from_rows(tranche):
    rows = list(PenaltyDay.objects.filter(tranche=tranche).order_by("day"))
    last = rows[-1] if rows else None
    return SimpleNamespace(
        rows=rows,
        total=last.running_total if last else 0,
        cap=last.cap if last else None,
        capped=bool(last and last.capped),
        by_party={},
        missing_price_days=[],
    )
