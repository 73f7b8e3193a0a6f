"""Year 1 of the Kaixin deal walked day by day on a frozen clock, the sweep ticking every day.

Year end 2026-11-30; SPA 5.1 release deadline 2027-01-29; the purchaser signs late (2027-02-02), so
the EA 3.2 transfer is due 10 business days later across Spring Festival 2027. The holidays package
has no make-up working days for 2027 yet (it is provisional, P6), so the engine computes 2027-02-22
(5-10 Feb off; a naive weekday count would say 2027-02-16); this test asserts what the engine computes.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail

from escrow import actions
from escrow.actions.deadlines import sweep
from escrow.models import HistoryEntry, Instrument, Notification, PenaltyDay
from escrow.notifications import outbox
from escrow.queries.penalties import penalty_table
from tests.conftest import PASSWORD, make_pdf, tranche
from tests.escrow.call_backs import confirm_call_back

from .conftest import days, on

pytestmark = pytest.mark.django_db

YEAR_END, RELEASE_DUE, TRANSFER_DUE = date(2026, 11, 30), date(2027, 1, 29), date(2027, 2, 22)


def _sign(deal, who, people):
    instruction = tranche(deal, 1).instruments.get(kind=Instrument.Kind.JOINT_INSTRUCTION, status="open")
    actions.sign_instrument(
        people[who],
        instruction.pk,
        expected_sha256=instruction.document.sha256,
        password=PASSWORD,
        ip="127.0.0.1",
        user_agent="pytest",
    )


def _release(deal, people):
    t = tranche(deal, 1)
    digest = t.instruments.get(kind=Instrument.Kind.JOINT_INSTRUCTION, status="effective").document.sha256
    actions.prepare_release(people["agent1"], t.pk, expected_sha256=digest, password=PASSWORD)
    confirm_call_back(deal, people, t)  # issue 10 item 2
    actions.approve_release(
        people["agent2"], t.pk, expected_sha256=digest, transfer_reference="TA-2027-1", password=PASSWORD
    )


def _act(day, deal, people):
    """What the parties do on `day`, before that day's sweep."""
    t = tranche(deal, 1)
    if day == date(2027, 1, 27):
        actions.file_report(
            people["auditor"], t.pk, audited_revenue="665000000", pdf=make_pdf("Year 1"), original_name="report-1.pdf"
        )
    elif day == date(2027, 1, 28):
        _sign(deal, "issuer", people)
    elif day == date(2027, 2, 2):
        _sign(deal, "purchaser", people)
    elif day == date(2027, 2, 24):
        _release(deal, people)


@pytest.fixture
def walked(deposited, people, kxin_prices):
    for day in days(date(2026, 11, 20), date(2027, 3, 3)):
        with on(day):
            _act(day, deposited, people)
            sweep(today=day)
    return tranche(deposited, 1)


def _keys(user):
    return {k.rsplit(":u", 1)[0] for k in Notification.objects.filter(user=user).values_list("dedupe_key", flat=True)}


def test_the_year_opens_the_day_after_it_ends(walked, people):
    entry = HistoryEntry.objects.get(tranche=walked, action="year_ended")
    assert entry.at.date() == date(2026, 12, 1)  # the first sweep after 2026-11-30 (clock frozen at 10:00)
    assert f"year-ended:{walked.pk}" in _keys(people["auditor"]) & _keys(people["issuer"])
    assert entry.actor is None and entry.clause == "SPA 5.1"
    assert entry.details["release_due_date"] == "2027-01-29"
    assert walked.state == "released" and walked.released_on == date(2027, 2, 24)


def test_transfer_due_across_spring_festival_is_what_the_engine_computes(walked):
    """EA 3.2: 10 business days after 2027-02-02 on the CN calendar without 2027 make-up days."""
    assert walked.documents_complete_on == date(2027, 2, 2)
    assert walked.transfer_due_date == TRANSFER_DUE


def test_reminders_go_to_whoever_must_act_7_3_1_days_before_and_when_missed(walked, people):
    t = walked.pk
    assert _keys(people["auditor"]) >= {
        f"reminder:t{t}:file_report:2027-01-29:7",
        f"reminder:t{t}:file_report:2027-01-29:3",
    }
    assert f"reminder:t{t}:file_report:2027-01-29:1" not in _keys(people["auditor"])  # filed the day before
    assert f"reminder:t{t}:sign_joint_instruction:2027-01-29:3" in _keys(people["issuer"])
    assert f"reminder:t{t}:sign_joint_instruction:2027-01-29:1" not in _keys(people["issuer"])  # signed 01-28
    purchaser = _keys(people["purchaser"])
    assert {f"reminder:t{t}:sign_joint_instruction:2027-01-29:{m}" for m in (3, 1, "missed")} <= purchaser
    for agent in ("agent1", "agent2"):
        assert {f"reminder:t{t}:prepare_release:2027-02-22:{m}" for m in (7, 3, 1, "missed")} <= _keys(people[agent])
    seller = _keys(people["seller"])  # owed the penalty: told of every missed deadline
    assert seller >= {
        f"reminder:t{t}:sign_joint_instruction:2027-01-29:missed",
        f"reminder:t{t}:prepare_release:2027-02-22:missed",
    }


def test_every_notification_is_emailed_once(walked):
    assert outbox.drain() == Notification.objects.count()
    assert len(mail.outbox) == Notification.objects.count()
    assert outbox.drain() == 0


def test_missed_deadlines_are_in_the_history_once(walked):
    missed = HistoryEntry.objects.filter(tranche=walked, action="deadline_missed").order_by("seq")
    assert [(e.details["action"], e.details["due"]) for e in missed] == [
        ("sign_joint_instruction", "2027-01-29"),
        ("prepare_release", "2027-02-22"),
    ]


def test_penalty_days_issuer_then_nobody_then_agent(walked):
    """SPA 8.2 / EA 5.2: issuer while unsigned after the deadline; nobody in the agent's EA 3.2 period;
    the agent after it; nothing from the release day on."""
    rows = list(PenaltyDay.objects.filter(tranche=walked).order_by("day"))
    assert [r.day for r in rows] == list(days(date(2027, 1, 30), date(2027, 2, 23)))
    liable = {r.day: r.liable for r in rows}
    assert [d for d, who in liable.items() if who == "issuer"] == [
        date(2027, 1, 30),
        date(2027, 1, 31),
        date(2027, 2, 1),
    ]
    assert [d for d, who in liable.items() if who == "escrow_agent"] == [date(2027, 2, 23)]
    saturday = rows[0]
    assert (saturday.price, saturday.price_date) == (Decimal("2.5"), date(2027, 1, 29))  # last close, SPA 8.2
    assert saturday.amount == Decimal("750")  # 0.01% x 3,000,000 x 2.50


def test_penalty_table(walked):
    table = penalty_table(walked)
    assert table.total == Decimal("3000") and table.cap == Decimal("375000") and not table.capped
    assert table.by_party == {"issuer": Decimal("2250"), "escrow_agent": Decimal("750")}
    assert table.liable_days == {"issuer": 3, "escrow_agent": 1}
    assert table.complete and table.accrued_through == date(2027, 2, 23)
    first = table.rows[0]
    assert (first.shares, first.liable_label, first.running_total) == (3_000_000, "Issuer (Party A)", Decimal("750"))
