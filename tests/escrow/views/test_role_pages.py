"""Issue 12 item 8 on the pages: the auditor's preview and confirm, the correction before any signature, a
signatory's decline with a reason, and the deposit's date of issue (EA 1.1)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from escrow import actions
from escrow.models import AuditReport, Decline, HistoryEntry, Instrument, StoredDocument
from tests.conftest import PASSWORD, make_pdf, open_and_file, post_report, tranche

pytestmark = pytest.mark.django_db
SHORT = "598,500,000"


def pdf():
    return SimpleUploadedFile("report.pdf", make_pdf(), content_type="application/pdf")


def url(name, deal, year=1):
    return reverse(f"escrow:{name}", args=[deal.slug, year])


@pytest.fixture
def awaiting_report(deposited):
    t = tranche(deposited, 1)
    actions.open_year(t.pk, today=t.period_end + timedelta(days=1))
    return deposited


def test_the_preview_shows_the_quantity_and_files_nothing(awaiting_report, client_for):
    before = (HistoryEntry.objects.filter(deal__isnull=False).count(), StoredDocument.objects.count())
    response = client_for("auditor").post(url("file_report", awaiting_report), {"audited_revenue": SHORT})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="report-preview"' in html
    assert 'data-testid="preview-quantity">2,700,000<' in html and "SPA 5.2(1)" in html
    assert 'name="expected_quantity" value="2700000"' in html and 'name="report"' in html
    assert 'data-testid="confirm-file_report"' in html
    assert (HistoryEntry.objects.filter(deal__isnull=False).count(), StoredDocument.objects.count()) == before
    assert tranche(awaiting_report, 1).state == "awaiting_report"


def test_the_first_step_asks_only_for_the_revenue(awaiting_report, client_for):
    html = client_for("auditor").get(url("file_report", awaiting_report)).content.decode()
    assert 'name="audited_revenue"' in html and 'name="report"' not in html
    assert 'data-testid="preview-file_report"' in html


def test_confirming_files_the_report(awaiting_report, client_for):
    response = post_report(client_for("auditor"), awaiting_report, 1, {"audited_revenue": SHORT, "report": pdf()})
    assert response.status_code == 302
    assert tranche(awaiting_report, 1).release_quantity == 2_700_000


def test_the_confirm_step_needs_the_tick_and_the_pdf_and_keeps_the_figures(awaiting_report, client_for):
    client = client_for("auditor")
    body = {"step": "confirm", "audited_revenue": "598500000", "expected_quantity": "2700000"}
    response = client.post(url("file_report", awaiting_report), body)
    html = response.content.decode()
    assert response.status_code == 400 and "Tick the box to confirm the figures" in html
    assert 'data-testid="report-preview"' in html and not AuditReport.objects.exists()


def test_a_stale_preview_is_refused_and_nothing_filed(awaiting_report, client_for):
    body = {"step": "confirm", "confirm": "on", "audited_revenue": "598500000", "expected_quantity": "3000000"}
    response = client_for("auditor").post(url("file_report", awaiting_report), {**body, "report": pdf()})
    html = response.content.decode()
    assert response.status_code == 400 and "not the 3,000,000 you previewed" in html and "Nothing was changed." in html
    assert not AuditReport.objects.exists()


def test_the_auditor_is_offered_the_correction_until_someone_signs(deposited, people, client_for):
    t = open_and_file(deposited, people, 1, SHORT)
    html = client_for("auditor").get(url("tranche", deposited)).content.decode()
    assert 'data-testid="offer-correct_report"' in html
    assert (
        'data-testid="offer-correct_report"' not in client_for("issuer").get(url("tranche", deposited)).content.decode()
    )
    instruction = t.instruments.get(status="open")
    actions.sign_instrument(
        people["issuer"], instruction.pk, expected_sha256=instruction.document.sha256, password=PASSWORD
    )
    html = client_for("auditor").get(url("tranche", deposited)).content.decode()
    assert 'data-testid="offer-correct_report"' not in html


def test_the_correction_page_previews_then_corrects_and_the_tranche_page_keeps_both_reports(
    deposited, people, client_for
):
    open_and_file(deposited, people, 1, SHORT)
    client = client_for("auditor")
    refused = client.post(url("correct_report", deposited), {"audited_revenue": "665000000"})
    assert refused.status_code == 400 and 'data-testid="field-error"' in refused.content.decode()  # the reason
    data = {"audited_revenue": "665,000,000", "reason": "Typed from the draft report.", "report": pdf()}
    response = post_report(client, deposited, 1, data, name="correct_report")
    assert response.status_code == 302
    assert tranche(deposited, 1).release_quantity == 3_000_000
    html = client_for("seller").get(url("tranche", deposited)).content.decode()
    assert html.count('data-testid="report-row"') == 2 and 'data-testid="report-superseded"' in html
    assert "Typed from the draft report." in html


def test_the_correction_is_refused_with_the_way_forward_once_signed(deposited, people, client_for):
    t = open_and_file(deposited, people, 1, SHORT)
    instruction = t.instruments.get(status="open")
    actions.sign_instrument(
        people["issuer"], instruction.pk, expected_sha256=instruction.document.sha256, password=PASSWORD
    )
    body = {"audited_revenue": "665000000", "reason": "Typed from the draft report."}
    response = client_for("auditor").post(url("correct_report", deposited), body)
    html = response.content.decode()
    # Issue 12 item 3: no form is offered once signed; the page says why and the way forward (409).
    assert response.status_code == 409 and "raise a dispute over the quantity (EA 3.3)" in html
    assert 'data-testid="report-form"' not in html


def test_only_the_auditor_opens_the_correction_page(deposited, people, client_for):
    open_and_file(deposited, people, 1, SHORT)
    assert client_for("issuer").get(url("correct_report", deposited)).status_code == 403


def test_a_signatory_declines_and_every_party_sees_it_on_the_tranche_page(deposited, people, client_for):
    t = open_and_file(deposited, people, 1, SHORT)
    instruction = t.instruments.get(status="open")
    sign_page = client_for("purchaser").get(reverse("escrow:sign", args=[instruction.pk])).content.decode()
    assert 'data-testid="decline-link"' in sign_page
    decline_url = reverse("escrow:decline", args=[instruction.pk])
    refused = client_for("purchaser").post(decline_url, {"reason": ""})
    assert refused.status_code == 400 and not Decline.objects.exists()
    response = client_for("purchaser").post(decline_url, {"reason": "The revenue includes a related-party sale."})
    assert response.status_code == 302
    for who in ("seller", "agent1", "issuer", "compliance"):
        html = client_for(who).get(url("tranche", deposited)).content.decode()
        assert 'data-testid="decline-row"' in html and "The revenue includes a related-party sale." in html
    assert tranche(deposited, 1).state == "awaiting_instruction"
    assert Instrument.objects.get(pk=instruction.pk).status == "open"
    again = client_for("purchaser").get(reverse("escrow:sign", args=[instruction.pk])).content.decode()
    assert 'data-testid="decline-link"' not in again and 'data-testid="sign-form"' in again  # may still sign


def test_the_seller_cannot_decline_the_joint_instruction(deposited, people, client_for):
    t = open_and_file(deposited, people, 1, SHORT)
    instruction = t.instruments.get(status="open")
    response = client_for("seller").post(reverse("escrow:decline", args=[instruction.pk]), {"reason": "No"})
    assert response.status_code == 409 and "not a signatory of this document" in response.content.decode()
    assert client_for("auditor").get(reverse("escrow:decline", args=[instruction.pk])).status_code == 403


def test_the_deposit_page_takes_the_date_of_issue_and_the_deal_page_shows_it(kaixin, client_for):
    """EA 1.1 (issue 11 item 4, checked for issue 12 item 8): the officer enters the date of issue."""
    deposit_url = reverse("escrow:confirm_deposit", args=[kaixin.slug])
    form = client_for("agent1").get(deposit_url).content.decode()
    assert 'name="issue_date"' in form and 'placeholder="YYYY-MM-DD"' in form and "Date of issue (Beijing time)" in form
    assert 'data-testid="deposit-due"' in form  # the EA 1.1 deadline beside the field
    issued = kaixin.effective_date + timedelta(days=3)
    facts = {
        "reference": "DRS-7",
        "confirm": "on",
        "issue_date": issued.isoformat(),
        "transfer_agent": "CST",
        "recipient_account": "A",
    }
    assert client_for("agent1").post(deposit_url, facts).status_code == 302
    for who in ("seller", "issuer", "compliance"):
        html = client_for(who).get(reverse("escrow:deal", args=[kaixin.slug])).content.decode()
        assert 'data-testid="transfer-date-shown"' in html and "DRS-7" in html
    entry = HistoryEntry.objects.get(deal=kaixin, action="deposit_confirmed")
    assert entry.details["transfer"]["date"] == issued.isoformat() and entry.details["issued_late"] is False
