"""Clocks only move forward (issue 9 item 5): the sweep refuses a day after today's contract date
(Asia/Shanghai), whoever asks (the command, the Celery task, the action), and writes nothing at all;
a past day is still swept (catching up after a pause)."""

import io
from datetime import date, datetime
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from escrow.actions.deadlines import sweep
from escrow.contract.errors import InvalidInput
from escrow.management.commands.sweep import Command
from escrow.models import HistoryEntry, Notification, OutboxMessage, PenaltyDay, Tranche
from tests.conftest import SHANGHAI, open_and_file, tranche

pytestmark = pytest.mark.django_db


def at(y, m, d, hh=10, mm=0):
    return time_machine.travel(datetime(y, m, d, hh, mm, tzinfo=SHANGHAI), tick=False)


def written():
    """Everything a sweep writes: history, penalty days, notifications and their emails, tranche states."""
    return {
        "history": HistoryEntry.objects.filter(deal__isnull=False).count(),
        "penalty_days": PenaltyDay.objects.count(),
        "notifications": Notification.objects.count(),
        "outbox": OutboxMessage.objects.count(),
        "tranches": list(Tranche.objects.order_by("pk").values_list("state", "release_due_date")),
    }


@pytest.fixture
def late(deposited, people):
    """Year 1 (ended 2026-11-30) reported on 2027-01-20, the joint instruction never signed: from
    2027-01-30 the issuer is late (SPA 5.1 deadline 2027-01-29), so any sweep after that writes."""
    with at(2027, 1, 20):
        open_and_file(deposited, people, 1, "665000000", today=date(2027, 1, 20))
    return tranche(deposited, 1)


@pytest.mark.parametrize("ahead", ["2027-02-11", "2027-03-01", "2031-12-31"])
def test_the_command_refuses_a_day_after_today_and_writes_nothing(late, ahead):
    with at(2027, 2, 10):
        before = written()
        with pytest.raises(CommandError) as refused:
            call_command("sweep", "--date", ahead, stdout=io.StringIO())
        assert str(refused.value) == (
            f"Cannot sweep {ahead}: today's contract date (Asia/Shanghai) is 2027-02-10, and the sweep never "
            "runs ahead of it (what it writes cannot be undone). Give a date up to 2027-02-10, or none."
        )
        assert written() == before


def test_from_the_shell_it_is_one_line_on_stderr_and_exit_status_1(late, capsys):
    with at(2027, 2, 10), mock.patch("django.core.management.base.connections"):
        before = written()
        with pytest.raises(SystemExit) as exited:
            Command().run_from_argv(["manage.py", "sweep", "--date", "2027-02-11"])
        assert exited.value.code == 1
        assert written() == before
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("CommandError: Cannot sweep 2027-02-11: ")


def test_the_action_and_the_task_are_refused_too(late):
    """The refusal is in the sweep itself: the Celery task, the command and any caller meet it."""
    with at(2027, 2, 10):
        before = written()
        with pytest.raises(InvalidInput, match="Cannot sweep 2027-02-11"):
            sweep(today=date(2027, 2, 11))
        from escrow.tasks import sweep as task

        result = task.apply(args=["2027-02-11"])
        assert result.failed() and isinstance(result.result, InvalidInput)
        assert written() == before


def test_today_and_past_days_are_swept(late):
    """Catching up is allowed: a past day writes what was due then, today writes through yesterday."""
    with at(2027, 2, 10):
        call_command("sweep", "--date", "2027-02-01", stdout=io.StringIO())
        assert list(PenaltyDay.objects.values_list("day", flat=True).order_by("day")) == [
            date(2027, 1, 30),
            date(2027, 1, 31),
        ]
        call_command("sweep", stdout=io.StringIO())  # today: 2027-02-10
        assert PenaltyDay.objects.latest("day").day == date(2027, 2, 9)
        call_command("sweep", "--date", "2027-02-10", stdout=io.StringIO())  # today, given: the same run
        assert PenaltyDay.objects.count() == 11


def test_the_contract_day_is_shanghais_not_utcs(late):
    """At 23:30 in Shanghai on 2027-02-10 it is 15:30 UTC: 2027-02-11 is still tomorrow. Half an hour
    later, at 16:00 UTC on the 10th, it is the 11th in Shanghai and the 11th may be swept."""
    with at(2027, 2, 10, 23, 30), pytest.raises(InvalidInput):
        sweep(today=date(2027, 2, 11))
    with at(2027, 2, 11, 0, 0):
        assert sweep(today=date(2027, 2, 11)).today == date(2027, 2, 11)


@pytest.mark.parametrize("typed", ["3 Feb", "20270203", "2027-W05-3", "2027-2-3", "２０２７-02-03", ""])
def test_the_date_is_yyyy_mm_dd_only(late, typed):
    with at(2027, 2, 10):
        before = written()
        with pytest.raises(CommandError, match="YYYY-MM-DD"):
            call_command("sweep", "--date", typed, stdout=io.StringIO())
        assert written() == before
