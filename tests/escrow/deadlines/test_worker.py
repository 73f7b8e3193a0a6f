"""With a real Redis and a real Celery worker: a task delivered twice, and the broker down while
the parties sign. Needs PostgreSQL (the worker is another process on the same test database)."""

import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.db.models import Q

from config.celery import app
from escrow import actions, tasks
from escrow.models import FeeInvoice, Instrument, Notification, OutboxMessage, PenaltyDay
from tests.conftest import PASSWORD, open_and_file, tranche

from .conftest import on, written
from .worker import Worker, broker, database_url, redis_url

pytestmark = pytest.mark.django_db(transaction=True)


WORKER_NOW = datetime(2027, 2, 10, 20, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def worker(django_db_setup, tmp_path_factory):
    if connection.vendor != "postgresql":
        pytest.fail("The worker tests need PostgreSQL: run them through bin/test (DATABASE_URL).", pytrace=False)
    url = redis_url()
    redis.Redis.from_url(url).flushdb()  # the test database of Redis: no stale messages
    tmp = tmp_path_factory.mktemp("worker")
    (tmp / "mail").mkdir()
    with broker(url):
        process = Worker(
            redis_url=url,
            db_url=database_url(connection.settings_dict),
            mail_dir=tmp / "mail",
            log=tmp / "worker.log",
            now=WORKER_NOW,  # the sweeps below catch up 2027-02-10; the sweep never runs ahead of today
        )
        try:
            yield process
        finally:
            process.stop()


@pytest.fixture
def late(worker, deposited, people, kxin_prices):
    with on(date(2027, 1, 20)):
        open_and_file(deposited, people, 1, "665000000", today=date(2027, 1, 20))
    _settle(worker)
    return tranche(deposited, 1)


def _settle(worker):
    """Wait until the worker has nothing queued, nothing running and nothing left to send."""
    client = redis.Redis.from_url(app.conf.broker_url)

    def idle():
        return (
            client.llen("celery") == 0
            and client.hlen("unacked") == 0
            and not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
        )

    worker.wait_for(idle, what="the worker to finish its queue", timeout=30)


def test_tasks_are_late_acked_and_beat_names_real_tasks():
    assert tasks.sweep.acks_late and tasks.sweep.reject_on_worker_lost
    assert tasks.drain_outbox.acks_late and tasks.drain_outbox.reject_on_worker_lost
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert names == {
        "escrow.tasks.sweep",
        "escrow.tasks.drain_outbox",
        "escrow.tasks.checkpoint",  # issue 10 item 4: the daily signed checkpoint
        "escrow.tasks.verify_records",  # issue 10 item 5: the nightly verification
        "escrow.tasks.send_statements",  # issue 14 item 6: each party's monthly statement
    } and names <= set(app.tasks)
    for name in ("checkpoint", "verify_records", "send_statements"):
        task = getattr(tasks, name)
        assert task.acks_late and task.reject_on_worker_lost


def test_a_sweep_delivered_twice_writes_once_and_emails_once(worker, late):
    """The same message twice (redelivery) and a second beat's tick, run by two worker threads."""
    before = len(worker.emails())
    for task_id in ("sweep-2027-02-10", "sweep-2027-02-10", "second-beat"):
        tasks.sweep.apply_async(args=["2027-02-10"], task_id=task_id)
    worker.wait_for(
        lambda: (
            worker.succeeded("escrow.tasks.sweep", "sweep-2027-02-10") == 2
            and worker.succeeded("escrow.tasks.sweep", "second-beat") == 1
        ),
        what="three sweeps",
    )
    _settle(worker)
    assert PenaltyDay.objects.filter(tranche=late).count() == 11  # 2027-01-30 .. 2027-02-09
    counts = written()
    assert len(counts["keys"]) == len(set(counts["keys"]))
    missed = Notification.objects.filter(dedupe_key__contains=":missed:").count()
    assert missed == 3  # issuer, purchaser and seller, once each
    # EA 4.4, EA 2: the escrow year that started with the deposit is invoiced once, by three sweeps at once.
    assert FeeInvoice.objects.filter(deal=late.deal).count() == 1
    swept = Q(notification__dedupe_key__contains="reminder:") | Q(notification__dedupe_key__startswith="fee-issued:")
    assert len(worker.emails()) - before == OutboxMessage.objects.filter(swept).count()
    tasks.sweep.apply_async(args=["2027-02-10"], task_id="third")
    worker.wait_for(lambda: worker.succeeded("escrow.tasks.sweep", "third") == 1, what="a repeat")
    _settle(worker)
    assert written() == counts


def test_signing_succeeds_while_the_broker_is_down_and_emails_follow(worker, late, people):
    """EA 3.1(b): both parties sign while Redis cannot be reached from the web process; the outbox rows
    written in their transactions are sent once the beat's drain reaches a worker again."""
    instruction = late.instruments.get(kind=Instrument.Kind.JOINT_INSTRUCTION, status="open")
    sent_before = len(worker.emails())
    with broker("redis://127.0.0.1:9/0"):  # nothing listens on port 9: connection refused, as when down
        for who in ("issuer", "purchaser"):
            started = time.monotonic()
            with on(date(2027, 1, 25)):
                actions.sign_instrument(
                    people[who],
                    instruction.pk,
                    expected_sha256=instruction.document.sha256,
                    password=PASSWORD,
                    ip="127.0.0.1",
                    user_agent="pytest",
                )
            assert time.monotonic() - started < 5, "publishing must fail fast, not hold the request"
    assert tranche(late.deal, 1).state == "instructed"
    pending = OutboxMessage.objects.filter(sent_at__isnull=True)
    subjects = set(pending.values_list("subject", flat=True))
    assert any("instructed" in s for s in subjects) and pending.count() >= 3  # two agents and the seller
    time.sleep(1)
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == pending.count()  # nothing sent yet
    # Redis is back: beat's next tick of the drain (CELERY_BEAT_SCHEDULE) reaches the worker.
    app.send_task(settings.CELERY_BEAT_SCHEDULE["drain-outbox"]["task"])
    _settle(worker)
    assert sum("instructed" in line for line in worker.emails()) >= 3
    assert len(worker.emails()) - sent_before == OutboxMessage.objects.filter(subject__in=subjects).count()
