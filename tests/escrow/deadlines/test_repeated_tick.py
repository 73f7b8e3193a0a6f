"""Issue 13 item 4: beat ticks every few minutes, so a tick with nothing new must stay cheap. After a
deadline is missed, every later tick finds the notices sent and the history written in SQL, writes
nothing, and issues the same few queries whatever the number of deals (docs/performance.md)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.world import add_prices, populate
from escrow.actions.deadlines import STEP_DEADLINES, sweep
from escrow.models import Deal, HistoryEntry, Notification, Tranche, TrancheState
from escrow.queries.steps import next_step

from .conftest import on, written

pytestmark = pytest.mark.django_db

MISSED = date(2027, 2, 15)  # the year-1 release deadline (2027-01-29) passed 17 days ago
WRITES = ("INSERT", "UPDATE", "DELETE", "COPY")


def _repeat_after_a_missed_deadline(n, prefix):
    populate(n, prefix=prefix, ticker=prefix.upper())
    add_prices(prefix.upper())
    for day in (date(2026, 12, 1), date(2027, 1, 23), MISSED):
        with on(day):
            sweep(today=day)
    assert HistoryEntry.objects.filter(deal__slug__startswith=prefix, action="deadline_missed").count() == n
    before = written()
    with on(MISSED, hour=10), CaptureQueriesContext(connection) as ctx:
        report = sweep(today=MISSED)
    assert written() == before
    assert (report.opened, report.notifications, report.missed, report.penalty["days_written"]) == (0, 0, 0, 0)
    assert not [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]
    return len(ctx.captured_queries)


def test_a_repeated_tick_after_a_missed_deadline_is_constant_and_writes_nothing(require_postgres):
    small = _repeat_after_a_missed_deadline(2, "rsmall")
    Deal.objects.update(state=Deal.State.CLOSED)  # the first world drops out of every sweep query
    big = _repeat_after_a_missed_deadline(12, "rbig")
    assert small == big, f"queries of a repeated tick: 2 deals {small}, 12 deals {big}"
    assert small <= 7  # 5 for the deadlines and penalty days, 1 for the vote cut-offs, 1 for the fee invoices


def test_a_new_step_on_the_same_deadline_is_still_reminded(deposited, people, kxin_prices):
    """The SQL that skips what is sent keys on the step: the report filed after the missed deadline
    moves the tranche to the joint instruction, whose missed notice (same deadline) is new."""
    from escrow import actions
    from tests.conftest import make_pdf, tranche

    for day in (date(2026, 12, 1), date(2027, 1, 30)):
        with on(day):
            sweep(today=day)
    t = tranche(deposited, 1)
    with on(date(2027, 1, 31)):
        sweep(today=date(2027, 1, 31))  # a repeat: nothing new
        actions.file_report(
            people["auditor"], t.pk, audited_revenue="665000000", pdf=make_pdf("Year 1"), original_name="r.pdf"
        )
        report = sweep(today=date(2027, 1, 31))
    keys = set(Notification.objects.filter(tranche=t).values_list("dedupe_key", flat=True))
    assert f"reminder:t{t.pk}:sign_joint_instruction:2027-01-29:missed:u{people['issuer'].pk}" in keys
    assert report.missed == 1


def test_a_missed_deposit_is_recorded_once(kaixin, people):
    """EA 1.1: the deposit's deadline comes from the calendar, so its keys are checked in Python."""
    day = date(2026, 1, 20)
    with on(day):
        first = sweep(today=day)
        before = written()
        again = sweep(today=day)
    assert first.missed == 1 and first.notifications > 0
    assert (again.missed, again.notifications) == (0, 0) and written() == before


@pytest.mark.parametrize("state", list(TrancheState))
@pytest.mark.parametrize("settle", [False, True])
def test_the_sql_keys_agree_with_next_step(state, settle):
    """STEP_DEADLINES (the SQL's state -> action and deadline) says what queries.next_step says."""
    release, transfer = date(2027, 1, 29), date(2027, 2, 22)
    probe = Tranche(
        deal=Deal(state=Deal.State.IN_ESCROW),  # a released year says what happened (issue 12 item 4)
        state=state,
        calculation={"requires_settlement": True} if settle else {},
        period_end=date(2026, 11, 30),
        release_due_date=release,
        transfer_due_date=transfer,
    )
    step = next_step(probe, signed_roles=set())
    row = next((r for r in STEP_DEADLINES if r[0] == state and (r[1] is None or r[1] == settle)), None)
    if row is None:
        assert not (step.roles and step.due), f"{state}: next_step reminds of {step.action}, the SQL does not"
        return
    assert (row[2], getattr(probe, row[3])) == (step.action, step.due)
