"""Notifications written as rows inside the action's transaction; sent after commit.

The outbox row exists before anything leaves the database, so a broker outage at commit time only
delays the email: the worker's periodic drain picks it up (DESIGN.md "Known traps": on_commit
enqueue is lost if Redis is down at that moment).
"""
import logging

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import DealParty, Notification, OutboxMessage

log = logging.getLogger(__name__)


def people_in_roles(deal, roles):
    User = get_user_model()
    org_ids = DealParty.objects.filter(deal=deal, role__in=list(roles), ended_at__isnull=True).values(
        "organisation_id"
    )
    return User.objects.filter(organisation_id__in=org_ids, is_active=True).order_by("pk")


def notify(users, *, deal, subject, body="", clause="", key, tranche=None):
    """One notification (and email) per person; `key` makes a repeat harmless (unique)."""
    created = 0
    for user in users:
        dedupe = f"{key}:u{user.pk}"[:200]
        if Notification.objects.filter(dedupe_key=dedupe).exists():
            continue
        try:
            with transaction.atomic():
                note = Notification.objects.create(
                    user=user, deal=deal, tranche=tranche, subject=subject[:300], body=body, clause=clause,
                    dedupe_key=dedupe, created_at=timezone.now(),
                )
                if user.email:
                    OutboxMessage.objects.create(notification=note, to_email=user.email, subject=subject[:300],
                                                 body=f"{body}\n\n{clause}".strip(), created_at=timezone.now())
        except IntegrityError:
            continue  # a concurrent sweep wrote it first
        created += 1
    if created:
        transaction.on_commit(enqueue_drain)
    return created


def notify_roles(deal, roles, **kwargs):
    return notify(people_in_roles(deal, roles), deal=deal, **kwargs)


def enqueue_drain():
    """Ask a worker to send the outbox now; if the broker is down, the periodic drain will."""
    try:
        from .tasks import drain_outbox

        drain_outbox.apply_async(retry=False)
    except Exception:  # broker unreachable: nothing is lost, the rows wait in the outbox
        log.warning("Broker unreachable; outbox will be drained by the next periodic run.", exc_info=True)
