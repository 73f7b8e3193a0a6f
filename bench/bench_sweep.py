"""Wall time and SQL queries of the deadline sweep over many deals (issue 4), on PostgreSQL.

Run from the repository root against a PostgreSQL server (a scratch database test_<name> is created
and dropped):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/bench_sweep.py [deals ...]
Default: 1000 10000 deals (five tranches each). Prints one Markdown table per world.
"""

import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.db import connection  # noqa: E402

from bench.world import add_prices, populate  # noqa: E402
from escrow.actions.deadlines import sweep  # noqa: E402
from escrow.models import Deal  # noqa: E402
from escrow.notifications import notify  # noqa: E402

STEPS = [
    (date(2026, 11, 20), "nothing due (every year still running)"),
    (date(2026, 12, 1), "every year-1 tranche opens (SPA 5.1)"),
    (date(2026, 12, 1), "the same day again (a second beat)"),
    (date(2027, 1, 23), "7-day reminders of the report (SPA 4.2)"),
    (date(2027, 2, 15), "deadline missed, 16 penalty days caught up (SPA 8.2)"),
    (date(2027, 2, 15), "the same day again"),
    (date(2027, 2, 16), "the next day: one more penalty day each"),
]


class QueryCounter:
    """Counts statements without keeping their SQL (bulk inserts are megabytes)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def run(n):
    Deal.objects.update(state=Deal.State.CLOSED)  # an earlier world drops out of every sweep query
    started = time.perf_counter()
    populate(n, prefix=f"w{n}", ticker=f"W{n}")
    add_prices(f"W{n}")
    print(f"\n{n:,} deals, {5 * n:,} tranches (built in {time.perf_counter() - started:.1f} s)\n")
    print("| contract day | what is due | wall s | SQL queries | opened | notifications | penalty days written |")
    print("|---|---|---|---|---|---|---|")
    for day, what in STEPS:
        counter = QueryCounter()
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            report = sweep(today=day)
        wall = time.perf_counter() - started
        print(
            f"| {day} | {what} | {wall:.2f} | {counter.count} | {report.opened:,} | "
            f"{report.notifications:,} | {report.penalty['days_written']:,} |"
        )


def main(sizes):
    notify.enqueue_drain = lambda: None  # measure the sweep, not the broker (the outbox rows are written)
    if connection.vendor != "postgresql":
        sys.exit("bench_sweep needs PostgreSQL: set DATABASE_URL=postgres://...")
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    print(f"PostgreSQL {connection.cursor().connection.info.server_version}, database {name}")
    try:
        for n in sizes:
            run(n)
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 10000])
