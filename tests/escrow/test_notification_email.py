"""Emails a person can act on (issue 12 item 7): subject, a sentence in the reader's language, the deadline
and clause, an absolute link to the page, as a text and an HTML part, sent by the outbox worker
(locmem backend, settings.test)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from escrow import actions
from escrow.models import OutboxMessage
from escrow.notifications import outbox
from escrow.notifications.notify import notify
from tests.conftest import tranche

pytestmark = pytest.mark.django_db

BASE = "https://escrow.example.com"


def _sent_before():
    """What the fixtures' actions wrote goes out first: each test reads only its own emails."""
    outbox.drain()
    mail.outbox.clear()


def _year_ended(deal, people, language):
    """SPA 4.2, 5.1: the year ends; the auditor and the issuer are told the report is due."""
    issuer = people["issuer"]
    issuer.language = language
    issuer.save(update_fields=["language"])
    t = tranche(deal, 1)
    _sent_before()
    actions.open_year(t.pk, today=t.period_end + timedelta(days=1))
    outbox.drain()
    (message,) = [m for m in mail.outbox if m.to == [issuer.email]]
    return t, message


@override_settings(PORTAL_BASE_URL=BASE)
@pytest.mark.parametrize(
    "language, sentence, deadline",
    [
        ("en", "Open the page to see the details and what happens next:", "Deadline: {due} (SPA 4.2, 5.1)"),
        ("zh-hans", "请打开以下页面，查看详情及后续步骤：", "截止日期：{due}（SPA 4.2, 5.1）"),
    ],
)
def test_the_email_has_subject_sentence_deadline_clause_and_link_in_both_parts(
    deposited, people, language, sentence, deadline
):
    t, message = _year_ended(deposited, people, language)
    note = people["issuer"].notifications.get(tranche=t, dedupe_key__startswith="year-ended")
    link = BASE + reverse("escrow:tranche", args=[deposited.slug, 1])
    deadline = deadline.format(due=t.release_due_date.isoformat())
    html, kind = message.alternatives[0]
    assert kind == "text/html"
    assert message.subject == note.subject
    for part in (message.body, html):
        assert note.subject in part
        assert sentence in part
        assert deadline in part
        assert link in part
    assert f'href="{link}"' in html
    assert f'<html lang="{language}">' in html
    if language == "zh-hans":
        assert "Open the page" not in html and "Deadline" not in message.body
        assert "北京时间" in message.body


@override_settings(PORTAL_BASE_URL=BASE)
def test_a_notice_without_a_deadline_states_its_clause_and_links_to_the_deal(kaixin, people):
    """EA 1.1: the shares are in escrow; nothing is due from the reader, so the clause alone is stated."""
    _sent_before()
    notify([people["seller"]], deal=kaixin, subject="Kaixin: shares in escrow", clause="EA 1.1", key="t:deposit")
    outbox.drain()
    (message,) = mail.outbox
    assert "Clause: EA 1.1" in message.body and "Deadline" not in message.body
    assert BASE + reverse("escrow:deal", args=[kaixin.slug]) in message.alternatives[0][0]


def test_an_outbox_row_written_before_the_html_part_goes_out_as_text(kaixin, people):
    _sent_before()
    OutboxMessage.objects.create(
        to_email="old@example.com", subject="old", body="old body", created_at=kaixin.created_at
    )
    outbox.drain()
    (message,) = mail.outbox
    assert message.body == "old body" and message.alternatives == []


def test_the_html_part_escapes_what_a_party_typed(kaixin, people):
    """A subject carries names and reasons the parties typed: it is text in the HTML part, never markup."""
    _sent_before()
    notify([people["seller"]], deal=kaixin, subject="<script>x</script>", body="a & b", key="t:escape")
    outbox.drain()
    html = mail.outbox[0].alternatives[0][0]
    assert "<script>x" not in html and "&lt;script&gt;x&lt;/script&gt;" in html and "a &amp; b" in html
