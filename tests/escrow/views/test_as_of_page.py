"""The deal page as of a past day (issue 14 item 1): a date picker, a banner, the snapshot's figures instead of
today's, no action buttons, and a clear refusal in the reader's language for a day outside the deal's life."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from tests.escrow.as_of_world import CREATED, RELEASED, REPORTED, SIGNED, SUSPENDED, on, walk_year_one

pytestmark = pytest.mark.django_db
TODAY = date(2027, 3, 1)


@pytest.fixture
def walked(django_user_model):
    return walk_year_one(django_user_model)


def page(people, username, deal, as_of=None, language=None):
    params = {} if as_of is None else {"as_of": as_of}
    with on(TODAY):
        client = Client()
        client.force_login(people[username])
        if language:
            client.cookies["django_language"] = language
        return client.get(reverse("escrow:deal", args=[deal.slug]), params)


def test_the_deal_page_offers_the_date_picker(walked):
    deal, people = walked
    html = page(people, "seller", deal).content.decode()
    assert 'data-testid="as-of-picker"' in html
    assert 'name="as_of"' in html and 'placeholder="YYYY-MM-DD"' in html and 'pattern="\\d{4}-\\d{2}-\\d{2}"' in html


def test_as_of_a_day_shows_the_banner_and_that_days_figures_without_actions(walked):
    deal, people = walked
    response = page(people, "issuer", deal, as_of=SUSPENDED.isoformat())
    assert response.status_code == 200
    html = response.content.decode()
    assert "As of 2027-01-23 (end of day, Beijing time)" in html
    snapshot = response.context["snapshot"]
    assert snapshot.tranche(1).state == "suspended" and snapshot.balances.released == 0
    assert 'data-testid="ledger-in-escrow">15,000,000<' in html
    assert 'data-year="1" data-state="suspended"' in html
    assert html.count('data-testid="as-of-signature"') == 2 and 'data-testid="as-of-hold"' in html
    for action in ("deal-step-button", "year-action", "deal-actions", "return-link", "evidence-pack-link"):
        assert f'data-testid="{action}"' not in html


def test_before_the_deposit_and_after_the_release(walked):
    deal, people = walked
    before = page(people, "seller", deal, as_of=CREATED.isoformat()).content.decode()
    assert 'data-testid="ledger-deposited">0<' in before and 'data-testid="as-of-no-instruments"' in before
    assert before.count('data-state="scheduled"') == 5
    between = page(people, "seller", deal, as_of=REPORTED.isoformat()).content.decode()
    assert 'data-year="1" data-state="awaiting_instruction"' in between and 'data-status="open"' in between
    signed = page(people, "seller", deal, as_of=SIGNED.isoformat()).content.decode()
    assert 'data-status="effective"' in signed
    after = page(people, "seller", deal, as_of=RELEASED.isoformat()).content.decode()
    assert 'data-testid="released-shares">3,000,000<' in after
    assert 'data-year="1" data-state="released"' in after


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("2026-12-01", "before the deal was created in the portal (2026-12-02)"),
        ("2027-03-02", "after today (2027-03-01, Beijing time)"),
        ("2027/01/25", "2027/01/25"),
    ],
)
def test_a_day_outside_the_deals_life_is_refused_clearly(walked, value, words):
    deal, people = walked
    response = page(people, "seller", deal, as_of=value)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="as-of-error"' in html and words in html
    assert 'data-testid="as-of-banner"' not in html and 'data-testid="timeline"' in html  # today's page, as it is


def test_chinese_reader_reads_the_banner_and_the_refusal_in_chinese(walked):
    deal, people = walked
    html = page(people, "seller", deal, as_of=SUSPENDED.isoformat(), language="zh-hans").content.decode()
    assert "As of 2027-01-23" not in html and "2027-01-23" in html
    refused = page(people, "seller", deal, as_of="2026-11-30", language="zh-hans").content.decode()
    assert "before the deal was created" not in refused and "2026-11-30" in refused


def tranche_page(people, username, deal, year, as_of):
    with on(TODAY):
        client = Client()
        client.force_login(people[username])
        return client.get(reverse("escrow:tranche", args=[deal.slug, year]), {"as_of": as_of})


def test_the_year_page_as_of_a_day(walked):
    deal, people = walked
    response = tranche_page(people, "purchaser", deal, 1, SUSPENDED.isoformat())
    assert response.status_code == 200
    html = response.content.decode()
    assert "As of 2027-01-23 (end of day, Beijing time)" in html
    assert 'data-testid="state">Suspended (SPA 8.1)<' in html and 'data-testid="as-of-hold"' in html
    assert html.count('data-testid="as-of-signature"') == 2
    assert 'data-testid="next-step"' not in html and 'data-testid="year-action"' not in html
    released = tranche_page(people, "purchaser", deal, 1, RELEASED.isoformat()).content.decode()
    assert 'data-testid="as-of-released">3,000,000<' in released


def test_the_deal_page_as_of_links_each_year_as_of_the_same_day(walked):
    deal, people = walked
    html = page(people, "seller", deal, as_of=SIGNED.isoformat()).content.decode()
    assert f'href="/deals/{deal.slug}/years/1/?as_of=2027-01-22"' in html


def test_the_year_page_refuses_a_day_outside_the_deals_life(walked):
    deal, people = walked
    response = tranche_page(people, "seller", deal, 1, "2030-01-01")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="as-of-error"' in html and 'data-testid="as-of-banner"' not in html
