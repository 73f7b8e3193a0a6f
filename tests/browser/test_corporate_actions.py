"""A 1-for-30 consolidation walked in a browser (issue 14 item 4): after year 1 released 2,700,000, the issuer
proposes from the deal's Corporate actions tab, the escrow agent confirms, and the page shows 12,300,000 shares
in escrow become 410,000 and the rebased tranche sizes, in English and in Chinese.
Screenshots: docs/screenshots/en-corporate-actions.png, zh-corporate-actions.png (UPDATE_SCREENSHOTS=1)."""

import pytest
from django.urls import reverse

from escrow.models import ShareMovement
from escrow.queries.clock import contract_today
from tests.browser.conftest import switch_language
from tests.conftest import open_and_file, release

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_propose_and_confirm_a_consolidation(open_as, live_server, people, deposited, shoot, tmp_path):
    open_and_file(deposited, people, 1, "598500000")
    release(deposited, people, 1)
    url = live_server.url + reverse("escrow:corporate_actions", args=[deposited.slug])

    issuer = open_as("issuer")
    issuer.goto(live_server.url + reverse("escrow:deal", args=[deposited.slug]))
    issuer.get_by_test_id("tab-corporate-actions").click()
    issuer.wait_for_load_state()
    assert issuer.url == url
    form = issuer.get_by_test_id("propose-corporate-action")
    form.locator("#id_ratio_new").fill("1")
    form.locator("#id_ratio_old").fill("30")
    form.locator("#id_effective_date").fill(contract_today().isoformat())
    form.locator("#id_fraction_policy").select_option("round-up")
    form.locator("#id_new_cusip").fill("G5223X167")
    form.locator("#id_terms").fill("Form 6-K: 1-for-30 share consolidation")
    issuer.get_by_test_id("propose-corporate-action-button").click()
    issuer.wait_for_load_state()
    assert issuer.get_by_test_id("propose-corporate-action").count() == 0

    agent = open_as("agent1")
    agent.goto(url)
    agent.get_by_test_id("confirm-corporate-action").locator("#id_reference").fill("CST-CONSOL-1")
    agent.get_by_test_id("confirm-corporate-action-button").click()
    agent.wait_for_load_state()
    assert "12,300,000 became 410,000" in agent.get_by_test_id("rebase").inner_text()
    sizes = [agent.locator(f'[data-testid="tranche-size"][data-year="{y}"]').inner_text() for y in range(1, 6)]
    assert sizes == ["2,710,000", "100,000", "100,000", "100,000", "100,000"]
    assert ShareMovement.objects.filter(deal=deposited).balances()["in_escrow"] == 410_000
    shoot(agent, "en-corporate-actions", tmp_path)

    seller = open_as("seller")
    seller.goto(url)
    switch_language(seller, "zh-hans")
    assert "30 股合为 1 股" in seller.get_by_test_id("corporate-actions").inner_text()
    shoot(seller, "zh-corporate-actions", tmp_path)
