"""Timing figures for the contract engine (stdlib timeit; no pytest).

Run from the repository root:
    .venv/bin/python bench/bench_engine.py [runs]
"""

import sys
import timeit
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from escrow.contract.penalty import Hold, accrue, attribute_days
from escrow.contract.policies import Policies
from escrow.contract.releases import compute_releases

TOTAL = 15_000_000
TARGETS = [Decimal(t) for t in ("665000000", "732000000", "805000000", "885000000", "974000000")]
ACTUALS = [Decimal(a) for a in ("598500000", "865000000", "700000000", "1100000000", "1500000000")]
POLICY_SETS = {
    "defaults": Policies(),
    "6-K P1": Policies(excess_credit="whole-excess-over-50pct"),
    "P2 excess-year, P4 half-up": Policies(offset_base="excess-year", rounding="half-up"),
    "P3 largest-first": Policies(offset_order="largest-first"),
}


FIRST_DAY = date(2027, 1, 30)  # the day after the year-1 SPA 5.1 deadline
# Weekday closes from the deadline day on (made-up figures for timing only).
PRICES = {
    date(2027, 1, 29) + timedelta(days=i): Decimal("1.20") + Decimal(i % 7) / 100
    for i in range(501)
    if (date(2027, 1, 29) + timedelta(days=i)).weekday() < 5
}


def penalty_case():
    """500 days from the SPA 5.1 deadline: issuer, a dispute hold, then the agent."""
    days = attribute_days(
        FIRST_DAY,
        FIRST_DAY + timedelta(days=499),
        3_000_000,
        release_due=date(2027, 1, 29),
        instruction_signed_on=date(2027, 6, 1),
        transfer_due=date(2027, 6, 15),
        released_on=None,
        holds=[Hold(date(2027, 3, 1), date(2027, 3, 20), "dispute", "quantity contested")],
    )
    return accrue(days, PRICES, "each-day")


def measure(label, func, runs):
    times = timeit.repeat(func, number=1, repeat=runs)
    return label, sum(times) / len(times) * 1000, min(times) * 1000


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    rows = [
        measure(f"what-if 5 years, {name}", lambda p=p: compute_releases(TOTAL, TARGETS, ACTUALS, p), runs)
        for name, p in POLICY_SETS.items()
    ]
    rows.append(
        measure(
            "what-if 5 years + as_dict (defaults)", lambda: compute_releases(TOTAL, TARGETS, ACTUALS).as_dict(), runs
        )
    )
    rows.append(measure("penalty 500 days: attribute + accrue", penalty_case, max(runs // 10, 5)))
    schedule = penalty_case()
    print(f"command: {' '.join([sys.executable, *sys.argv])}  (runs per case: {runs}; penalty: {max(runs // 10, 5)})")
    print(f"python {sys.version.split()[0]}")
    print(f"{'case':<46} {'mean ms':>9} {'min ms':>9}")
    for label, mean, best in rows:
        print(f"{label:<46} {mean:>9.3f} {best:>9.3f}")
    print(f"penalty check: total {schedule.total} cap {schedule.cap} missing {len(schedule.missing_prices)}")


if __name__ == "__main__":
    main()
