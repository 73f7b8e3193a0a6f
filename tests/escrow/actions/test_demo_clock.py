"""Issue 12 item 9: the demo clock. Demo settings only; it moves the contract date forward, sweeps each day
passed, and every later action, page and PDF reads its date; each move is in the history."""

from datetime import date

import pytest

from escrow import actions
from escrow.actions.deadlines import sweep
from escrow.actions.democlock import MAX_DAYS, move_demo_clock, start_demo_clock
from escrow.contract.errors import InvalidInput, NotAllowed
from escrow.documents import facts
from escrow.history.chain import REFERENCE_CHAIN, chain_key_for, verify_chain
from escrow.models import DemoClock, HistoryChain, HistoryEntry, Notification, TrancheState
from escrow.models.clock import real_contract_today
from escrow.queries.clock import contract_today
from tests.conftest import tranche

YEAR_1_LAST_DAY = date(2026, 11, 30)  # SPA 1.4: assessment year 1 ends 30 Nov 2026


@pytest.fixture
def demo(settings):
    settings.DEMO_CLOCK = True
    return settings


def test_refused_everywhere_without_the_demo_setting(deposited, people, settings):
    settings.DEMO_CLOCK = False
    with pytest.raises(NotAllowed, match="no demo clock"):
        move_demo_clock(people["issuer"], step="day")
    with pytest.raises(NotAllowed):
        start_demo_clock(YEAR_1_LAST_DAY)
    # A row left in the database by a demo is never read with the setting off.
    DemoClock.objects.create(pk=1, day=date(2030, 1, 1), moved_at="2026-01-01T00:00:00Z")
    assert contract_today() == real_contract_today() == facts.contract_today()


def test_one_day_opens_year_1_and_the_move_is_in_the_history(demo, deposited, people):
    """SPA 5.1: the day after the year ends, the sweep run for that day opens it for the report."""
    assert start_demo_clock(YEAR_1_LAST_DAY)
    assert contract_today() == YEAR_1_LAST_DAY == facts.contract_today()
    assert tranche(deposited, 1).state == TrancheState.SCHEDULED

    move = move_demo_clock(people["issuer"], step="day")

    assert (move.start, move.end, move.days, move.opened) == (YEAR_1_LAST_DAY, date(2026, 12, 1), 1, 1)
    assert contract_today() == date(2026, 12, 1)
    assert tranche(deposited, 1).state == TrancheState.AWAITING_REPORT
    year_ended = HistoryEntry.objects.get(deal=deposited, action="year_ended")
    assert year_ended.summary.startswith("Assessment year 1 ended on 2026-11-30")
    for key in (REFERENCE_CHAIN, chain_key_for(deposited)):
        entry = HistoryEntry.objects.filter(chain__key=key, action="demo_clock_moved").latest("seq")
        assert entry.actor == people["issuer"]
        assert entry.details | {} == {
            "from": "2026-11-30",
            "to": "2026-12-01",
            "days_swept": 1,
            "opened": 1,
            "notifications": move.notifications,
            "missed": 0,
            "started": False,
        }
        assert verify_chain(HistoryChain.objects.get(key=key)).ok


def test_a_week_at_a_time_sends_the_reminders_of_the_days_passed(demo, deposited, people):
    """The report is due 60 days after the year (SPA 5.1: 29 Jan 2027); the sweep reminds 7, 3 and 1 day(s)
    before, each on its own day, as beat would have."""
    start_demo_clock(date(2027, 1, 20))
    move_demo_clock(people["agent1"], to="2027-01-29")
    reminders = Notification.objects.filter(user=people["auditor"], dedupe_key__contains="reminder")
    assert sorted(n.dedupe_key.split(":")[-2] for n in reminders) == ["1", "3", "7"]
    move_demo_clock(people["agent1"], step="week")
    assert HistoryEntry.objects.filter(deal=deposited, action="deadline_missed").count() == 1
    assert contract_today() == date(2027, 2, 5)


def test_later_actions_are_dated_by_the_demo_clock(demo, kaixin, people):
    start_demo_clock(date(2025, 12, 10))
    actions.confirm_deposit(people["agent1"], kaixin, reference="DRS-0001")
    entry = HistoryEntry.objects.get(deal=kaixin, action="deposit_confirmed")
    assert (entry.details["confirmed_on"], entry.details["late"]) == ("2025-12-10", False)
    # The sweep never runs ahead of the demo's date either (clocks only move forward).
    with pytest.raises(InvalidInput, match="2025-12-10"):
        sweep(today=date(2025, 12, 11))


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"to": "2026-11-30"}, "only moves forward"),
        ({"to": "2026-11-01"}, "only moves forward"),
        ({"to": "2027-12-02"}, f"at most {MAX_DAYS} days"),
        ({"to": "30/11/2027"}, "YYYY-MM-DD"),
        ({"step": "month"}, "a day or a week"),
        ({}, "either a date or a step"),
        ({"to": "2026-12-02", "step": "day"}, "either a date or a step"),
    ],
)
def test_refuses_a_move_back_too_far_or_unclear_and_writes_nothing(demo, deposited, people, kwargs, words):
    start_demo_clock(YEAR_1_LAST_DAY)
    before = HistoryEntry.objects.count()
    with pytest.raises(InvalidInput, match=words):
        move_demo_clock(people["issuer"], **kwargs)
    assert contract_today() == YEAR_1_LAST_DAY
    assert HistoryEntry.objects.count() == before


def test_only_the_demos_people_and_staff_move_it(demo, deposited, people, outsider, admin_user):
    with pytest.raises(NotAllowed):
        move_demo_clock(outsider, step="day")
    move_demo_clock(admin_user, step="day")  # platform staff: no role needed
    move_demo_clock(people["compliance"], step="day")


def test_started_once_never_moved_back(demo, deposited):
    assert start_demo_clock(YEAR_1_LAST_DAY)
    assert not start_demo_clock(date(2026, 1, 1))
    assert contract_today() == YEAR_1_LAST_DAY
