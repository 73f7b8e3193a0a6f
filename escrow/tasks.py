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
