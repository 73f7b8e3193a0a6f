"""Kaixin year 1, from the audited report to the release, each role in its own browser."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from escrow import actions
from escrow.models import Deal, Tranche
from tests.browser.test_call_back import record_call_back
from tests.browser.transfer_facts import AGENT, SELLER_ACCOUNT, fill_transfer_facts, pdf_file
from tests.conftest import PASSWORD, make_pdf
from tests.escrow.call_backs import registered

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "kaixin-2025"


def url(live_server, name, *args):
    return live_server.url + reverse(name, args=args)


def confirm_deposit(page, live_server):
    """EA 1.1 with the transfer agent's record of the issue (issue 11 item 4)."""
    page.goto(url(live_server, "escrow:confirm_deposit", SLUG))
    page.get_by_test_id("deposit-reference").fill("DRS-0001")
    page.get_by_test_id("deposit-issue-date").fill(Deal.objects.get(slug=SLUG).effective_date.isoformat())
    page.get_by_test_id("deposit-transfer-agent").fill(AGENT)
    page.get_by_test_id("deposit-account").fill("Account 77-001, Trustee Escrow Services Ltd as escrow agent")
    page.get_by_test_id("deposit-confirmation").set_input_files(pdf_file("drs-issue.pdf", "DRS issue advice"))
    page.get_by_test_id("intent-checkbox").check()
    page.get_by_test_id("confirm-deposit-button").click()
    page.wait_for_load_state()


def file_report(page, live_server):
    page.goto(url(live_server, "escrow:file_report", SLUG, 1))
    page.get_by_test_id("audited-revenue").fill("700000000")
    page.get_by_test_id("preview-file_report").click()  # issue 12 item 8: the quantity first, nothing filed
    page.wait_for_load_state()
    assert page.get_by_test_id("preview-quantity").inner_text().strip() == "3,000,000"
    page.get_by_test_id("report-file").set_input_files(
        {"name": "kaixin-2026-audit.pdf", "mimeType": "application/pdf", "buffer": make_pdf("Audited revenue 700m")}
    )
    page.get_by_test_id("confirm-report").check()
    page.get_by_test_id("confirm-file_report").click()
    page.wait_for_load_state()


def sign(page, live_server, instrument):
    page.goto(url(live_server, "escrow:sign", instrument.pk))
    assert page.get_by_test_id("document-hash").inner_text().strip() == instrument.document.sha256
    page.get_by_test_id("intent-checkbox").check()
    page.get_by_test_id("password").fill(PASSWORD)
    page.get_by_test_id("sign-button").click()
    page.wait_for_load_state()
    receipt = page.get_by_test_id("signature-receipt")
    assert receipt.is_visible(), page.content()[:3000]
    assert instrument.document.sha256 in receipt.inner_text()


def officer_step(page, live_server, name, button, reference=None):
    page.goto(url(live_server, name, SLUG, 1))
    if reference:  # officer 2 records the transfer agent's facts (EA 3.2, issue 11 item 4)
        page.get_by_test_id("transfer-reference").fill(reference)
        fill_transfer_facts(page)
    page.get_by_test_id("intent-checkbox").check()
    page.get_by_test_id("password").fill(PASSWORD)
    page.get_by_test_id(button).click()
    page.wait_for_load_state()
    assert not page.get_by_test_id("form-error").count(), page.get_by_test_id("form-error").inner_text()


def test_year_one_from_report_to_release(open_as, live_server, kaixin, shoot, tmp_path):
    agent1 = open_as("agent1")
    confirm_deposit(agent1, live_server)
    assert Deal.objects.get(pk=kaixin.pk).state == "in_escrow"

    year1 = Tranche.objects.get(deal=kaixin, year=1)
    actions.open_year(year1.pk, today=year1.period_end + timedelta(days=1))  # as the sweep would

    file_report(open_as("auditor"), live_server)
    year1 = Tranche.objects.get(pk=year1.pk)  # FSM-protected state: fetch anew
    assert year1.state == "awaiting_instruction" and year1.release_quantity == 3_000_000
    instruction = year1.instruments.get(kind="joint_instruction", status="open")

    issuer = open_as("issuer")
    issuer.goto(url(live_server, "escrow:dashboard"))
    shoot(issuer, "en-dashboard", tmp_path)
    issuer.goto(url(live_server, "escrow:sign", instruction.pk))
    shoot(issuer, "en-signing", tmp_path)
    sign(issuer, live_server, instruction)
    sign(open_as("purchaser"), live_server, instruction)
    year1 = Tranche.objects.get(pk=year1.pk)
    assert year1.state == "instructed"

    officer_step(agent1, live_server, "escrow:prepare_release", "prepare-button")
    # Issue 10 item 2: officer 1 calls the issuer's registered signatory back (the purchaser signed last).
    record_call_back(agent1, live_server, registered(kaixin, get_user_model().objects.get(username="issuer")))
    officer_step(open_as("agent2"), live_server, "escrow:approve_release", "approve-button", reference="TA-2027-001")
    year1 = Tranche.objects.get(pk=year1.pk)
    assert year1.state == "released"

    seller = open_as("seller")
    seller.goto(url(live_server, "escrow:tranche", SLUG, 1))  # issue 11 item 4: the seller sees the transfer
    evidence = seller.get_by_test_id("transfer-evidence")
    assert SELLER_ACCOUNT in evidence.inner_text() and AGENT in evidence.inner_text()
    assert seller.get_by_test_id("transfer-confirmation-link").is_visible()
    evidence.scroll_into_view_if_needed()
    seller.evaluate("window.scrollBy(0, -40)")
    shoot(seller, "transfer-evidence", tmp_path)
    seller.goto(url(live_server, "escrow:deal", SLUG))
    assert seller.get_by_test_id("released-shares").inner_text().strip() == "3,000,000"
    assert "DRS-0001" in seller.get_by_test_id("transfer-evidence").inner_text()
    shoot(seller, "en-deal", tmp_path)
    seller.goto(url(live_server, "escrow:whatif", SLUG))
    shoot(seller, "en-whatif", tmp_path)


def test_outsider_gets_404_on_the_deal(open_as, live_server, kaixin, outsider):
    page = open_as("outsider")
    response = page.goto(url(live_server, "escrow:deal", SLUG))
    assert response.status == 404
    assert page.goto(url(live_server, "escrow:tranche", SLUG, 1)).status == 404
