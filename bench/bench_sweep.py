"""The deadline sweep over many deals against its SQL floor, phase by phase (issues 4 and 13), on PostgreSQL.

Run from the repository root against a PostgreSQL server (a scratch database test_<name> is created
and dropped):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/bench_sweep.py [deals ...]
Default: 1000 10000 deals (five tranches each). Prints one Markdown table per world.

Each tick runs on a frozen contract date (time_machine, as the tests do: the sweep never runs ahead of
today), on current planner statistics (ANALYZE before each tick, untimed, as autovacuum keeps them).
Every phase of a tick (opening years, reminders and missed deadlines, fee invoices, penalty days) is timed on its
own, with its SQL statements (COPY included) and its peak resident memory (the kernel's high-water
mark, reset before the phase; freed memory is handed back first, so the peak is the phase's own).
Its SQL floor is measured in the same run: the rows the phase wrote (inserted, tranches moved to a new
state, the history chains' heads moved, the deals' next fee looks moved, the penalty positions written) are
written once more by one INSERT ... SELECT per table, in one committed transaction, into scratch tables like
the real ones (columns, defaults, indexes, foreign keys; logged), dropped afterwards. The ratio is the phase's
time over that floor. The "bare floor" is the same without the foreign keys (the floor before 2026-12-01's
fifth round): its rows skip the check that any insert into the real table pays (for penalty days about as
long as the insert itself).
"""

import ctypes
import gc
import os
import sys
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

import time_machine  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.world import add_prices, populate  # noqa: E402
from escrow.actions import deadlines  # noqa: E402
from escrow.models import (  # noqa: E402
    Deal,
    FeeInvoice,
    HistoryChain,
    HistoryEntry,
    Notification,
    OutboxMessage,
    PenaltyDay,
    PenaltyPosition,
    Tranche,
)
from escrow.notifications import notify  # noqa: E402

STEPS = [
    (date(2026, 11, 19), "escrow year 1's fee invoices, caught up (EA 4.4, EA 2)"),
    (date(2026, 11, 20), "nothing due (every year still running)"),
    (date(2026, 12, 1), "every year-1 tranche opens (SPA 5.1)"),
    (date(2026, 12, 1), "the same day again (a second beat)"),
    (date(2026, 12, 2), "escrow year 2 starts: its fee invoices (EA 4.4, EA 2)"),
    (date(2026, 12, 2), "the same day again"),
    (date(2027, 1, 23), "7-day reminders of the report (SPA 4.2)"),
    (date(2027, 1, 23), "the same day again"),
    (date(2027, 2, 15), "deadline missed, 16 penalty days caught up (SPA 8.2)"),
    (date(2027, 2, 15), "the same day again"),
    (date(2027, 2, 16), "the next day: one more penalty day each"),
]
PHASES = {
    "open_ended_years": "opening years",
    "remind_and_mark": "reminders, missed deadlines",
    "issue_due_fee_invoices": "fee invoices",
    "accrue_penalties": "penalty days",
}
INSERTED = [HistoryEntry, Notification, OutboxMessage, PenaltyDay, FeeInvoice]  # what a sweep phase inserts
SHANGHAI = ZoneInfo("Asia/Shanghai")


class QueryCounter:
    """Counts statements without keeping their SQL (bulk inserts are megabytes)."""

    def __init__(self):
        self.count, self.paused = 0, False

    def __call__(self, execute, sql, params, many, context):
        self.count += not self.paused
        return execute(sql, params, many, context)


def _rss_mb(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak():
    """Hand freed memory back to the kernel, then restart its peak count (Linux: clear_refs 5)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass  # not Linux/glibc: the peak is the process's since it started


def _high_water():
    marks = {m: m.objects.order_by("-pk").values_list("pk", flat=True).first() or 0 for m in INSERTED}
    with connection.cursor() as cursor:  # positions are new rows or new versions: newer than this transaction
        cursor.execute("SELECT txid_current() % 4294967296")
        marks[PenaltyPosition] = cursor.fetchone()[0]
    return marks


def _written(before):
    """{table: SQL selecting the rows the phase wrote} (ids above the high-water mark; moved tranches, chains,
    deals, penalty positions).
    Table names are the models' own and the ids integers: nothing comes from input."""
    rows = {m._meta.db_table: f"SELECT * FROM {m._meta.db_table} WHERE id > {before[m]:d}" for m in INSERTED}  # noqa: S608
    entries = f"{HistoryEntry._meta.db_table} WHERE id > {before[HistoryEntry]:d}"
    rows[Tranche._meta.db_table] = (
        f"SELECT * FROM {Tranche._meta.db_table} WHERE id IN (SELECT tranche_id FROM {entries} AND to_state <> '')"  # noqa: S608
    )
    # The chain heads the new entries moved, and the deals whose next fee look the invoices moved (Deal.fee_check_on):
    # rows the phase writes too (updated, so written once more here as the moved tranches are).
    rows[HistoryChain._meta.db_table] = (
        f"SELECT * FROM {HistoryChain._meta.db_table} WHERE id IN (SELECT chain_id FROM {entries})"  # noqa: S608
    )
    # A penalty run writes each late tranche's position (a new row, or a new version of it): written by a
    # transaction newer than the mark (xmin; the scratch database's transaction ids do not wrap around).
    positions = PenaltyPosition._meta.db_table
    rows[positions] = f"SELECT * FROM {positions} WHERE xmin::text::bigint > {before[PenaltyPosition]:d}"  # noqa: S608
    rows[Deal._meta.db_table] = (
        f"SELECT * FROM {Deal._meta.db_table} WHERE id IN (SELECT deal_id FROM "  # noqa: S608
        f"{FeeInvoice._meta.db_table} WHERE id > {before[FeeInvoice]:d})"
    )
    return rows


def _count(rows):
    with connection.cursor() as cursor:
        total = 0
        for sql in rows.values():
            cursor.execute(f"SELECT count(*) FROM ({sql}) AS w")  # noqa: S608 (bench: our own table names)
            total += cursor.fetchone()[0]
    return total


def sql_floor(rows, keys=True) -> float:
    """Seconds to write the same rows once more, one INSERT ... SELECT per table and one commit, into
    scratch tables like the real ones (columns, defaults, indexes, and with `keys` the foreign keys, checked
    as the real ones are; logged, as they are)."""
    with connection.cursor() as cursor:
        for table in rows:
            cursor.execute(f"CREATE TABLE floor_{table} (LIKE {table} INCLUDING ALL)")
            for (definition,) in _foreign_keys(cursor, table) if keys else ():  # LIKE copies no foreign key
                cursor.execute(f"ALTER TABLE floor_{table} ADD {definition}")
        try:
            started = time.perf_counter()
            with transaction.atomic():
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the foreign keys checked now, not at the commit
                for table, sql in rows.items():
                    cursor.execute(f"INSERT INTO floor_{table} {sql}")
            return time.perf_counter() - started
        finally:
            for table in rows:
                cursor.execute(f"DROP TABLE floor_{table}")


def _foreign_keys(cursor, table):
    """The definitions of `table`'s foreign keys (as Django made them: deferred, checked at commit)."""
    cursor.execute(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'", [table]
    )
    return cursor.fetchall()


class Phases:
    """Wraps the sweep's three phases (module functions of escrow.actions.deadlines) to measure each."""

    def __init__(self, counter):
        self.counter, self.results, self.originals = counter, [], {}

    def __enter__(self):
        for name in PHASES:
            self.originals[name] = original = getattr(deadlines, name)
            setattr(deadlines, name, self._measured(name, original))
        return self

    def __exit__(self, *exc):
        for name, original in self.originals.items():
            setattr(deadlines, name, original)

    def _measured(self, name, original):
        def measured(*args, **kwargs):
            self.counter.paused = True  # the bench's own statements are not the phase's
            before = _high_water()
            _reset_peak()
            self.counter.paused = False
            queries, started = self.counter.count, time.perf_counter()
            result = original(*args, **kwargs)
            seconds, peak = time.perf_counter() - started, _rss_mb("VmHWM")
            queries = self.counter.count - queries
            self.counter.paused = True
            rows = _written(before)
            written = _count(rows)
            floor = sql_floor(rows) if written else None
            bare = sql_floor(rows, keys=False) if written else None
            self.counter.paused = False
            self.results.append((PHASES[name], seconds, queries, written, floor, peak, bare))
            return result

        return measured


def analyze():
    """Current planner statistics, as autovacuum keeps them: the world is bulk-loaded, then every tick
    writes thousands of rows, faster than autovacuum's next round. Not timed."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def tick(day):
    analyze()
    counter = QueryCounter()
    frozen = time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI), tick=False)
    with frozen, Phases(counter) as phases, connection.execute_wrapper(counter):
        deadlines.sweep(today=day)
    return counter.count, phases.results


def run(n):
    Deal.objects.update(state=Deal.State.CLOSED)  # an earlier world drops out of every sweep query
    started = time.perf_counter()
    with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=SHANGHAI), tick=False):
        populate(n, prefix=f"w{n}", ticker=f"W{n}")
        add_prices(f"W{n}")
    print(f"\n{n:,} deals, {5 * n:,} tranches (built in {time.perf_counter() - started:.1f} s)\n")
    print(
        "| contract day | what is due | phase | s | SQL queries | rows written | SQL floor s | ratio | peak RSS MB "
        "| bare floor s | ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for day, what in STEPS:
        queries, phases = tick(day)
        wall, peak = sum(p[1] for p in phases), max(p[5] for p in phases)  # the phases are the whole tick
        print(f"| {day} | {what} | whole tick | {wall:.3f} | {queries} | | | | {peak:.0f} | | |")
        for phase, seconds, count, written, floor, peak, bare in phases:
            if written:
                ratio = f"{seconds / floor:.1f}x" if floor else ""
                ratio_bare = f"{seconds / bare:.1f}x" if bare else ""
                print(
                    f"| | | {phase} | {seconds:.3f} | {count} | {written:,} | {floor:.3f} | {ratio} | {peak:.0f} "
                    f"| {bare:.3f} | {ratio_bare} |"
                )


def main(sizes):
    notify.enqueue_drain = lambda: None  # measure the sweep, not the broker (the outbox rows are written)
    reverse("escrow:notifications")  # the URL configuration is imported once per worker, not per sweep (emails link)
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
