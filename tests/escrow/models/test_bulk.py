"""escrow.models.bulk (issue 13 item 4): the sweep's COPY writes the rows as given, and a row whose unique
key a concurrent run took first is skipped, as bulk_create(ignore_conflicts=True) did."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from escrow.models import Notification, OutboxMessage
from escrow.models.bulk import any_of, copy_rows, copy_rows_with_ids

pytestmark = pytest.mark.django_db

FIELDS = ["user_id", "deal_id", "subject", "body", "clause", "dedupe_key", "created_at"]


def _row(user, deal, key):
    return (user.pk, deal.pk, "Subject", "Body\twith a tab\nand a line", "SPA 8.2", key, timezone.now())


def test_rows_are_written_with_their_ids_in_one_statement(kaixin, people):
    user = people["seller"]
    with CaptureQueriesContext(connection) as ctx:
        ids = copy_rows_with_ids(Notification, FIELDS, [_row(user, kaixin, f"k{i}") for i in range(3)])
    assert [n.pk for n in Notification.objects.filter(dedupe_key__in=["k0", "k1", "k2"]).order_by("dedupe_key")] == ids
    assert Notification.objects.get(pk=ids[0]).body == "Body\twith a tab\nand a line"
    assert sum(q["sql"].startswith("COPY") for q in ctx.captured_queries) == 1  # the COPY is logged like any


def test_a_taken_key_is_skipped_and_the_rest_written(kaixin, people, require_postgres):
    user = people["seller"]
    copy_rows_with_ids(Notification, FIELDS, [_row(user, kaixin, "taken")])
    ids = copy_rows_with_ids(Notification, FIELDS, [_row(user, kaixin, "new-1"), _row(user, kaixin, "taken")])
    assert ids[0] is not None and ids[1] is None
    assert Notification.objects.filter(dedupe_key="taken").count() == 1
    fields = ["notification_id", "to_email", "subject", "body", "html_body", "created_at", "attempts", "last_error"]
    email = (ids[0], "a@example.invalid", "S", "B", "<p>B</p>", timezone.now(), 0, "")
    assert copy_rows(OutboxMessage, fields, [email]) == 1
    assert copy_rows(OutboxMessage, fields, [email]) == 0  # one email per notification


def test_any_of_filters_like_a_list(kaixin, people):
    users = list(people.values())[:3]
    assert set(type(users[0]).objects.filter(pk__in=any_of(u.pk for u in users)).values_list("pk", flat=True)) == {
        u.pk for u in users
    }


def test_rows_that_cannot_conflict_go_in_one_copy_and_json_text_is_stored_as_its_value(kaixin, people):
    from escrow.models.bulk import JsonText

    user, message = people["seller"], {"subject": {"text": {"id": "x"}, "params": {"n": 1}}, "body": ""}
    fields = [*FIELDS, "message"]
    ids = copy_rows_with_ids(
        Notification,
        fields,
        [(*_row(user, kaixin, "j0"), message), (*_row(user, kaixin, "j1"), JsonText(json.dumps(message)))],
    )
    assert [Notification.objects.get(pk=pk).message for pk in ids] == [message, message]
    outbox = ["notification_id", "to_email", "subject", "body", "html_body", "created_at", "attempts", "last_error"]
    with CaptureQueriesContext(connection) as ctx:
        written = copy_rows(
            OutboxMessage,
            outbox,
            [(pk, "a@example.invalid", "S", "B", "<p>B</p>", timezone.now(), 0, "") for pk in ids],
            skip_taken=False,
        )
    assert written == 2 and OutboxMessage.objects.filter(notification_id__in=ids).count() == 2
    if connection.vendor == "postgresql":
        assert [q["sql"].split()[0] for q in ctx.captured_queries] == ["COPY"]  # no savepoint around it
