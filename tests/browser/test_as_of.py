"""Issue 14 item 1 in the browser: the seller types a past day into the deal page's date picker and reads the
deal as it stood at the end of that Beijing day (the banner, the ledger, the years' states, signatures and
holds, no action), follows a year to its page as of the same day, and is refused a day after today, in English
and in Chinese."""

from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from tests.browser.conftest import switch_language
from tests.conftest import SHANGHAI
from tests.escrow.as_of_world import SUSPENDED, walk_year_one

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SLUG = "kaixin-2025"


def _world(user_model):
    try:
        walk_year_one(user_model)
    finally:
        connection.close()  # this thread's connection, so the test database can be flushed


def test_the_seller_reads_the_deal_as_of_a_past_day(open_as, live_server, django_user_model, shoot, tmp_path):
    # In a thread of its own: the seal applied at the last signature runs pyHanko's asyncio signer.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(_world, django_user_model).result()
    with time_machine.travel(datetime(2027, 3, 1, 10, tzinfo=SHANGHAI), tick=True):
        seller = open_as("seller")
        seller.goto(live_server.url + reverse("escrow:deal", args=[SLUG]))
        seller.get_by_test_id("as-of-input").fill(SUSPENDED.isoformat())
        seller.get_by_test_id("as-of-show").click()
        seller.wait_for_load_state()
        banner = seller.get_by_test_id("as-of-banner").inner_text()
        assert "As of 2027-01-23 (end of day, Beijing time)" in banner
        assert seller.get_by_test_id("ledger-in-escrow").inner_text() == "15,000,000"
        assert seller.get_by_test_id("as-of-hold").count() == 1
        assert seller.get_by_test_id("as-of-signature").count() == 2
        for action in ("deal-step-button", "year-action", "deal-actions"):
            assert seller.get_by_test_id(action).count() == 0
        shoot(seller, "en-deal-as-of", tmp_path)

        seller.get_by_test_id("as-of-year-link").first.click()
        seller.wait_for_load_state()
        assert "as_of=2027-01-23" in seller.url
        assert "As of 2027-01-23" in seller.get_by_test_id("as-of-banner").inner_text()

        switch_language(seller, "zh-hans")
        seller.goto(live_server.url + reverse("escrow:deal", args=[SLUG]) + "?as_of=2027-01-23")
        assert "截至 2027-01-23（北京时间当日终了）" in seller.get_by_test_id("as-of-banner").inner_text()
        shoot(seller, "zh-hans-deal-as-of", tmp_path)

        seller.get_by_test_id("as-of-input").fill(date(2027, 3, 2).isoformat())
        seller.get_by_test_id("as-of-show").click()
        seller.wait_for_load_state()
        error = seller.get_by_test_id("as-of-error").inner_text()
        assert "2027-03-02" in error and "晚于今日" in error
        shoot(seller, "zh-hans-deal-as-of-refused", tmp_path)
