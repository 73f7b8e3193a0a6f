"""Which of a year's optional lists have anything in them, read as columns of the year's own query (issue 13
item 1): a year has no hold (EA 3.3, SPA 8.1), no decline (issue 12 item 8), no call-back (EA 3.2) and no
release (EA 3.2) most of its life, and the tranche page and /api/tranches/<id>/ read each list with joins whose
compiling alone cost more than the page's template. An EXISTS column costs the database next to nothing and
Django nothing to build (hand-written SQL over the tables' own names); the list is read only when it is there.

Usage: pass `annotate=YEAR_PARTS` to escrow.queries.deals.tranche_for, then `has(tranche, HOLDS)` before reading
the holds. A tranche read without the columns answers True (read the list, as before).
"""

from django.db.models.expressions import RawSQL

from escrow.models import ShareMovement

HOLDS, DECLINES, CALL_BACKS, RELEASE = "has_holds", "has_declines", "has_call_backs", "has_release"
PENALTY_DAYS = "has_penalty_days"  # SPA 8.2: a delay accrued (the deal page's meters)

# Each an EXISTS over one table, correlated with the tranche query's own table ("escrow_tranche", unaliased: these
# are columns of its select list). tests/escrow/queries/test_year_parts.py checks the tables' names against the
# models and each column against reading the list.
PARTS_SQL = {
    HOLDS: ('SELECT 1 FROM escrow_hold x WHERE x.tranche_id = "escrow_tranche"."id"', ()),
    DECLINES: (
        "SELECT 1 FROM escrow_decline x JOIN escrow_instrument i ON i.id = x.instrument_id"
        ' WHERE i.tranche_id = "escrow_tranche"."id"',
        (),
    ),
    CALL_BACKS: ('SELECT 1 FROM escrow_callback x WHERE x.tranche_id = "escrow_tranche"."id"', ()),
    PENALTY_DAYS: ('SELECT 1 FROM escrow_penaltyday x WHERE x.tranche_id = "escrow_tranche"."id"', ()),
    # release_record's rows: the tranche's movements of kind release
    RELEASE: (
        'SELECT 1 FROM escrow_sharemovement x WHERE x.tranche_id = "escrow_tranche"."id" AND x.kind = %s',
        (ShareMovement.Kind.RELEASE.value,),
    ),
}


def year_parts(*names):
    """The EXISTS columns `names` (all of them when none is named), fresh expressions for one query."""
    columns = {}
    for name, (sql, params) in PARTS_SQL.items():
        if names and name not in names:
            continue
        columns[name] = RawSQL(f"EXISTS ({sql})", params)  # noqa: S611 (constant SQL, bound values)
    return columns


def has(tranche, part) -> bool:
    """Whether the year's list `part` may have rows: the column read with the tranche, True when not read."""
    return getattr(tranche, part, True)
