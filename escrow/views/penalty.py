"""The penalty table of a tranche (SPA 8.2, EA 5.2) as the year's page shows it: the capped figures of
escrow.queries.penalties.penalty_table (each party's share is the sum of its days' charged amounts)."""

from escrow.queries.penalties import penalty_table


def penalty_rows(tranche):
    """The tranche's stored penalty days, totals per party and the cap, in one query."""
    return penalty_table(tranche)
