"""Issue 14 items 2, 3 in the browser (SPA 3.2, EA 1.3): Kaixin after year 1's partial release (2,700,000 of
15,000,000); the issuer's cash and stock dividends and a shareholder meeting; the escrow agent records the
pass-through on its form, the seller gives its voting instruction on its form and reads the Dividends and votes
page, in English and in Chinese."""

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from django.db import connection
from django.urls import reverse

from escrow import actions
from escrow.actions import holdings as act
from escrow.queries.clock import contract_today
from tests.browser.conftest import switch_language
from tests.escrow.transfer_facts import release_with_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "kaixin-2025"


def _world(deal, people):
    try:
        actions.confirm_deposit(
            people["agent1"],
            deal,
            reference="DRS-KXIN-2025-1219",
            issue_date=date(2025, 12, 19),
            transfer_agent="Continental Stock Transfer",
            recipient_account="AUTOA2A book entry",
        )
        release_with_record(deal, people, 1, "598500000", "TA-2027-001")
        today = contract_today()
        for kind, per_share in (("cash", "0.05"), ("shares", "0.05")):
            act.record_dividend(
                people["issuer"],
                deal,
                kind=kind,
                declared_on=today - timedelta(days=10),
                record_date=today,
                payment_date=today,
                per_share=per_share,
                currency="USD" if kind == "cash" else "",
            )
        act.record_meeting(
            people["issuer"],
            deal,
            record_date=today,
            meeting_date=today + timedelta(days=30),
            resolutions="Re-elect the directors\nAppoint the auditor for 2027\nApprove the share incentive plan",
        )
    finally:
        connection.close()


def test_pass_through_instruction_and_the_page_in_both_languages(open_as, live_server, kaixin, people, shoot, tmp_path):
    with ThreadPoolExecutor(1) as pool:
        pool.submit(_world, kaixin, people).result()
    url = live_server.url + reverse("escrow:holdings", args=[SLUG])

    agent = open_as("agent1")
    agent.goto(url)
    agent.get_by_test_id("pass-through-link").click()
    assert "615,000.00" in agent.get_by_test_id("entitlement").inner_text()
    agent.get_by_label("Payment reference").fill("WIRE-2026-0001")
    agent.get_by_label("Amount paid").fill("553,500.00")
    agent.get_by_label("Amount withheld, if any").fill("61,500.00")
    agent.get_by_label("Why it was withheld (tax, fees)").fill("10% withholding tax")
    agent.get_by_label("Paid to the seller on").fill(contract_today().isoformat())
    shoot(agent, "en-agent-dividend-pass-through", tmp_path)
    agent.get_by_test_id("holding-button").click()
    agent.wait_for_load_state()
    assert agent.url.endswith(reverse("escrow:holdings", args=[SLUG]))
    assert "WIRE-2026-0001" in agent.get_by_test_id("dividends").inner_text()

    seller = open_as("seller")
    seller.goto(url)
    seller.get_by_test_id("instruct-link").click()
    radios = seller.locator("input[type=radio]")
    assert radios.count() == 9
    for index in (0, 4, 8):  # for, against, abstain
        radios.nth(index).check()
    seller.get_by_test_id("holding-button").click()
    seller.wait_for_load_state()
    assert "receipt-link" in seller.content()
    assert "12,300,000" in seller.get_by_test_id("dividends").inner_text()
    shoot(seller, "en-seller-dividends-votes", tmp_path)
    seller.get_by_test_id("meeting").scroll_into_view_if_needed()
    shoot(seller, "en-seller-votes", tmp_path)

    switch_language(seller, "zh-hans")
    seller.goto(url)
    assert "股息与投票" in seller.content() and "卖方应得" in seller.content()
    shoot(seller, "zh-hans-seller-dividends-votes", tmp_path)
    seller.get_by_test_id("meeting").scroll_into_view_if_needed()
    assert "赞成" in seller.get_by_test_id("meeting").inner_text()
    shoot(seller, "zh-hans-seller-votes", tmp_path)
