"""Issue 10 item 5: the nightly verification runs once per contract day, and when a deal's records were changed
outside the portal it alerts that deal's compliance people and the staff (escrow.actions.verification)."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone, translation

from escrow.actions.checkpoints import make_checkpoint
from escrow.actions.verification import SUBJECT, run_nightly_verification
from escrow.history import chain as history
from escrow.models import HistoryChain, Notification, OutboxMessage, VerificationRun
from escrow.tasks import verify_records
from tests.factories import make_deal
from tests.security.insider import sql, triggers_off

pytestmark = pytest.mark.django_db
DAY = date(2027, 1, 5)


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("ops", email="ops@x.invalid", password="x", is_staff=True)


def tamper_state(deal):
    """What someone at a psql prompt does: no action, no history entry."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE escrow_tranche SET state = 'released' WHERE deal_id = %s AND year = 5", [deal.pk])


def test_a_clean_night_is_recorded_once_and_alerts_nobody(deposited, staff):
    run = run_nightly_verification(today=DAY)
    assert (run.day, run.ok, run.failures) == (DAY, True, [])
    assert run.deals >= 1 and run.chains >= 2 and run.finished_at
    assert run_nightly_verification(today=DAY) is None  # the other hourly ticks of the day
    assert not Notification.objects.filter(dedupe_key__startswith="verification:").exists()


def test_a_difference_alerts_the_deals_compliance_and_the_staff(deposited, people, staff):
    _, other_people = make_deal("quiet")
    tamper_state(deposited)
    run = run_nightly_verification(today=DAY)
    assert run.ok is False
    assert run.failures == [
        {
            "deal": deposited.slug,
            "problem": f"deal {deposited.slug}: year 5 is released; its history ends in scheduled "
            "(no transition recorded)",
        }
    ]
    alerts = Notification.objects.filter(dedupe_key__startswith=f"verification:{DAY}:")
    compliance = alerts.get(user=people["compliance"])
    assert compliance.deal == deposited and "found records changed outside the portal" in compliance.subject
    assert "year 5 is released" in compliance.body and "verify_history" in compliance.body
    assert not alerts.filter(user=other_people["compliance"]).exists()  # the untouched deal is not alarmed
    assert alerts.filter(user__in=[people["issuer"], people["seller"]]).count() == 0  # compliance only
    ops = alerts.get(user=staff)
    assert ops.deal is None and ops.subject == f"Nightly verification of {DAY}: 1 problem found"
    assert OutboxMessage.objects.filter(notification=ops, to_email="ops@x.invalid").exists()
    count = alerts.count()
    assert run_nightly_verification(today=DAY) is None and alerts.count() == count


def test_the_alert_is_in_each_readers_language(deposited, people, staff):
    people["compliance"].language = "zh-hans"
    people["compliance"].save(update_fields=["language"])
    tamper_state(deposited)
    run_nightly_verification(today=DAY)
    note = Notification.objects.get(user=people["compliance"], dedupe_key__startswith="verification:")
    with translation.override("zh-hans"):  # rendered in the reader's language, not the worker's
        assert note.subject == SUBJECT % {"deal": deposited.name}


def test_a_run_whose_worker_died_is_claimed_again(deposited):
    VerificationRun.objects.create(day=DAY, started_at=timezone.now() - timedelta(hours=3))
    run = run_nightly_verification(today=DAY)
    assert run is not None and run.ok is True
    VerificationRun.objects.create(day=DAY + timedelta(days=1), started_at=timezone.now())
    assert run_nightly_verification(today=DAY + timedelta(days=1)) is None  # still running elsewhere


def test_the_task_runs_it_and_beat_ticks_it(deposited):
    assert verify_records(day=DAY.isoformat()) == {"day": DAY.isoformat(), "ok": True, "failures": 0}
    assert verify_records(day=DAY.isoformat()) is None
    entry = settings.CELERY_BEAT_SCHEDULE["verify-records"]
    assert entry["task"] == "escrow.tasks.verify_records" and entry["schedule"] <= 3600


def test_the_night_checks_the_chains_against_the_signed_checkpoints(deposited, people, staff):
    """Someone holding the HMAC key rewrites the deposit's entry and every later hash: only the heads the
    parties were sent (item 4) show it, and the nightly run reads them too."""
    make_checkpoint(day=DAY - timedelta(days=1))
    chain = HistoryChain.objects.get(key=history.chain_key_for(deposited))
    entries = list(chain.entries.order_by("seq"))
    victim = next(e for e in entries if e.action == "deposit_confirmed")
    prev = entries[victim.seq - 2].hash
    with triggers_off("escrow_historyentry", "escrow_historychain"):
        for entry in entries[victim.seq - 1 :]:
            entry.summary = "16,000,000 shares deposited" if entry.pk == victim.pk else entry.summary
            entry.prev_hash = prev
            prev = history.compute_hash(entry)
            sql(
                "UPDATE escrow_historyentry SET summary = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [entry.summary, entry.prev_hash, prev, entry.pk],
            )
        sql("UPDATE escrow_historychain SET head_hash = %s WHERE id = %s", [prev, chain.pk])
    run = run_nightly_verification(today=DAY)
    assert run.ok is False
    assert any(f["deal"] == deposited.slug and "has a different hash" in f["problem"] for f in run.failures)
    assert Notification.objects.filter(user=people["compliance"], dedupe_key__startswith="verification:").exists()
