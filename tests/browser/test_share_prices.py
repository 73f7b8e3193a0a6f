"""The issuer enters and corrects NASDAQ closes on the deal's price page (SPA 8.2) as a person would:
a close dated tomorrow is refused and nothing is stored, a close for yesterday is stored, a correction
needs a reason and keeps the old value in the reference history; the page reads the same in Chinese."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from escrow.history.chain import REFERENCE_CHAIN
from escrow.models import HistoryAction, HistoryEntry, SharePrice
from escrow.queries.clock import contract_today

from .conftest import switch_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_issuer_enters_and_corrects_a_close(open_as, live_server, people, deposited, shoot, tmp_path):
    page = open_as("issuer")
    page.goto(live_server.url + reverse("escrow:deal", args=[deposited.slug]))
    page.get_by_role("link", name="Share prices").click()
    assert page.url.endswith(reverse("escrow:deal_prices", args=[deposited.slug]))

    tomorrow, yesterday = contract_today() + timedelta(days=1), contract_today() - timedelta(days=1)
    page.get_by_test_id("price-day").fill(tomorrow.isoformat())
    page.get_by_test_id("price-close").fill("2.51")
    page.get_by_test_id("submit-enter-price").click()
    page.wait_for_load_state()
    assert "future" in page.content() or "known only after" in page.content()
    assert not SharePrice.objects.exists()

    page.get_by_test_id("price-day").fill(yesterday.isoformat())
    page.get_by_test_id("price-close").fill("2.51")
    page.get_by_test_id("submit-enter-price").click()
    page.wait_for_load_state()
    assert SharePrice.objects.get(ticker="KXIN", day=yesterday).close == Decimal("2.51")
    assert page.get_by_test_id("price-close-value").first.inner_text() == "2.5100"

    page.get_by_test_id("correct-link").first.click()
    page.wait_for_load_state()
    page.locator("#id_correct-close").fill("2.49")
    page.get_by_test_id("submit-correct-price").click()  # no reason: refused
    page.wait_for_load_state()
    assert SharePrice.objects.get(day=yesterday).close == Decimal("2.51")
    page.locator("#id_correct-reason").fill("NASDAQ published a corrected close")
    page.get_by_test_id("submit-correct-price").click()
    page.wait_for_load_state()
    assert SharePrice.objects.get(day=yesterday).close == Decimal("2.49")
    corrected = HistoryEntry.objects.filter(chain__key=REFERENCE_CHAIN, action=HistoryAction.SHARE_PRICE_CORRECTED)
    assert corrected.get().actor == people["issuer"]
    shoot(page, "en-share-prices", tmp_path)

    switch_language(page, "zh-hans")
    assert page.get_by_test_id("prices-heading").inner_text().startswith("股价"), page.get_by_test_id(
        "prices-heading"
    ).inner_text()
    shoot(page, "zh-hans-share-prices", tmp_path)
