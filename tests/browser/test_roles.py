"""Issue 12 item 8 in a browser: the auditor previews the computed quantity and confirms before filing,
corrects the report before anyone signed, and a signatory declines to sign with a reason that every party
then reads on the year's page. Screenshots: role-report-preview, role-report-corrected, role-decline,
role-declined-tranche (docs/screenshots with UPDATE_SCREENSHOTS=1)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from escrow import actions
from escrow.models import AuditReport, Decline, Instrument, Tranche
from tests.browser.conftest import switch_language
from tests.conftest import make_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "kaixin-2025"
REASON = "The revenue includes a related-party sale of RMB 12,000,000; we do not sign this quantity."


@pytest.fixture
def year_one_open(kaixin, people):
    actions.confirm_deposit(people["agent1"], kaixin, reference="DRS-0001", issue_date=kaixin.effective_date)
    t = Tranche.objects.get(deal=kaixin, year=1)
    actions.open_year(t.pk, today=t.period_end + timedelta(days=1))
    return t


def go(page, live_server, name, *args):
    page.goto(live_server.url + reverse(name, args=args))
    page.wait_for_load_state()


def preview(page, revenue, *, reason=None):
    page.get_by_test_id("audited-revenue").fill(revenue)
    if reason:
        page.get_by_test_id("correction-reason").fill(reason)
    page.locator("[data-testid^=preview-]").first.click()
    page.wait_for_load_state()


def attach_and_confirm(page, pdf_name, action):
    page.get_by_test_id("report-file").set_input_files(
        {"name": pdf_name, "mimeType": "application/pdf", "buffer": make_pdf(pdf_name)}
    )
    page.get_by_test_id("confirm-report").check()
    page.get_by_test_id(f"confirm-{action}").click()
    page.wait_for_load_state()


def test_the_auditor_previews_confirms_and_corrects(open_as, live_server, shoot, tmp_path, year_one_open):
    auditor = open_as("auditor")
    go(auditor, live_server, "escrow:file_report", SLUG, 1)
    preview(auditor, "598,500,000")
    assert auditor.get_by_test_id("preview-quantity").inner_text().strip() == "2,700,000"
    assert auditor.get_by_test_id("explanation").count() >= 2
    assert not AuditReport.objects.exists()  # nothing stored until confirmed
    shoot(auditor, "role-report-preview", tmp_path)
    attach_and_confirm(auditor, "kaixin-y1-draft.pdf", "file_report")
    assert auditor.get_by_test_id("release-quantity").inner_text().strip() == "2,700,000"

    # The draft figure was typed: correct it before anyone signs (SPA 4.2, EA 3.1(a)).
    auditor.get_by_test_id("offer-correct_report").click()
    auditor.wait_for_load_state()
    preview(auditor, "665,000,000", reason="The draft report's figure was typed.")
    assert auditor.get_by_test_id("preview-quantity").inner_text().strip() == "3,000,000"
    attach_and_confirm(auditor, "kaixin-y1-final.pdf", "correct_report")
    assert auditor.get_by_test_id("release-quantity").inner_text().strip() == "3,000,000"
    assert auditor.get_by_test_id("report-superseded").count() == 1
    assert "The draft report's figure was typed." in auditor.get_by_test_id("reports").inner_text()
    auditor.get_by_test_id("reports").scroll_into_view_if_needed()
    shoot(auditor, "role-report-corrected", tmp_path)
    assert AuditReport.objects.filter(superseded_by__isnull=False).count() == 1


def test_a_signatory_declines_and_the_others_see_why(open_as, live_server, shoot, tmp_path, year_one_open, people):
    actions.file_report(people["auditor"], year_one_open.pk, audited_revenue="598500000", pdf=make_pdf())
    instruction = Instrument.objects.get(tranche=year_one_open, status="open")
    purchaser = open_as("purchaser")
    go(purchaser, live_server, "escrow:sign", instruction.pk)
    purchaser.get_by_test_id("decline-link").click()
    purchaser.wait_for_load_state()
    purchaser.get_by_test_id("decline-reason").fill(REASON)
    shoot(purchaser, "role-decline", tmp_path)
    purchaser.get_by_test_id("decline-button").click()
    purchaser.wait_for_load_state()
    assert Decline.objects.get().reason == REASON

    issuer = open_as("issuer")
    switch_language(issuer, "zh-hans")
    go(issuer, live_server, "escrow:tranche", SLUG, 1)
    declines = issuer.get_by_test_id("declines")
    assert REASON in declines.inner_text() and issuer.get_by_test_id("sign-link").count() == 1  # still open
    declines.scroll_into_view_if_needed()
    shoot(issuer, "role-declined-tranche", tmp_path)
    assert Instrument.objects.get(pk=instruction.pk).status == "open"
