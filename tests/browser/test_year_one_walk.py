"""Issue 12, done means: year 1 walked in a browser in English and in Chinese, every action taken by its role.

Seven people, each in their own browser and language: the officer confirms the deposit (EA 1.1), the year
ends (SPA 5.1, as the sweep does), the approved firm previews and files its report (SPA 4.2, 5.2), the issuer
and the purchaser sign (EA 3.1(b)), officer 1 prepares and calls back, officer 2 approves (EA 3.2), the seller
reads the references and downloads the release statement, compliance reads the history. Then each person
opens the deal page's issue-14 tabs from the deal page as they would: the seller its dividends and votes and
its statement, the issuer the corporate actions, officer 1 the escrow fee, and compliance the deal as of a
day with the date picker (today's contract date: the walk's deal was created today, the earliest day it takes).

At every state, every person opens the year's page and the test checks that what it offers (buttons and
"Review and sign") is exactly what the actions would accept from that person now
(escrow.queries.available.Now): nothing offered is refused, nothing allowed is hidden. In Chinese no
calculation step, state-history line or history row is left in English (tests.latin). Each person's page is
photographed at the step they act in, in both languages (docs/screenshots/walk-*.png with
UPDATE_SCREENSHOTS=1). On the issue-14 pages, in Chinese, nothing a reader reads in the page's body is left
in English.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from escrow import actions
from escrow.models import Deal, Tranche
from escrow.queries.available import Now
from escrow.queries.clock import contract_today
from tests.browser.conftest import switch_language
from tests.browser.test_call_back import record_call_back
from tests.browser.transfer_facts import AGENT, DEPOSIT_ACCOUNT, TYPED, fill_transfer_facts, pdf_file
from tests.conftest import PASSWORD, make_pdf
from tests.escrow.call_backs import registered
from tests.latin import kaixin_names, latin_sentences

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "kaixin-2025"
EVERYONE = ("issuer", "purchaser", "seller", "auditor", "agent1", "agent2", "compliance")
# The year's page sections a Chinese reader reads as sentences (tests.latin finds English left in them).
CHINESE_SECTIONS = ("calculation", "state-history")


def url(live_server, name, *args):
    return live_server.url + reverse(name, args=args)


class Walk:
    """One language's walk: a browser page per person, the checks at every state."""

    def __init__(self, open_as, live_server, language, shoot, tmp_path):
        self.live_server, self.language, self.shoot, self.tmp_path = live_server, language, shoot, tmp_path
        self.pages = {}
        for username in EVERYONE:
            page = open_as(username)
            if language != "en":
                page.goto(url(live_server, "escrow:dashboard"))
                switch_language(page, language)
            self.pages[username] = page
        # What people typed is read as typed: names, and the transfer agent's name and the account (EA 3.2).
        self.names = kaixin_names({u.username: u for u in get_user_model().objects.all()}) + TYPED

    def page(self, username):
        return self.pages[username]

    def year_offers_match_actions(self, state):
        """Every person's year page offers exactly what Now allows them (issue 12 item 3)."""
        deal = Deal.objects.get(slug=SLUG)
        year1 = Tranche.objects.get(deal=deal, year=1)
        assert year1.state == state, (year1.state, state)
        for username, page in self.pages.items():
            page.goto(url(self.live_server, "escrow:tranche", SLUG, 1))
            offered = {
                testid.removeprefix("offer-")
                for testid in page.locator('[data-testid^="offer-"]').evaluate_all(
                    "els => els.map(e => e.dataset.testid)"
                )
            }
            now = Now(get_user_model().objects.get(username=username), deal)
            allowed = set(now.tranche_actions(year1))
            if "record_call_back" in allowed and page.get_by_test_id("call-back-form").count():
                offered.add("record_call_back")  # the form on the page is its offer once a call-back exists
            assert offered == allowed, f"{self.language} {username} at {state}: offered {offered}, allowed {allowed}"
            signable = {i.pk for i in now.to_sign(year1)}
            links = page.get_by_test_id("sign-link").count()
            assert links == len(signable), f"{self.language} {username} at {state}: {links} sign links for {signable}"
            if self.language != "en":
                for section in CHINESE_SECTIONS:
                    left = latin_sentences(page.content(), section, self.names)
                    assert left == [], f"{username} at {state}, {section}: English left: {left}"

    def snap(self, username, step):
        self.shoot(self.pages[username], f"walk-{self.language}-{step}-{username}", self.tmp_path)


def confirm_deposit(page, live_server):
    page.goto(url(live_server, "escrow:confirm_deposit", SLUG))
    page.get_by_test_id("deposit-reference").fill("DRS-0001")
    page.get_by_test_id("deposit-issue-date").fill(Deal.objects.get(slug=SLUG).effective_date.isoformat())
    page.get_by_test_id("deposit-transfer-agent").fill(AGENT)
    page.get_by_test_id("deposit-account").fill(DEPOSIT_ACCOUNT)
    page.get_by_test_id("deposit-confirmation").set_input_files(pdf_file("drs-issue.pdf", "DRS issue advice"))
    page.get_by_test_id("intent-checkbox").check()
    page.get_by_test_id("confirm-deposit-button").click()
    page.wait_for_load_state()


def preview_and_file(walk, live_server):
    page = walk.page("auditor")
    page.goto(url(live_server, "escrow:tranche", SLUG, 1))
    page.get_by_test_id("offer-file_report").click()
    page.wait_for_load_state()
    page.get_by_test_id("audited-revenue").fill("598,500,000")  # 10% short: SPA 5.2(1) deducts 300,000
    page.get_by_test_id("preview-file_report").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("preview-quantity").inner_text().strip() == "2,700,000"
    if walk.language != "en":
        assert latin_sentences(page.content(), "calculation-steps", walk.names) == []
    walk.snap("auditor", "2-report-preview")
    page.get_by_test_id("report-file").set_input_files(
        {"name": "kaixin-2026-audit.pdf", "mimeType": "application/pdf", "buffer": make_pdf("Audited 598.5m")}
    )
    page.get_by_test_id("confirm-report").check()
    page.get_by_test_id("confirm-file_report").click()
    page.wait_for_load_state()


def sign_from_year_page(walk, username, live_server):
    page = walk.page(username)
    page.goto(url(live_server, "escrow:tranche", SLUG, 1))
    page.get_by_test_id("sign-link").click()
    page.wait_for_load_state()
    walk.snap(username, "3-sign")
    page.get_by_test_id("intent-checkbox").check()
    page.get_by_test_id("password").fill(PASSWORD)
    page.get_by_test_id("sign-button").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("signature-receipt").is_visible(), page.content()[:2000]


def officer(walk, username, action, button, live_server, reference=None):
    page = walk.page(username)
    page.goto(url(live_server, "escrow:tranche", SLUG, 1))
    page.get_by_test_id(f"offer-{action}").click()
    page.wait_for_load_state()
    if reference:
        page.get_by_test_id("transfer-reference").fill(reference)
        fill_transfer_facts(page)
    page.get_by_test_id("intent-checkbox").check()
    page.get_by_test_id("password").fill(PASSWORD)
    walk.snap(username, f"4-{action}")
    page.get_by_test_id(button).click()
    page.wait_for_load_state()
    assert not page.get_by_test_id("form-error").count(), page.get_by_test_id("form-error").inner_text()


# Issue 14: the deal page's tabs, each opened by a person who reads it, and the tab's own section to wait for.
DEAL_TABS = (
    ("seller", "tab-holdings", "dividends-votes", "no-dividends"),
    ("issuer", "tab-corporate-actions", "corporate-actions", "corporate-actions"),
    ("agent1", "tab-fees", "escrow-fee", "fee-invoices"),
    ("seller", "tab-statement", "statement", "statement-period"),
)


def main_text_in_chinese(walk, username, what):
    """Issue 12: in Chinese, no English sentence left in what the reader reads in the page's body."""
    if walk.language != "en":
        html = walk.page(username).locator("main").inner_html()
        left = latin_sentences(html, None, walk.names)
        assert left == [], f"{username}, {what}: English left: {left}"


def deal_tabs(walk, live_server, day):
    """Issue 14: the deal page's tabs and the as-of date picker, clicked from the deal page as a person would."""
    for username, tab, step, section in DEAL_TABS:
        page = walk.page(username)
        page.goto(url(live_server, "escrow:deal", SLUG))
        page.get_by_test_id(tab).click()
        page.wait_for_load_state()
        assert page.get_by_test_id(section).is_visible(), f"{username} {tab}: {page.url}"
        assert "active" in page.get_by_test_id(tab).get_attribute("class"), f"{tab} is not shown as the open tab"
        main_text_in_chinese(walk, username, tab)
        walk.snap(username, f"7-{step}")
    page = walk.page("compliance")
    page.goto(url(live_server, "escrow:deal", SLUG))
    page.get_by_test_id("as-of-input").fill(day.isoformat())
    page.get_by_test_id("as-of-show").click()
    page.wait_for_load_state()
    assert day.isoformat() in page.get_by_test_id("as-of-banner").inner_text()
    main_text_in_chinese(walk, "compliance", "as of")
    walk.snap("compliance", "7-as-of")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_year_one_walked_by_every_role(open_as, live_server, kaixin, language, shoot, tmp_path):
    walk = Walk(open_as, live_server, language, shoot, tmp_path)

    confirm_deposit(walk.page("agent1"), live_server)
    assert Deal.objects.get(pk=kaixin.pk).state == "in_escrow"
    walk.page("agent1").goto(url(live_server, "escrow:deal", SLUG))
    walk.snap("agent1", "1-deposit-confirmed")

    year1 = Tranche.objects.get(deal=kaixin, year=1)
    actions.open_year(year1.pk, today=year1.period_end + timedelta(days=1))  # SPA 5.1, as the sweep would
    walk.year_offers_match_actions("awaiting_report")
    preview_and_file(walk, live_server)

    walk.year_offers_match_actions("awaiting_instruction")
    sign_from_year_page(walk, "issuer", live_server)
    walk.year_offers_match_actions("awaiting_instruction")  # the issuer signed: only the purchaser is asked
    sign_from_year_page(walk, "purchaser", live_server)

    walk.year_offers_match_actions("instructed")
    officer(walk, "agent1", "prepare_release", "prepare-button", live_server)
    walk.year_offers_match_actions("release_prepared")  # four eyes: officer 1 is not offered the approval
    issuer_entry = registered(kaixin, get_user_model().objects.get(username="issuer"))
    record_call_back(walk.page("agent1"), live_server, issuer_entry)
    walk.year_offers_match_actions("release_prepared")
    officer(walk, "agent2", "approve_release", "approve-button", live_server, reference="TA-2027-001")
    walk.year_offers_match_actions("released")

    seller = walk.page("seller")
    seller.goto(url(live_server, "escrow:tranche", SLUG, 1))  # issue 12 item 5: the references, to the seller
    assert "TA-2027-001" in seller.get_by_test_id("transfer-evidence").inner_text()
    assert "TA-2027-001" in seller.get_by_test_id("state-history").inner_text()
    assert seller.get_by_test_id("release-statement-link").is_visible()
    walk.snap("seller", "5-released")
    seller.goto(url(live_server, "escrow:deal", SLUG))
    assert "DRS-0001" in seller.get_by_test_id("transfer-evidence").inner_text()

    history = walk.page("compliance")
    history.goto(url(live_server, "escrow:history", SLUG))
    assert "TA-2027-001" in history.get_by_test_id("history-table").inner_text()
    if language != "en":
        assert latin_sentences(history.content(), "history-table", walk.names) == []
    walk.snap("compliance", "6-history")
    for username in ("issuer", "purchaser", "auditor"):
        walk.page(username).goto(url(live_server, "escrow:deal", SLUG))
        walk.snap(username, "6-deal")
    deal_tabs(walk, live_server, contract_today())
