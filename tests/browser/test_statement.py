"""Issue 14 item 6 in the browser: the seller opens the Statement tab, chooses January 2027 (the year-1 release)
and reads the positions, the release and the reconciliation line, in English and in Chinese."""

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from tests.browser.conftest import switch_language
from tests.conftest import SHANGHAI
from tests.escrow.statements_world import walk_into_february

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SLUG = "kaixin-2025"


def _world(user_model):
    try:
        walk_into_february(user_model)
    finally:
        connection.close()


def test_the_seller_reads_its_statement_for_january(open_as, live_server, django_user_model, shoot, tmp_path):
    with ThreadPoolExecutor(1) as pool:
        pool.submit(_world, django_user_model).result()
    with time_machine.travel(datetime(2027, 3, 1, 10, tzinfo=SHANGHAI), tick=True):
        seller = open_as("seller")
        seller.goto(live_server.url + reverse("escrow:deal", args=[SLUG]))
        seller.get_by_test_id("tab-statement").click()
        seller.wait_for_load_state()
        seller.locator("#statement-start").fill("2027-01-01")
        seller.locator("#statement-end").fill("2027-01-31")
        seller.get_by_test_id("statement-show").click()
        seller.wait_for_load_state()
        assert "start=2027-01-01" in seller.url
        assert "reconciles to the ledger" in seller.get_by_test_id("statement-reconciles").inner_text()
        assert "TA-REF-1" in seller.get_by_test_id("statement-releases").inner_text()
        shoot(seller, "en-statement", tmp_path)

        switch_language(seller, "zh-hans")
        page = reverse("escrow:deal_statement", args=[SLUG])
        seller.goto(f"{live_server.url}{page}?start=2027-01-01&end=2027-01-31")
        assert "与台账一致" in seller.get_by_test_id("statement-reconciles").inner_text()
        shoot(seller, "zh-hans-statement", tmp_path)
