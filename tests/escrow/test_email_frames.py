"""Issue 13 item 4: `email.compose` fills a frame rendered once per language and shape (a %-format string,
values escaped with html.escape for the HTML part, the link from a path reversed once, the language and URL
settings looked up once per memo); every email must read exactly as the two templates render it with the
values themselves (the way compose worked before the sweep needed it fast)."""

import itertools
import sys
from datetime import date
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.template.loader import render_to_string
from django.test import override_settings
from django.utils import translation

from bench.world import populate
from escrow.contract.moments import iso_day
from escrow.models import OutboxMessage, Role, Tranche
from escrow.notifications.email import WHITESPACE, compose, page_url
from escrow.notifications.notify import Note, notify_many

DEAL = SimpleNamespace(pk=1, slug="kaixin-2025", name="Kaixin")
YEAR = SimpleNamespace(pk=7, year=3)
# Values that would trip a naive fill: format fields, markers, what HTML escapes, Chinese.
TRICKY = ["Kaixin: year 1 — due in 7 days", "%(link)s 100% <b>&amp;</b> \"'", "\x00subject\x00 %s %%", "开心：第1年"]


def _templates(subject, body, clause, due, link):
    context = {"subject": subject, "body": body, "clause": clause, "due": iso_day(due), "link": link}
    return (
        render_to_string("email/notification.txt", context).strip() + "\n",
        render_to_string("email/notification.html", context),
    )


@override_settings(PORTAL_BASE_URL="https://escrow.example.com")
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_framed_email_reads_as_the_templates_render_it(language):
    shapes = itertools.product(TRICKY, ["", *TRICKY], ["", "SPA 4.2, EA 3.1(a)", TRICKY[1]], [None, date(2027, 1, 29)])
    places = [(DEAL, YEAR), (DEAL, None), (None, None)]
    with translation.override(language):
        memo = {}
        for (subject, body, clause, due), (deal, tranche) in itertools.product(shapes, places):
            for given in (None, memo):  # one email alone, and many sharing one memo (as notify_many does)
                email = compose(subject, body, deal=deal, tranche=tranche, clause=clause, due=due, memo=given)
                expected = _templates(subject, body, clause, due, page_url(deal, tranche))
                assert (email.text, email.html) == expected, (subject, body, clause, due)


def test_the_whitespace_the_server_strips_is_what_str_strip_strips():
    assert "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()) == WHITESPACE


# Values the server's fill could get wrong: its format() fields, SQL quotes and backslashes, html.escape's five
# characters, whitespace str.strip() strips at either end (Unicode too), Chinese, a subject cut at 300 characters
# (no NUL: a PostgreSQL text column holds none, so no notification row has one).
SERVER_TRICKY = [
    *(value for value in TRICKY if "\x00" not in value),
    "%1$s %2$s %% %s '' \\ \\n E'x'",
    " \t\u3000leading and trailing\u2003 \n",
    "x" * 299 + "&<>",
]


@override_settings(PORTAL_BASE_URL="https://escrow.example.com")
def test_emails_filled_by_the_server_read_as_compose_fills_them(require_postgres):
    """notify_many has PostgreSQL fill each email from its notification row (issue 13 item 4): the rows must be
    the ones `compose` makes, in each reader's language, for every shape and tricky value."""
    deal = populate(1, prefix="fill", ticker="FILL")[0]
    tranche = Tranche.objects.get(deal=deal, year=2)
    get_user_model().objects.filter(username="fill-auditor").update(language="zh-hans")
    get_user_model().objects.filter(username="fill-seller").update(email="")  # no email: no outbox row
    shapes = itertools.product(
        SERVER_TRICKY, ["", *SERVER_TRICKY[1:]], ["", "SPA 4.2", TRICKY[1]], [None, date(2027, 1, 29)]
    )
    notes = [
        Note(deal, (Role.ISSUER, Role.AUDITOR, Role.SELLER), subject, f"fill:{i}", clause, body, where, due)
        for i, ((subject, body, clause, due), where) in enumerate(itertools.product(shapes, [tranche, None]))
    ]
    with transaction.atomic():
        assert notify_many(notes) == 3 * len(notes)
    emails = OutboxMessage.objects.select_related("notification__user").order_by("pk")
    assert emails.count() == 2 * len(notes)
    # In the order of their notifications, as the COPY wrote them before (the outbox is drained in id order).
    assert [email.notification_id for email in emails] == sorted(email.notification_id for email in emails)
    by_key = {note.key: note for note in notes}
    for email in emails:
        notification = email.notification
        note = by_key[notification.dedupe_key.rsplit(":u", 1)[0]]
        with translation.override(notification.user.language):
            expected = compose(
                notification.subject,
                notification.body,
                deal=deal,
                tranche=note.tranche,
                clause=note.clause,
                due=note.due,
            )
        assert (email.subject, email.body, email.html_body) == (notification.subject, expected.text, expected.html)
        assert (email.to_email, email.created_at) == (notification.user.email, notification.created_at)
