"""Idempotent by construction: a repeat, two beats at once, or a pause of the scheduler writes each
fact once (unique keys: tranche + day for penalty days, dedupe keys for notifications)."""

import threading
from datetime import date

import pytest
from django.db import connection

from escrow.actions.deadlines import sweep
from escrow.models import PenaltyDay, PenaltyPosition
from tests.conftest import open_and_file, tranche

from .conftest import days, on, written

pytestmark = pytest.mark.django_db


@pytest.fixture
def late(deposited, people, kxin_prices):
    """Year 1 reported, the joint instruction never signed: the issuer is late from 2027-01-30."""
    with on(date(2027, 1, 20)):
        open_and_file(deposited, people, 1, "665000000", today=date(2027, 1, 20))
    return tranche(deposited, 1)


def test_a_second_run_for_the_same_day_writes_nothing(late):
    with on(date(2027, 2, 10)):
        first = sweep(today=date(2027, 2, 10))
        before = written()
        again = sweep(today=date(2027, 2, 10))
    assert written() == before
    assert first.penalty["days_written"] == 11 and again.penalty["days_written"] == 0
    assert (again.opened, again.notifications, again.missed, again.penalty["days_revalued"]) == (0, 0, 0, 0)


def test_scheduler_down_for_5_days_then_caught_up(late):
    """Beat stops after the 2027-02-03 run; the 2027-02-09 run accrues every missed day, once, and
    sends only the reminders still meaningful (no stale 'in 3 days')."""
    for day in days(date(2027, 1, 25), date(2027, 2, 3)):
        with on(day):
            sweep(today=day)
    assert PenaltyDay.objects.filter(tranche=late).latest("day").day == date(2027, 2, 2)
    with on(date(2027, 2, 9)):  # beat is back: its first run catches up
        report = sweep(today=date(2027, 2, 9))
    assert report.penalty["days_written"] == 6
    rows = list(PenaltyDay.objects.filter(tranche=late).order_by("day"))
    assert [r.day for r in rows] == list(days(date(2027, 1, 30), date(2027, 2, 8)))
    assert all(r.liable == "issuer" for r in rows)
    assert [r.running_total for r in rows] == [750 * (i + 1) for i in range(len(rows))]


def test_the_same_result_as_running_every_day(deposited, people, kxin_prices, late):
    for day in days(date(2027, 1, 28), date(2027, 2, 12)):
        with on(day):
            sweep(today=day)
    daily = list(
        PenaltyDay.objects.filter(tranche=late).order_by("day").values_list("day", "liable", "amount", "running_total")
    )
    PenaltyDay.objects.all().delete()  # back to no stored day: the tranches' positions too (issue 13)
    PenaltyPosition.objects.all().delete()
    with on(date(2027, 2, 12)):
        sweep(today=date(2027, 2, 12))
    assert (
        list(
            PenaltyDay.objects.filter(tranche=late)
            .order_by("day")
            .values_list("day", "liable", "amount", "running_total")
        )
        == daily
    )


@pytest.mark.django_db(transaction=True)
def test_two_beats_at_once(require_postgres, late):
    """Two sweeps for the same day at the same moment (two beat processes, or a task delivered twice)."""
    errors, barrier = [], threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            sweep(today=date(2027, 2, 10))
        except Exception as exc:  # reported below: the test must see it
            errors.append(exc)
        finally:
            connection.close()

    with on(date(2027, 2, 10)):  # the frozen clock is the process's: both threads read it
        threads = [threading.Thread(target=run) for _ in range(2)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        assert errors == []
        before = written()
        assert before["penalty_days"] == 11
        sweep(today=date(2027, 2, 10))
        assert written() == before


def test_nothing_is_scheduled_ahead(late, django_capture_on_commit_callbacks):
    """No ETA/countdown: the only thing queued is an immediate outbox drain, after commit."""
    from unittest import mock

    from celery import current_app

    with (
        on(date(2027, 1, 30)),
        mock.patch.object(current_app, "send_task") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        sweep(today=date(2027, 1, 30))
    assert send.call_count >= 1
    for call in send.call_args_list:
        assert call.args == ("escrow.tasks.drain_outbox",)  # sent by name: nothing imports escrow.tasks
        assert not {"eta", "countdown"} & set(call.kwargs)


def test_the_day_itself_is_not_accrued_before_it_ends(late):
    with on(date(2027, 1, 30)):
        sweep(today=date(2027, 1, 30))
    assert not PenaltyDay.objects.exists()
    with on(date(2027, 1, 31)):
        sweep(today=date(2027, 1, 31))
    assert list(PenaltyDay.objects.values_list("day", flat=True)) == [date(2027, 1, 30)]


def test_the_sweep_command(late):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = StringIO()
    with on(date(2027, 2, 3)):
        call_command("sweep", "--date", "2027-02-03", stdout=out)
        assert "sweep 2027-02-03:" in out.getvalue() and "4 day(s) written" in out.getvalue()
        out = StringIO()
        call_command("sweep", "--date", "2027-02-03", "--json", stdout=out)
        assert '"days_written": 0' in out.getvalue()
        with pytest.raises(CommandError, match="YYYY-MM-DD"):
            call_command("sweep", "--date", "3 Feb")
        with pytest.raises(CommandError, match="Cannot sweep 2027-02-04"):  # clocks only move forward
            call_command("sweep", "--date", "2027-02-04")


def test_the_tranche_columns_follow_its_stored_days(late, people):
    """Issue 13: where the stored days stand (first, last, count, when last valued) is kept by the accrual in the
    transaction that writes them, daily (the incremental path), across a corrected close (a full revaluation)
    and a catch-up; the sweep reads these columns instead of every stored day."""
    from django.db.models import Count, Max, Min

    from escrow.actions.prices import correct_share_price
    from escrow.models import SharePrice

    def check():
        row = PenaltyPosition.objects.get(tranche=late)
        stored = PenaltyDay.objects.filter(tranche=late).aggregate(
            first=Min("day"), last=Max("day"), count=Count("id"), valued=Max("computed_at")
        )
        columns = (row.first_day, row.last_day, row.day_count, row.valued_at)
        assert columns == (stored["first"], stored["last"], stored["count"], stored["valued"])

    for day in days(date(2027, 1, 31), date(2027, 2, 4)):
        with on(day):
            sweep(today=day)
        check()
    with on(date(2027, 2, 4), hour=11):
        correct_share_price(people["issuer"], SharePrice.objects.get(day=date(2027, 2, 1)), "2.6000", "typo")
    with on(date(2027, 2, 4), hour=12):
        assert sweep(today=date(2027, 2, 4)).penalty["days_revalued"] == 3
    check()
    with on(date(2027, 2, 9)):
        assert sweep(today=date(2027, 2, 9)).penalty["days_written"] == 5
    check()
