"""Thin Celery tasks: they call actions and queries, nothing else.

Both are safe to repeat (acks_late + reject_on_worker_lost redeliver a task whose worker died): the
sweep derives everything from facts under unique keys, the drain claims rows with SKIP LOCKED and
marks each sent once. Beat only ticks them (CELERY_BEAT_SCHEDULE); no task is scheduled days ahead.
"""

from celery import shared_task

from escrow.contract.numbers import parse_iso_date


@shared_task(name="escrow.tasks.sweep", acks_late=True, reject_on_worker_lost=True)
def sweep(day=None):
    """The deadline sweep for contract day `day` (ISO date; default: today in Asia/Shanghai)."""
    from escrow.actions.deadlines import sweep as run

    return run(today=parse_iso_date(day) if day else None).as_dict()


@shared_task(name="escrow.tasks.drain_outbox", acks_late=True, reject_on_worker_lost=True)
def drain_outbox():
    """Send the emails waiting in the outbox (written in the actions' transactions)."""
    from escrow.notifications.outbox import drain

    return drain()


@shared_task(name="escrow.tasks.verify_records", acks_late=True, reject_on_worker_lost=True)
def verify_records(day=None):
    """Issue 10 item 5: once per contract day, walk every chain and reconcile every deal with its history;
    compliance is alerted on a failure. Beat ticks hourly; the day's row makes the other ticks no-ops."""
    from escrow.actions.verification import run_nightly_verification

    run = run_nightly_verification(today=parse_iso_date(day) if day else None)
    return None if run is None else {"day": str(run.day), "ok": run.ok, "failures": len(run.failures)}


@shared_task(name="escrow.tasks.checkpoint", acks_late=True, reject_on_worker_lost=True)
def checkpoint(day=None):
    """The contract day's signed checkpoint of every history chain's head (made once a day; issue 10 item 4)."""
    from escrow.actions.checkpoints import make_checkpoint

    return make_checkpoint(day=parse_iso_date(day) if day else None).digest


@shared_task(name="escrow.tasks.send_statements", acks_late=True, reject_on_worker_lost=True)
def send_statements(day=None):
    """Issue 14 item 6: once a month has ended (Beijing), each party's statement for it is announced with its
    link; beat ticks hourly, the dedupe keys make every tick after the first of the month a no-op."""
    from escrow.actions.statements import send_monthly_statements

    return send_monthly_statements(today=parse_iso_date(day) if day else None)
