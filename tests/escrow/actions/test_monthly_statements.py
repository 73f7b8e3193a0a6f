"""Monthly statements by email at period end (issue 14 item 6): once a month has ended (Beijing), each party's
people are told their statement for it is ready, with its link; the dedupe key `statement:<deal>:<role>:<YYYY-MM>`
makes a repeated tick send nothing."""

from datetime import date

import pytest
from django.conf import settings
from django.urls import reverse

from escrow import tasks
from escrow.actions.statements import send_monthly_statements
from escrow.models import Notification, OutboxMessage
from tests.escrow.as_of_world import TOTAL, on, walk_year_one

pytestmark = pytest.mark.django_db


@pytest.fixture
def walked(django_user_model):
    return walk_year_one(django_user_model)


def test_on_the_first_of_the_month_each_party_hears_of_its_statement_once(walked):
    deal, people = walked
    with on(date(2027, 2, 1), hour=0):
        created = send_monthly_statements()
        assert send_monthly_statements() == 0  # the next hourly tick
    assert created > 0
    for role, username in (("seller", "seller"), ("issuer", "issuer"), ("escrow_agent", "agent1")):
        note = Notification.objects.get(user=people[username], dedupe_key__startswith=f"statement:{deal.slug}:{role}:")
        assert note.dedupe_key == f"statement:{deal.slug}:{role}:2027-01:u{people[username].pk}"
        url = reverse("escrow:deal_statement", args=[deal.slug]) + "?start=2027-01-01&end=2027-01-31"
        assert url in note.body and "2027-01" in note.subject
        assert f"{TOTAL - 3_000_000:,}" in note.body
    assert OutboxMessage.objects.filter(notification__dedupe_key__startswith="statement:").exists()
    # the auditor reads no statement (not a use case of its role)
    assert not Notification.objects.filter(dedupe_key__startswith=f"statement:{deal.slug}:auditor:").exists()


def test_a_missed_first_is_caught_up_and_the_next_month_is_its_own(walked):
    _deal, people = walked
    with on(date(2027, 2, 3)):
        assert tasks.send_statements() > 0  # the beat was down on the 1st
    with on(date(2027, 3, 1)):
        assert tasks.send_statements("2027-03-01") > 0
    keys = set(
        Notification.objects.filter(user=people["seller"], dedupe_key__startswith="statement:").values_list(
            "dedupe_key", flat=True
        )
    )
    assert {k.rsplit(":", 2)[1] for k in keys} == {"2027-01", "2027-02"}


def test_a_month_before_the_deal_was_in_the_portal_sends_nothing(walked):
    with on(date(2026, 12, 10)):  # November 2026: the deal was created on 2 December
        assert send_monthly_statements() == 0


def test_the_chinese_reader_reads_chinese(walked):
    _deal, people = walked
    seller = people["seller"]
    seller.language = "zh-hans"
    seller.save(update_fields=["language"])
    with on(date(2027, 2, 1)):
        send_monthly_statements()
    note = Notification.objects.get(user=seller, dedupe_key__startswith="statement:")
    assert "对账单" in note.subject


def test_beat_ticks_the_task_hourly():
    entry = settings.CELERY_BEAT_SCHEDULE["send-statements"]
    assert entry["task"] == "escrow.tasks.send_statements" and entry["schedule"] == 3600
