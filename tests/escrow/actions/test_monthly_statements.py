"""Monthly statements by email at period end (issue 14 item 6): once a month has ended (Beijing), each party's
people are told their statement for it is ready, with its link; the dedupe key `statement:<deal>:<role>:<YYYY-MM>`
makes a repeated tick send nothing. Each email carries its reader's statement as a PDF in the reader's language,
built by the outbox as the email is sent."""

import subprocess
from datetime import date

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from escrow import tasks
from escrow.actions.statements import send_monthly_statements
from escrow.models import DealParty, Notification, OutboxMessage
from escrow.notifications import outbox
from tests.escrow.as_of_world import TOTAL, on, walk_year_one

pytestmark = pytest.mark.django_db


@pytest.fixture
def walked(django_user_model):
    return walk_year_one(django_user_model)


def test_on_the_first_of_the_month_each_party_hears_of_its_statement_once(walked):
    deal, people = walked
    with on(date(2027, 2, 1), hour=0):
        created = send_monthly_statements()
        assert send_monthly_statements() == 0  # the next hourly tick
    assert created > 0
    for role, username in (("seller", "seller"), ("issuer", "issuer"), ("escrow_agent", "agent1")):
        note = Notification.objects.get(user=people[username], dedupe_key__startswith=f"statement:{deal.slug}:{role}:")
        assert note.dedupe_key == f"statement:{deal.slug}:{role}:2027-01:u{people[username].pk}"
        url = reverse("escrow:deal_statement", args=[deal.slug]) + "?start=2027-01-01&end=2027-01-31"
        assert url in note.body and "2027-01" in note.subject
        assert f"{TOTAL - 3_000_000:,}" in note.body
    assert OutboxMessage.objects.filter(notification__dedupe_key__startswith="statement:").exists()
    # the auditor reads no statement (not a use case of its role)
    assert not Notification.objects.filter(dedupe_key__startswith=f"statement:{deal.slug}:auditor:").exists()


def test_a_missed_first_is_caught_up_and_the_next_month_is_its_own(walked):
    _deal, people = walked
    with on(date(2027, 2, 3)):
        assert tasks.send_statements() > 0  # the beat was down on the 1st
    with on(date(2027, 3, 1)):
        assert tasks.send_statements("2027-03-01") > 0
    keys = set(
        Notification.objects.filter(user=people["seller"], dedupe_key__startswith="statement:").values_list(
            "dedupe_key", flat=True
        )
    )
    assert {k.rsplit(":", 2)[1] for k in keys} == {"2027-01", "2027-02"}


def test_a_month_before_the_deal_was_in_the_portal_sends_nothing(walked):
    with on(date(2026, 12, 10)):  # November 2026: the deal was created on 2 December
        assert send_monthly_statements() == 0


def test_the_chinese_reader_reads_chinese(walked):
    _deal, people = walked
    seller = people["seller"]
    seller.language = "zh-hans"
    seller.save(update_fields=["language"])
    with on(date(2027, 2, 1)):
        send_monthly_statements()
    note = Notification.objects.get(user=seller, dedupe_key__startswith="statement:")
    assert "对账单" in note.subject


def test_beat_ticks_the_task_hourly():
    entry = settings.CELERY_BEAT_SCHEDULE["send-statements"]
    assert entry["task"] == "escrow.tasks.send_statements" and entry["schedule"] == 3600


# --- the email carries the reader's own statement as a PDF, in the reader's language ---


def _pdf_text(data: bytes, tmp_path, name) -> tuple[str, str]:
    """(text, font listing) as a reader's tools read the PDF (poppler-utils, which bin/test installs)."""
    path = tmp_path / name
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split()), fonts


def _statement_emails(people, usernames):
    outbox.drain()
    mail.outbox.clear()
    with on(date(2027, 2, 1)):
        send_monthly_statements()
        outbox.drain()
    return {u: [m for m in mail.outbox if m.to == [people[u].email]] for u in usernames}


def test_each_reader_gets_their_own_statement_pdf_in_their_language(walked, tmp_path):
    deal, people = walked
    seller = people["seller"]
    seller.language = "zh-hans"
    seller.save(update_fields=["language"])
    emails = _statement_emails(people, ("seller", "issuer"))
    for username, role, language_word, other_word in (
        ("seller", "seller", "对账单", "Statement of"),
        ("issuer", "issuer", "Statement of", "对账单"),
    ):
        (message,) = emails[username]
        (attached,) = message.attachments  # one file; the HTML part is an alternative, not an attachment
        filename, data, mimetype = attached
        assert filename == f"{deal.slug}-statement-{role}-20270101-20270131.pdf"
        assert mimetype == "application/pdf" and data.startswith(b"%PDF")
        text, fonts = _pdf_text(data, tmp_path, filename)
        assert language_word in text and other_word not in text
        assert f"{TOTAL - 3_000_000:,}" in text  # the closing position, as the email's body states it
        rows = fonts.splitlines()[2:]
        assert rows and all(row.split()[-5] == "yes" for row in rows), fonts  # every font embedded
        # the outbox row keeps a few keys, never the file
        row = OutboxMessage.objects.get(
            to_email=people[username].email, notification__dedupe_key__startswith="statement:"
        )
        assert row.attachment == {
            "kind": "statement",
            "deal": deal.pk,
            "role": role,
            "start": "2027-01-01",
            "end": "2027-01-31",
            "language": "zh-hans" if username == "seller" else "en",
        }


def test_the_seller_statement_shows_what_the_issuer_statement_does_not(walked, tmp_path):
    """SPA 9: each role's PDF is the statement of its own role; the issuer's never carries the seller's rights."""
    _deal, people = walked
    emails = _statement_emails(people, ("seller", "issuer"))
    texts = {u: _pdf_text(emails[u][0].attachments[0][1], tmp_path, f"{u}.pdf")[0] for u in emails}
    assert "Dividends passed through" in texts["seller"]
    assert "Dividends passed through" not in texts["issuer"]


def test_a_reader_who_left_the_deal_gets_no_pdf(walked):
    """Insider: the seller's firm leaves the deal between the tick and the send; the email goes without the file."""
    deal, people = walked
    outbox.drain()
    mail.outbox.clear()
    with on(date(2027, 2, 1)):
        send_monthly_statements()
    DealParty.objects.filter(deal=deal, role="seller").update(ended_at=timezone.now())
    outbox.drain()
    (message,) = [m for m in mail.outbox if m.to == [people["seller"].email]]
    assert message.attachments == []
    issuer_mail = [m for m in mail.outbox if m.to == [people["issuer"].email] and "statement" in m.subject]
    assert len(issuer_mail[0].attachments) == 1
