"""Issue 13: each tranche keeps the running state of its last stored penalty day (running total, cap, capped:
SPA 8.2, P7), so the sweep charges the next day without reading it. The state is the last stored day's, or NULL
(not known: the sweep reads the day, as before); the days it gives are those of reading the day, and a full
revaluation (a close corrected, a rebase, a cap that binds) rebuilds it."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from bench.world import add_prices, populate
from escrow.actions.accrual import VALUE_FIELDS
from escrow.actions.prices import correct_share_price
from escrow.models import DealParty, PenaltyDay, PenaltyPosition, Role, SharePrice, Tranche

from .conftest import days, on
from .test_penalty_accrual import _sweep
from .test_penalty_backdated_rebase import _consolidate, _rows
from .test_penalty_backdated_rebase import late as rebased_late  # noqa: F401 (a fixture)
from .test_penalty_cap import THROUGH, _walk

pytestmark = pytest.mark.django_db

STATE = ("total", "cap", "capped")
UNKNOWN = dict.fromkeys(STATE)


def _state_is_the_last_days(tranche_id, known=True):
    """The columns hold the last stored day's running total, cap and capped flag (or NULL, when `known` is
    False allowed)."""
    row = PenaltyPosition.objects.get(tranche_id=tranche_id)
    state = tuple(getattr(row, f) for f in STATE)
    if not known and state == (None, None, None):
        return
    last = PenaltyDay.objects.filter(tranche_id=tranche_id).latest("day")
    assert row.last_day == last.day
    assert state == (last.running_total, last.cap, last.capped)


def _world_issuer(ticker):
    issuer = DealParty.objects.filter(deal__ticker=ticker, role=Role.ISSUER, ended_at__isnull=True).first()
    return get_user_model().objects.filter(organisation_id=issuer.organisation_id, is_active=True).first()


def test_the_state_gives_the_days_reading_the_last_day_gives(db):
    """Two identical deals swept together every day: one keeps its state, the other's is wiped before every
    sweep (as rows stored before the state existed), so the sweep reads its last day. Their days are the same,
    through a catch-up, daily days, a close corrected on a stored day (a full revaluation) and the days after."""
    populate(2, prefix="rstate", ticker="RSTATE")
    add_prices("RSTATE")
    kept, wiped = Tranche.objects.filter(deal__slug__startswith="rstate-", year=1).order_by("deal_id")
    _sweep(date(2026, 12, 1))  # the year ends: the tranches await their reports (SPA 5.1)

    def sweep(day, hour=10):
        PenaltyPosition.objects.filter(tranche_id=wiped.pk).update(**UNKNOWN)
        _sweep(day, hour=hour)
        for tranche in (kept, wiped):
            _state_is_the_last_days(tranche.pk)

    sweep(date(2027, 2, 6))  # the first days, caught up (01-30 .. 02-05)
    for day in days(date(2027, 2, 7), date(2027, 2, 9)):
        sweep(day)
    with on(date(2027, 2, 9), hour=11):
        close = SharePrice.objects.get(ticker="RSTATE", day=date(2027, 2, 1))
        correct_share_price(_world_issuer("RSTATE"), close, "2.6000", "typo")
    sweep(date(2027, 2, 9), hour=12)  # revalued from 02-01
    sweep(date(2027, 2, 12))

    def stored(tranche):
        return [
            (row.day, *(getattr(row, f) for f in VALUE_FIELDS))
            for row in PenaltyDay.objects.filter(tranche=tranche).order_by("day")
        ]

    assert stored(kept) == stored(wiped)
    assert [row[0] for row in stored(kept)] == list(days(date(2027, 1, 30), date(2027, 2, 11)))
    assert PenaltyDay.objects.get(tranche=kept, day=date(2027, 2, 1)).amount == Decimal("780")  # 2.60 x 3,000,000


def test_the_state_follows_a_hold_and_a_cap_that_binds(deposited, people):
    """A delay past the cap with a hold in the middle (tests/escrow/deadlines/test_penalty_cap.py): at the cap
    the new days go through the full run, and the state is the last day's; a next day keeps it so."""
    walked = _walk(deposited, people)
    last = PenaltyDay.objects.filter(tranche=walked).latest("day")
    assert last.day == THROUGH and last.capped
    _state_is_the_last_days(walked.pk, known=False)
    _sweep(THROUGH + timedelta(days=2))
    assert PenaltyDay.objects.filter(tranche=walked).latest("day").day == THROUGH + timedelta(days=1)
    _state_is_the_last_days(walked.pk)
    assert PenaltyPosition.objects.get(tranche_id=walked.pk).capped is True


def test_the_state_follows_a_rebase_recorded_late(rebased_late, people):  # noqa: F811
    """A consolidation confirmed five days after its effective date puts the stored days on the new count and
    revalues them (issue 14); the state is then the revalued last day's, and the next day starts from it."""
    _consolidate(rebased_late.deal, people, 1, 30)
    _state_is_the_last_days(rebased_late.pk, known=False)
    _sweep(date(2027, 2, 7))
    _state_is_the_last_days(rebased_late.pk)
    rows = _rows(rebased_late)
    assert rows[date(2027, 2, 6)].running_total == Decimal("750") * 8


def test_a_state_that_is_not_known_is_read_from_the_last_day(deposited, people):
    """NULL columns (the state of days stored before it existed, when the migration found no cap on the last
    day): the sweep reads the last day, charges the next one from it, and keeps the state from then on."""
    walked_days = date(2027, 2, 5)
    from escrow import actions
    from tests.conftest import tranche

    from .test_penalty_accrual import _prices

    t1 = tranche(deposited, 1)
    actions.open_year(t1.pk, today=date(2026, 12, 1))
    _prices(date(2027, 1, 1), date(2027, 1, 29))
    _sweep(walked_days)
    PenaltyPosition.objects.filter(tranche_id=t1.pk).update(**UNKNOWN)
    report = _sweep(walked_days + timedelta(days=1))
    assert (report.penalty["days_written"], report.penalty["days_revalued"]) == (1, 0)
    _state_is_the_last_days(t1.pk)
    assert PenaltyPosition.objects.get(tranche_id=t1.pk).total == Decimal("750") * 7


@pytest.mark.django_db(transaction=True)
def test_migration_0026_moves_each_position_to_a_row_of_its_own_and_back():
    """The positions the sweep kept go back to the tranche's columns and come out again as they were (migration
    0026: the narrow row the sweep rewrites every day); a tranche with nothing stored gets no row."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    populate(2, prefix="moved", ticker="MOVED")
    add_prices("MOVED")
    _sweep(date(2026, 12, 1))
    _sweep(date(2027, 2, 6))
    PenaltyPosition.objects.filter(tranche__deal__slug="moved-1", tranche__year=1).update(**UNKNOWN)
    fields = ("tranche_id", "first_day", "last_day", "day_count", "valued_at", "total", "cap", "capped")
    before = sorted(PenaltyPosition.objects.values_list(*fields))
    assert len(before) == 2 and before[1][-3:] == (None, None, None)
    executor = MigrationExecutor(connection)
    latest = [node for node in executor.loader.graph.leaf_nodes() if node[0] == "escrow"]
    executor.migrate([("escrow", "0025_penalty13")])
    executor = MigrationExecutor(connection)
    executor.migrate(latest)
    assert sorted(PenaltyPosition.objects.values_list(*fields)) == before


def test_the_positions_upsert_writes_what_the_orm_writes(db):
    """Issue 13: the hand-written upsert of the positions (PostgreSQL) and the ORM's (the SQLite demo) leave the same
    rows: a new one, one replaced, one whose state is not known."""
    from django.db import connection
    from django.utils import timezone

    from escrow.actions import accrual

    populate(1, prefix="upsert", ticker="UPSERT")
    t1, t2, t3 = Tranche.objects.filter(deal__slug="upsert-0").order_by("year")[:3]
    old = timezone.now() - timedelta(days=1)
    PenaltyPosition.objects.create(tranche=t2, first_day=date(2027, 1, 1), last_day=date(2027, 1, 2), day_count=2)
    positions = {
        t1.pk: (date(2027, 1, 30), date(2027, 2, 4), 6, Decimal("4500.00000000"), Decimal("375000.0"), False),
        t2.pk: (date(2027, 1, 1), date(2027, 1, 9), 9, Decimal("0E-8"), Decimal("0"), True),
        t3.pk: (date(2027, 1, 3), date(2027, 1, 3), 1, None, None, None),
    }
    fields = ("tranche_id", "first_day", "last_day", "day_count", "valued_at", "total", "cap", "capped")

    def written(write):
        PenaltyPosition.objects.exclude(tranche=t2).delete()
        PenaltyPosition.objects.filter(tranche=t2).update(day_count=2, total=Decimal(1), valued_at=old)
        write(positions, old + timedelta(hours=1))
        return sorted(PenaltyPosition.objects.filter(tranche__deal__slug="upsert-0").values_list(*fields))

    by_orm = written(accrual._create_or_update_positions)
    assert [row[3] for row in by_orm] == [6, 9, 1]
    if connection.vendor == "postgresql":
        assert written(accrual._upsert_positions) == by_orm
