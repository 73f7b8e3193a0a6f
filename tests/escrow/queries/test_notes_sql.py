"""Issue 13 item 1: the dashboard's latest notifications are one hand-written query (escrow.queries.notes); this
compares the notes, their deals and the unread count with the ORM query it replaced (kept below), for a person
with notes read and unread, with and without a deal, and for one with none; on PostgreSQL and SQLite alike."""

from datetime import timedelta

import pytest
from django.db.models import Count, Q, Window
from django.utils import timezone

from escrow.models import Deal, Notification
from escrow.queries.notes import latest_notifications

pytestmark = pytest.mark.django_db


def reference(user, limit):
    unread = Window(Count("pk", filter=Q(read_at__isnull=True)))
    recent = Notification.objects.filter(user=user).select_related("deal").annotate(unread_total=unread)
    return list(recent[:limit])


def facts(notes):
    seen = []
    for note in notes:
        fields = {f.attname: getattr(note, f.attname) for f in Notification._meta.concrete_fields}
        deal = note.deal and {f.attname: getattr(note.deal, f.attname) for f in Deal._meta.concrete_fields}
        seen.append((fields, deal, note.unread_total))
    return seen


def test_the_sql_is_the_orm_reference(deposited, people, outsider):
    now = timezone.now()
    issuer = outsider  # no notes of their own yet: the order below is by distinct moments
    for i in range(12):
        Notification.objects.create(
            user=issuer,
            deal=deposited if i % 3 else None,
            subject=f"Note <{i}>",
            body="" if i % 2 else "A body & more",
            clause="SPA 4.2" if i % 4 else "",
            created_at=now - timedelta(minutes=i),
            read_at=now if i % 5 == 0 else None,
            message={"subject": {"id": "x"}} if i == 7 else None,
            dedupe_key=f"test-{i}",
        )
    Notification.objects.create(user=people["auditor"], subject="Someone else's", created_at=now, dedupe_key="other")
    for limit in (1, 3, 8, 100):
        assert facts(latest_notifications(issuer, limit)) == facts(reference(issuer, limit)), limit
    assert latest_notifications(issuer, 8)[0].unread_total == 12 - 3
    for person in people.values():  # the notes the deal's actions wrote (moments may repeat: compared as a set)
        ours, orm = facts(latest_notifications(person, 1000)), facts(reference(person, 1000))
        assert sorted(map(repr, ours)) == sorted(map(repr, orm)), person.username
    assert latest_notifications(people["compliance"], 8) == reference(people["compliance"], 8) == []
