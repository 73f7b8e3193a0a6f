"""Thin Celery tasks: they call actions and queries, nothing else."""
from celery import shared_task


@shared_task(acks_late=True)
def drain_outbox():
    from escrow.outbox import drain

    return drain()
