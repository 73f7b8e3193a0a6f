"""Dashboard, deal and tranche pages: what each person sees, and nothing for outsiders (SPA 9)."""

import re

import pytest
from django.urls import reverse

from escrow.models import Notification
from tests.conftest import open_and_file, release, sign_instruction

pytestmark = pytest.mark.django_db


def test_dashboard_lists_the_agents_deposit_with_deadline_and_link(kaixin, client_for):
    response = client_for("agent1").get(reverse("escrow:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-action="confirm_deposit"' in html
    assert reverse("escrow:confirm_deposit", args=[kaixin.slug]) in html
    assert "EA 1.1" in html
    assert 'data-testid="business-days-left"' in html and 'data-testid="calendar-days-left"' in html
    assert kaixin.name in html


def test_dashboard_for_issuer_links_to_the_signing_page(deposited, people, client_for):
    t = open_and_file(deposited, people, 1, "665000000")
    instruction = t.instruments.get(kind="joint_instruction")
    html = client_for("issuer").get(reverse("escrow:dashboard")).content.decode()
    assert 'data-action="sign_joint_instruction"' in html
    assert reverse("escrow:sign", args=[instruction.pk]) in html


def test_notifications_newest_first_and_mark_read(deposited, people, client_for):
    client = client_for("issuer")
    notes = Notification.objects.filter(user=people["issuer"])
    assert notes.exists()
    html = client.get(reverse("escrow:notifications")).content.decode()
    assert notes.first().subject in html
    note = notes.first()
    response = client.post(reverse("escrow:notification_read", args=[note.pk]), {"next": "/notifications/"})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.read_at is not None
    client.post(reverse("escrow:notifications_read_all"))
    assert not notes.filter(read_at__isnull=True).exists()


def test_nobody_marks_another_persons_notification(deposited, people, client_for):
    note = Notification.objects.filter(user=people["issuer"]).first()
    response = client_for("seller").post(reverse("escrow:notification_read", args=[note.pk]))
    assert response.status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_deal_page_shows_timeline_ledger_policies_parties_and_charts(deposited, people, client_for):
    open_and_file(deposited, people, 1, "598500000")
    release(deposited, people, 1)
    response = client_for("seller").get(reverse("escrow:deal", args=[deposited.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="year-row"') == 5
    assert 'data-testid="released-shares">2,700,000<' in html
    assert "12,300,000" in html  # in escrow
    assert "P1" in html and "half-of-excess" in html and "SPA 5.2(2)" in html
    assert "AUTOA2A, LTD." in html and "Olivia Hart" in html
    assert "<svg" in html and 'data-testid="revenue-chart"' in html and 'data-testid="shares-chart"' in html
    assert "RMB 598,500,000" in html


def test_outsider_gets_404_everywhere(kaixin, outsider, client):
    client.force_login(outsider)
    for url in [
        reverse("escrow:deal", args=[kaixin.slug]),
        reverse("escrow:tranche", args=[kaixin.slug, 1]),
        reverse("escrow:whatif", args=[kaixin.slug]),
        reverse("escrow:history", args=[kaixin.slug]),
        reverse("escrow:history_csv", args=[kaixin.slug]),
    ]:
        assert client.get(url).status_code == 404, url


def test_anonymous_is_sent_to_sign_in(kaixin, client):
    response = client.get(reverse("escrow:deal", args=[kaixin.slug]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_tranche_page_shows_why_documents_signatures_and_history(deposited, people, client_for):
    open_and_file(deposited, people, 1, "598500000")
    _t, instruction = sign_instruction(deposited, people, 1)
    html = client_for("compliance").get(reverse("escrow:tranche", args=[deposited.slug, 1])).content.decode()
    assert "SPA 5.2(1)" in html and "300,000 deducted" in html
    assert instruction.document.sha256 in html
    assert html.count('data-testid="signature-row"') == 2
    assert "report_filed" in html and "instructed" in html
    assert 'data-testid="penalty-table"' in html
    assert 'data-testid="offered-actions"' not in html  # compliance is read-only


def test_tranche_page_offers_only_what_the_viewer_may_do(deposited, people, client_for):
    open_and_file(deposited, people, 1, "665000000")
    issuer = client_for("issuer").get(reverse("escrow:tranche", args=[deposited.slug, 1])).content.decode()
    assert 'data-testid="sign-link"' in issuer
    assert 'data-testid="offer-suspend_release"' in issuer
    assert 'data-testid="offer-raise_dispute"' in issuer
    seller = client_for("seller").get(reverse("escrow:tranche", args=[deposited.slug, 1])).content.decode()
    assert 'data-testid="sign-link"' not in seller
    assert 'data-testid="offer-suspend_release"' not in seller
    assert 'data-testid="offer-raise_dispute"' in seller
    auditor = client_for("auditor").get(reverse("escrow:tranche", args=[deposited.slug, 1])).content.decode()
    # Issue 12 item 8: the firm may correct its report until someone signs; nothing else is the auditor's.
    assert re.findall(r'data-testid="offer-([a-z_]+)"', auditor) == ["correct_report"]
    assert 'data-testid="sign-link"' not in auditor


def test_document_download_streams_bytes_with_disposition(deposited, people, client_for, outsider, client):
    t = open_and_file(deposited, people, 1, "665000000")
    doc = t.documents.get(kind="audit_report")
    response = client_for("seller").get(reverse("escrow:document", args=[doc.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"].startswith("attachment;") and "report-1.pdf" in response["Content-Disposition"]
    )
    assert response.content.startswith(b"%PDF-")
    assert response["X-Content-SHA256"] == doc.sha256
    inline = client_for("seller").get(reverse("escrow:document", args=[doc.pk]) + "?inline=1")
    assert inline["Content-Disposition"].startswith("inline;")
    client.force_login(outsider)
    assert client.get(reverse("escrow:document", args=[doc.pk])).status_code == 404
