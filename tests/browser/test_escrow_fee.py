"""The escrow fee (EA 4.4, EA 2; issue 14 item 5) as people use it: the agent issues the invoices of the started
escrow years and records a payment; the issuer, who pays under P9's default, reads them and downloads a PDF; the
pages read the same in Chinese."""

from datetime import date

import pytest
from django.urls import reverse

from escrow import actions
from escrow.models import Deal, FeeInvoice

from .conftest import switch_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TODAY = date(2030, 12, 31)  # nine days into the sixth escrow year


@pytest.fixture
def issued(kaixin, people, monkeypatch):
    actions.confirm_deposit(people["agent1"], kaixin, reference="DRS-0001", issue_date=date(2025, 12, 22))
    for module in ("escrow.actions.fees", "escrow.queries.preconditions", "escrow.views.fees"):
        monkeypatch.setattr(f"{module}.contract_today", lambda: TODAY)
    return Deal.objects.get(pk=kaixin.pk)


def test_the_agent_invoices_and_the_issuer_reads(open_as, live_server, people, issued, shoot, tmp_path):
    page = open_as("agent1")
    page.goto(live_server.url + reverse("escrow:deal", args=[issued.slug]))
    assert "EA 4.2" in page.get_by_test_id("ea-4-2").inner_text()
    page.get_by_test_id("tab-fees").click()
    page.get_by_test_id("fee-issue-link").click()
    assert page.get_by_test_id("fee-due-years").locator("li").count() == 6
    page.get_by_test_id("fee-issue-confirm").check()
    page.get_by_test_id("fee-issue-button").click()
    page.wait_for_load_state()
    assert FeeInvoice.objects.filter(deal=issued).count() == 6
    assert page.get_by_test_id("fee-issue-link").count() == 0  # nothing left to issue: not offered

    page.get_by_test_id("fee-pay-1").click()
    page.get_by_test_id("fee-paid-on").fill("2031-01-05")
    page.get_by_test_id("fee-reference").fill("SWIFT-0042")
    page.get_by_test_id("fee-pay-button").click()
    page.wait_for_load_state()
    assert "future" in page.content() or "after today" in page.content()  # 2031-01-05 is after today
    page.get_by_test_id("fee-paid-on").fill("2030-12-31")
    page.get_by_test_id("fee-pay-button").click()
    page.wait_for_load_state()
    assert FeeInvoice.objects.get(deal=issued, year=1).paid_reference == "SWIFT-0042"
    shoot(page, "en-escrow-fee", tmp_path)

    page = open_as("issuer")
    page.goto(live_server.url + reverse("escrow:deal_fees", args=[issued.slug]))
    assert page.get_by_test_id("fee-invoice-6").count() == 1
    assert page.get_by_test_id("fee-actions").count() == 0  # the issuer only reads
    with page.expect_download() as download:
        page.get_by_test_id("fee-pdf-1").click()
    assert download.value.suggested_filename == "kaixin-2025-FEE-1.pdf"
    switch_language(page, "zh-hans")
    assert "托管费" in page.locator("h1").inner_text()
    shoot(page, "zh-hans-escrow-fee", tmp_path)
