"""Layouts that fit (issue 12 item 6): at 1,280 px and on a phone (390 px) no page is wider than the window;
a wide table scrolls inside its card only; the history's hashes are shortened, the full value in the title and
a copy button."""

import pytest
from django.urls import reverse

from tests.conftest import open_and_file, release

from .conftest import switch_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# What sticks out of the window, if anything: the page's own width against the window's (what scrolls inside
# a card is not the page's).
# At 1,280 px the history and the deal's years fit their cards: nothing to scroll, no column cut.
TABLES_FIT = """() => Array.from(document.querySelectorAll('.table-wrap')).map(
  (w) => ({table: w.querySelector('table').dataset.testid, need: w.scrollWidth, have: w.clientWidth}))"""
OVERFLOW = """() => {
  const width = window.innerWidth, wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > width + 1 && !el.closest('.card'))
      wide.push(el.tagName + '.' + el.className + ' ' + Math.round(r.right));
  }
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5)};
}"""


@pytest.fixture
def walked(deposited, people):
    """Year 1 released: the history has a few dozen entries with hashes, the deal table every column."""
    open_and_file(deposited, people, 1, "598500000")
    release(deposited, people, 1)
    return deposited


def _pages(deal):
    return {
        "dashboard": reverse("escrow:dashboard"),
        "deal": reverse("escrow:deal", args=[deal.slug]),
        "year": reverse("escrow:tranche", args=[deal.slug, 1]),
        "history": reverse("escrow:history", args=[deal.slug]),
        "notifications": reverse("escrow:notifications"),
    }


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_page_fits_the_window_at_1280_and_on_a_phone(open_as, live_server, walked, tmp_path, language):
    page = open_as("agent1")
    if language != "en":
        switch_language(page, language)
    too_wide = []
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        for name, path in _pages(walked).items():
            assert page.goto(live_server.url + path).status == 200
            fit = page.evaluate(OVERFLOW)
            page.screenshot(path=str(tmp_path / f"layout-{language}-{size}-{name}.png"), full_page=True)
            if fit["scroll"] > fit["width"]:
                too_wide.append(f"{name} at {size}: {fit}")
            if size == "desktop" and name in ("deal", "history"):
                too_wide += [f"{name} at {size}: {t}" for t in page.evaluate(TABLES_FIT) if t["need"] > t["have"]]
    assert not too_wide, "\n".join(too_wide)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_deal_table_keeps_its_last_column_with_an_action_offered(
    open_as, live_server, deposited, people, tmp_path, language
):
    """The issuer's turn to sign (EA 3.1(b)): "Who must act" holds a button, and still fits at 1,280 px."""
    open_and_file(deposited, people, 1, "598500000")
    page = open_as("issuer")
    if language != "en":
        switch_language(page, language)
    page.set_viewport_size(SIZES["desktop"])
    page.goto(live_server.url + reverse("escrow:deal", args=[deposited.slug]))
    assert page.get_by_test_id("year-action").count() == 1
    page.get_by_test_id("timeline").scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / f"deal-table-{language}.png"))
    assert [t for t in page.evaluate(TABLES_FIT) if t["need"] > t["have"]] == []
    action = page.get_by_test_id("year-action").bounding_box()
    assert action["x"] + action["width"] <= 1280


def test_history_hashes_are_short_with_the_full_value_and_a_copy_button(open_as, live_server, walked, shoot, tmp_path):
    page = open_as("agent1")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.set_viewport_size(SIZES["desktop"])
    page.goto(live_server.url + reverse("escrow:history", args=[walked.slug]))
    table = page.get_by_test_id("history-table")
    assert table.bounding_box()["width"] <= 1280
    first = page.get_by_test_id("history-hash").first
    full = first.get_attribute("data-hash")
    assert len(full) == 64 and first.get_attribute("title") == full
    assert first.inner_text().strip() == full[:12] + "…"
    button = page.get_by_test_id("copy-hash").first
    button.click()
    assert page.evaluate("() => navigator.clipboard.readText()") == full
    page.wait_for_function("(b) => b.dataset.copied === 'yes'", arg=button.element_handle())
    table.scroll_into_view_if_needed()
    shoot(page, "history-1280", tmp_path)
    page.set_viewport_size(SIZES["phone"])
    page.reload()
    page.get_by_test_id("history-table").scroll_into_view_if_needed()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= SIZES["phone"]["width"]
    shoot(page, "history-phone", tmp_path)
