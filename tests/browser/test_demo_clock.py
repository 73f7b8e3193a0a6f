"""Issue 12 item 9: a visitor walks year 1 in the browser with the demo clock, as bin/demo starts it
(load_kaixin --demo: the deposit confirmed in the EA 1.1 window, the clock on 30 Nov 2026).

Screenshots: docs/screenshots/en-demo-clock-*.png and zh-demo-clock-*.png (UPDATE_SCREENSHOTS=1)."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from escrow.history.chain import chain_key_for
from escrow.models import Deal, HistoryEntry, Tranche, TrancheState
from escrow.queries.clock import contract_today
from tests.browser.conftest import switch_language
from tests.browser.test_kaixin_release import file_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "kaixin-2025"


@pytest.fixture
def demo(settings):
    settings.DEMO_CLOCK = True  # as config.settings.local; the live server runs in this process
    call_command("load_kaixin", "--demo", stdout=io.StringIO())


def move_to(page, day):
    page.get_by_test_id("demo-clock-date").fill(day)
    page.get_by_test_id("demo-clock-go").click()
    page.wait_for_load_state()


def today_shown(page):
    return page.get_by_test_id("demo-clock-today").inner_text().strip()


def test_a_visitor_walks_year_1_with_the_demo_clock(demo, open_as, live_server, shoot, tmp_path):
    issuer = open_as("issuer")
    # Day one: the deposit is in (EA 1.1, confirmed 22 Dec 2025), nothing waits and nothing is overdue.
    assert today_shown(issuer) == "2026-11-30"
    assert issuer.get_by_test_id("due-action").count() == 0
    assert "overdue" not in issuer.locator("main").inner_text().lower()
    issuer.goto(live_server.url + reverse("escrow:deal", args=[SLUG]))
    assert "DRS-KXIN-2025-1219" in issuer.locator("main").inner_text()
    shoot(issuer, "en-demo-clock-start", tmp_path)

    # SPA 5.1: the day after year 1 ends, the sweep run for that day opens it; the auditor's report is due.
    move_to(issuer, "2026-12-01")
    assert today_shown(issuer) == "2026-12-01"
    assert "the deadline sweep ran for 1 day" in issuer.get_by_test_id("messages").inner_text()
    assert Tranche.objects.get(deal__slug=SLUG, year=1).state == TrancheState.AWAITING_REPORT
    auditor = open_as("auditor")
    assert auditor.get_by_test_id("due-action").first.get_attribute("data-action") == "file_report"
    shoot(auditor, "en-demo-clock-year-1-open", tmp_path)

    # A week at a time, then to a date: the reminders of the days passed arrive (7 days before 29 Jan 2027).
    auditor.get_by_test_id("demo-clock-week").click()
    auditor.wait_for_load_state()
    assert today_shown(auditor) == "2026-12-08"
    move_to(auditor, "2027-01-22")
    auditor.goto(live_server.url + reverse("escrow:notifications"))
    notes = auditor.locator("main").inner_text()
    assert "in 7 days" in notes and "Kaixin" in notes, notes
    switch_language(auditor, "zh-hans")
    assert "演示时钟" in auditor.get_by_test_id("demo-clock").inner_text()
    assert today_shown(auditor) == "2027-01-22"
    shoot(auditor, "zh-demo-clock-reminders", tmp_path)

    # Every later action is dated by the demo clock: the joint instruction the report generates is issued on it.
    file_report(auditor, live_server)
    assert Tranche.objects.get(deal__slug=SLUG, year=1).state == TrancheState.AWAITING_INSTRUCTION
    assert contract_today().isoformat() == "2027-01-22"
    deal = Deal.objects.get(slug=SLUG)
    moves = HistoryEntry.objects.filter(chain__key=chain_key_for(deal), action="demo_clock_moved").order_by("seq")
    assert [(m.details["from"], m.details["to"]) for m in moves][1:] == [
        ("2026-11-30", "2026-12-01"),
        ("2026-12-01", "2026-12-08"),
        ("2026-12-08", "2027-01-22"),
    ]
    auditor.goto(live_server.url + reverse("escrow:history", args=[SLUG]))
    # In the reader's language (issue 12 item 1); the English record stays in the summary's title.
    assert "演示时钟由 2026-12-08 调至 2027-01-22" in auditor.locator("main").inner_text()
    assert auditor.locator('[title*="Demo clock moved from 2026-12-08 to 2027-01-22"]').count() >= 1
