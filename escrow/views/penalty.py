"""The penalty table of a tranche (SPA 8.2, EA 5.2) as the year's page shows it: the capped figures of
escrow.queries.penalties.penalty_table (each party's share is the sum of its days' charged amounts)."""

from escrow.queries.penalties import penalty_table
from escrow.queries.year_parts import PENALTY_DAYS, has


def penalty_rows(tranche):
    """The tranche's stored penalty days, totals per party and the cap, in one query (none when the year,
    read with escrow.queries.year_parts' columns, has no penalty day)."""
    return penalty_table(tranche, any_days=has(tranche, PENALTY_DAYS))
