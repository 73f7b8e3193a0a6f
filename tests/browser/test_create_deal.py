"""A staff member creates a deal on /deals/new/ as a person would: a mistake first (refused, nothing
created), then the terms as the agreement states them; the deal's history starts with those terms."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from escrow.models import Deal, HistoryAction
from tests.conftest import PASSWORD

from .conftest import switch_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YEARS = [("2026-01-01", "2026-12-31", "100000000"), ("2027-01-01", "2027-12-31", "120000000")]


@pytest.fixture
def desk(db):
    user = get_user_model().objects.create_user("desk", password=PASSWORD, is_staff=True, email="desk@x.invalid")
    user.user_permissions.add(Permission.objects.get(codename="add_deal"))
    return user


def fill_terms(page, *, second_target):
    page.locator("#id_slug").fill("acme-2026")
    page.locator("#id_name").fill("Acme earn-out")
    page.locator("#id_target_company").fill("Acme Ltd")
    page.locator("#id_total_shares").fill("2000000")
    page.locator("#id_ticker").fill("ACME")
    page.locator("#id_effective_date").fill("2026-01-05")
    for i, (start, end, target) in enumerate(YEARS):
        page.locator(f"#id_tranches-{i}-period_start").fill(start)
        page.locator(f"#id_tranches-{i}-period_end").fill(end)
        page.locator(f"#id_tranches-{i}-target_revenue").fill(second_target if i == 1 else target)


def test_staff_create_a_deal_in_english_and_read_the_page_in_chinese(open_as, live_server, desk, shoot, tmp_path):
    page = open_as("desk")
    page.goto(live_server.url + reverse("escrow:dashboard"))
    page.get_by_role("link", name="Create a deal").click()
    assert page.url.endswith(reverse("escrow:create_deal"))

    fill_terms(page, second_target="-5")
    page.get_by_test_id("create-deal-button").click()
    page.wait_for_load_state()
    errors = page.locator(".field-error, [data-testid=form-error]").all_inner_texts()
    assert errors, "a negative target must be refused with a message"
    assert not Deal.objects.exists()
    assert page.locator("[name=calendar]").count() == 1, "each field is on the page once"
    shoot(page, "en-create-deal-refused", tmp_path)

    page.locator("#id_tranches-1-target_revenue").fill("120000000")
    page.get_by_test_id("create-deal-button").click()
    page.wait_for_load_state()
    deal = Deal.objects.get(slug="acme-2026")
    assert (deal.total_shares, deal.tranche_count) == (2_000_000, 2)
    assert "Acme earn-out" in page.content() and page.url.endswith(reverse("escrow:dashboard"))
    first = deal.history.order_by("seq").first()
    assert first.action == HistoryAction.DEAL_CREATED and first.actor == desk
    targets = [Decimal(t["target_revenue"]) for t in first.details["tranches"]]
    assert targets == [Decimal("100000000"), Decimal("120000000")]

    page.goto(live_server.url + reverse("escrow:create_deal"))
    switch_language(page, "zh-hans")
    assert page.locator("h1").inner_text().startswith("创建"), page.locator("h1").inner_text()
    shoot(page, "zh-hans-create-deal", tmp_path)
