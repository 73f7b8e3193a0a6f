"""Issue 12 items 5 and 8 in the browser: the seller reads the transfer agent's references on the year page, the
deal page and the history, and downloads the release statement; compliance reaches the overview of overdue
items and holds from its dashboard, in English and in Chinese."""

import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.urls import reverse

from escrow import actions
from escrow.models import Role
from tests.browser.conftest import switch_language
from tests.conftest import open_and_file
from tests.escrow.transfer_facts import release_with_record
from tests.factories import make_deal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "kaixin-2025"


def _world(deal, people):
    """Kaixin: deposited, year 1 released with the transfer agent's record. Two more deals compliance
    oversees: one whose deposit was never confirmed (EA 1.1, overdue since December 2025), one with year 1
    disputed (EA 3.3, an active hold)."""
    try:
        actions.confirm_deposit(people["agent1"], deal, reference="DRS-0001")
        release_with_record(deal, people, 1, "665000000", "TA-2027-001")
        late, _ = make_deal("late", deposit=False)
        held, held_people = make_deal("held")
        open_and_file(held, held_people, 1, "600000000")
        actions.raise_dispute(held_people["seller"], held.tranches.get(year=1).pk, reason="Related-party sale.")
        for other in (late, held):
            actions.add_party(other, people["compliance"].organisation, Role.COMPLIANCE)
    finally:
        connection.close()  # this thread's connection, so the test database can be flushed


def test_the_seller_sees_every_reference_and_gets_the_statement(open_as, live_server, kaixin, people, shoot, tmp_path):
    # In a thread of its own: the seal applied at the last signature runs pyHanko's asyncio signer.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(_world, kaixin, people).result()

    seller = open_as("seller")
    seller.goto(live_server.url + reverse("escrow:tranche", args=[SLUG, 1]))
    assert "TA-2027-001" in seller.get_by_test_id("transfer-evidence").inner_text()
    assert "TA-2027-001" in seller.get_by_test_id("state-history").inner_text()
    seller.get_by_test_id("release-statement-link").scroll_into_view_if_needed()
    shoot(seller, "en-seller-year-references", tmp_path)
    with seller.expect_download() as info:
        seller.get_by_test_id("release-statement-link").click()
    statement = tmp_path / info.value.suggested_filename
    info.value.save_as(statement)
    assert statement.name.startswith(f"{SLUG}-release-statement-")
    text = subprocess.run(["pdftotext", str(statement), "-"], capture_output=True, text=True, check=True).stdout
    assert "TA-2027-001" in text and "股份释放对账单" in text

    seller.goto(live_server.url + reverse("escrow:deal", args=[SLUG]))
    assert "TA-2027-001" in seller.get_by_test_id("release-records").inner_text()
    seller.get_by_test_id("release-records").scroll_into_view_if_needed()
    shoot(seller, "en-deal-transfers", tmp_path)

    switch_language(seller, "zh-hans")
    seller.goto(live_server.url + reverse("escrow:history", args=[SLUG]))
    refs = seller.get_by_test_id("history-references").first
    assert "过户代理参考编号" in refs.inner_text() and "TA-2027-001" in refs.inner_text()
    refs.scroll_into_view_if_needed()
    shoot(seller, "zh-hans-history-references", tmp_path)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_compliance_reaches_the_overview_from_its_dashboard(
    open_as, live_server, kaixin, people, shoot, tmp_path, language
):
    with ThreadPoolExecutor(1) as pool:
        pool.submit(_world, kaixin, people).result()

    compliance = open_as("compliance")
    if language != "en":
        switch_language(compliance, language)
    compliance.goto(live_server.url + reverse("escrow:dashboard"))
    compliance.get_by_test_id("overview-link").click()
    compliance.wait_for_load_state()
    deals = compliance.get_by_test_id("overview-deal")
    assert deals.count() == 2
    assert deals.nth(0).get_attribute("data-deal") == "deal-late"  # the deposit, overdue the longest
    assert deals.nth(1).get_attribute("data-deal") == "deal-held"
    assert "EA 1.1" in deals.nth(0).inner_text() and "EA 3.3" in deals.nth(1).inner_text()
    table = compliance.get_by_test_id("overview-table")
    assert table.bounding_box()["width"] <= 1280
    shoot(compliance, f"{language}-compliance-overview", tmp_path)
