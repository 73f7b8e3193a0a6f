"""The sweep's SQL is set-based: the number of queries does not grow with the number of tranches
(a few more per chunk of 500-1000 tranches at most). docs/performance.md has the 10,000-deal figures."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.world import add_prices, populate
from escrow.actions.deadlines import sweep
from escrow.models import Deal, HistoryEntry, PenaltyDay, Tranche

from .conftest import on

pytestmark = pytest.mark.django_db

# Nothing due; 2/12 year-1 tranches open; reminders; a month of penalty days; a repeat; the next day.
STEPS = [
    date(2026, 11, 20),
    date(2026, 12, 1),
    date(2027, 1, 23),
    date(2027, 2, 28),
    date(2027, 2, 28),
    date(2027, 3, 1),
]


def _queries_per_step(n, prefix):
    populate(n, prefix=prefix, ticker=prefix.upper())
    add_prices(prefix.upper())
    counts = []
    for day in STEPS:
        with on(day), CaptureQueriesContext(connection) as ctx:
            sweep(today=day)
        counts.append(len(ctx.captured_queries))
    return counts


def test_query_count_does_not_grow_with_the_number_of_deals(require_postgres):
    small = _queries_per_step(2, "small")
    Deal.objects.update(state=Deal.State.CLOSED)  # the first world drops out of every sweep query
    big = _queries_per_step(12, "big")
    assert big == small, f"queries per step: 2 deals {small}, 12 deals {big}"


def test_a_whole_cohort_opens_and_accrues_in_one_run(require_postgres):
    populate(12, prefix="cohort", ticker="CHRT")
    add_prices("CHRT")
    with on(date(2027, 2, 28)):
        report = sweep(today=date(2027, 2, 28))  # scheduler first run after all of it: opens and catches up
    assert report.opened == 12
    assert Tranche.objects.filter(year=1, state="awaiting_report").count() == 12
    assert HistoryEntry.objects.filter(action="year_ended").count() == 12
    assert report.penalty["days_written"] == 12 * 29  # 2027-01-30 .. 2027-02-27
    row = PenaltyDay.objects.filter(tranche__year=1).first()
    assert row.liable == "issuer" and "nominal tranche" in row.reason and row.shares == 3_000_000
