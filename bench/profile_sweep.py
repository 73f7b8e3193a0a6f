"""Function calls and CPU seconds of the sweep's notice phases (cProfile; issue 13 item 4): measures the machine's
load does not move, beside bench/bench_sweep.py's ratios, which it does.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/prof_NAME .venv/bin/python bench/profile_sweep.py [deals] [top]

Builds bench/world.py's world of `deals` deals (1,000 by default) in a scratch database (test_<name>, dropped
afterwards) and walks bench/bench_sweep.py's days. On the days below, before the day's sweep, the phase named runs
in transactions that are rolled back: once under cProfile (function calls), then three times timed with
its foreign keys checked at once (no commit comes to check them): the Python process's CPU (`time.process_time`),
the PostgreSQL backend's (/proc, same machine), the wall time and the statements, then the same of its floor
(bench_sweep.sql_floor) in that transaction; the run with the least CPU is printed.
`top`: print that many functions of each profile (sorted by the SORT environment variable, tottime by default);
PROFILE_OUT=prefix keeps each profile in prefix-<day>.prof; STATEMENTS=1 prints each statement's seconds;
EXPLAIN=ms logs the plans of statements slower than that in the server's log (auto_explain).
"""

import cProfile
import io
import os
import pstats
import sys
import time
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

import time_machine  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.bench_sweep import SHANGHAI, STEPS, QueryCounter, _high_water, _written, analyze, sql_floor  # noqa: E402
from bench.world import add_prices, populate  # noqa: E402
from escrow.actions import deadlines  # noqa: E402
from escrow.notifications import notify  # noqa: E402

PROFILED = {
    date(2026, 11, 19): ("fee invoices", "issue_due_fee_invoices"),
    date(2027, 1, 23): ("reminders", "remind_and_mark"),
    date(2027, 2, 15): ("reminders, missed deadlines", "remind_and_mark"),
}


class Timed(QueryCounter):
    """Each statement's seconds and its first words, printed after the phase (STATEMENTS=1)."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return super().__call__(execute, sql, params, many, context)
        finally:
            self.seen.append((time.perf_counter() - started, " ".join(sql.split())[:110]))


class _RolledBack(Exception):
    pass


def _rolled_back(call):
    try:
        with transaction.atomic():
            call()
            raise _RolledBack
    except _RolledBack:
        pass


def backend_cpu(pid) -> float:
    """CPU seconds (user and system) of the PostgreSQL backend serving this connection (same machine)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(phase, day, pid):
    """(Python CPU, backend CPU, wall, statements) of the phase, then the same of its floor, all rolled back."""
    figures = []

    def run():
        counter = QueryCounter()
        counter.paused = True
        before = _high_water()
        counter.paused = False
        with connection.cursor() as cursor:  # the foreign keys checked as the rows are written (no commit here)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with connection.execute_wrapper(counter):
            cpu, server, wall = time.process_time(), backend_cpu(pid), time.perf_counter()
            phase(day)
            figures.append(
                (time.process_time() - cpu, backend_cpu(pid) - server, time.perf_counter() - wall, counter.count)
            )
        rows = _written(before)
        server, wall = backend_cpu(pid), time.perf_counter()
        sql_floor(rows)
        figures.append((0, backend_cpu(pid) - server, time.perf_counter() - wall, len(rows)))

    _rolled_back(run)
    return figures


def measure(day, label, name, top):
    phase = getattr(deadlines, name)
    profile = cProfile.Profile()
    _rolled_back(lambda: profile.runcall(phase, day))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    runs = [timed(phase, day, pid) for _ in range(3)]
    (cpu, server, wall, count), floor = min(runs, key=lambda r: r[0][0] + r[0][1])
    calls = pstats.Stats(profile).total_calls
    if os.environ.get("PROFILE_OUT"):  # for pstats' callers and callees
        profile.dump_stats(f"{os.environ['PROFILE_OUT']}-{day}.prof")
    print(
        f"{day} {label}: calls={calls:,} python cpu={cpu:.3f}s backend cpu={server:.3f}s wall={wall:.3f}s "
        f"statements={count}; floor: backend cpu={floor[1]:.3f}s wall={floor[2]:.3f}s; "
        f"cpu ratio={(cpu + server) / floor[1] if floor[1] else float('nan'):.1f}x",
        flush=True,
    )
    if os.environ.get("EXPLAIN"):  # the plans of statements over EXPLAIN ms, in the server's log (auto_explain)
        with connection.cursor() as cursor:
            cursor.execute("LOAD 'auto_explain'")
            cursor.execute(f"SET auto_explain.log_min_duration = {int(os.environ['EXPLAIN']):d}")
            cursor.execute("SET auto_explain.log_analyze = on")
    if os.environ.get("STATEMENTS"):
        seen = Timed()
        with connection.execute_wrapper(seen):
            _rolled_back(lambda: phase(day))
        for seconds, sql in seen.seen:
            print(f"  {seconds:.3f} {sql}")
        print(f"  {sum(s for s, _sql in seen.seen):.3f} s in {len(seen.seen)} statements")
    if top:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(os.environ.get("SORT", "tottime")).print_stats(top)
        print(out.getvalue(), flush=True)


def main(n, top):
    notify.enqueue_drain = lambda: None  # the outbox rows are written, the broker is left out (as bench_sweep)
    reverse("escrow:notifications")
    if connection.vendor != "postgresql":
        sys.exit("profile_sweep needs PostgreSQL: set DATABASE_URL=postgres://...")
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=SHANGHAI), tick=False):
            populate(n, prefix=f"w{n}", ticker=f"W{n}")
            add_prices(f"W{n}")
        for day in dict.fromkeys(day for day, _what in STEPS):
            if day > date(2027, 2, 15):
                break
            analyze()
            with time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI), tick=False):
                if day in PROFILED:
                    measure(day, *PROFILED[day], top)
                deadlines.sweep(today=day)
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000, int(sys.argv[2]) if len(sys.argv) > 2 else 0)
