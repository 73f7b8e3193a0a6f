"""A party's statement page with CSV and PDF downloads (issue 14 item 6), and the API's JSON: the period from the
query, the last full calendar month (Beijing) by default, refusals in the reader's language, fonts embedded."""

import subprocess
import tempfile
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from tests.escrow.api.helpers import client_for
from tests.escrow.as_of_world import TOTAL, on
from tests.escrow.statements_world import walk_into_february

pytestmark = pytest.mark.django_db
TODAY = date(2027, 3, 1)


@pytest.fixture
def walked(django_user_model):
    return walk_into_february(django_user_model)


def get(people, username, deal, name="deal_statement", language=None, **params):
    with on(TODAY):
        client = Client()
        client.force_login(people[username])
        if language:
            client.cookies["django_language"] = language
        return client.get(reverse(f"escrow:{name}", args=[deal.slug]), params)


def test_the_page_defaults_to_the_last_full_month_and_offers_downloads(walked):
    deal, people = walked
    response = get(people, "seller", deal)
    assert response.status_code == 200
    html = response.content.decode()
    statement = response.context["statement"]
    assert (statement.start, statement.end, statement.role) == (date(2027, 2, 1), date(2027, 2, 28), "seller")
    assert 'data-testid="statement-pdf"' in html and 'data-testid="statement-csv"' in html
    assert 'data-testid="statement-dividends"' in html and "DIV-1" in html
    assert 'data-testid="tab-statement"' in html
    # the standard statement at each release (SPA 5.1): from the deal's first day to the year-1 release day
    assert response.context["release_periods"] == [(1, date(2026, 12, 2), date(2027, 1, 26))]
    assert "?start=2026-12-02&amp;end=2027-01-26" in html


def test_january_shows_the_release_and_the_issuer_no_dividends(walked):
    deal, people = walked
    response = get(people, "issuer", deal, start="2027-01-01", end="2027-01-31")
    html = response.content.decode()
    assert "TA-REF-1" in html and "-3,000,000" in html
    assert 'data-testid="statement-dividends"' not in html
    assert response.context["statement"].reconciles


def test_a_bad_period_is_refused_in_the_readers_language(walked):
    deal, people = walked
    response = get(people, "seller", deal, start="2027-02-10", end="2027-02-01")
    assert response.status_code == 400 and "on or before its last day" in response.content.decode()
    response = get(people, "seller", deal, language="zh-hans", start="2027-02-10", end="2027-02-01")
    assert response.status_code == 400 and 'data-testid="statement-error"' in response.content.decode()
    assert get(people, "seller", deal, "deal_statement_csv", start="2027-04-01", end="2027-04-30").status_code == 400


def test_the_csv_reconciles_and_reads_chinese(walked):
    deal, people = walked
    response = get(people, "seller", deal, "deal_statement_csv", start="2026-12-01", end="2027-01-31")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert f"{TOTAL - 3_000_000:,}" in text and "TA-REF-1" in text and "reconciles to the ledger" in text
    zh = get(people, "seller", deal, "deal_statement_csv", language="zh-hans", start="2027-01-01", end="2027-01-31")
    assert "托管" in zh.content.decode("utf-8-sig")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_pdf_embeds_every_font(walked, language):
    deal, people = walked
    response = get(people, "seller", deal, "deal_statement_pdf", language=language)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(response.content)
        f.flush()
        fonts = subprocess.run(["pdffonts", f.name], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(line.split()[-5] == "yes" for line in rows), fonts


def test_the_api_returns_the_statement_as_json(walked):
    deal, people = walked
    with on(TODAY):
        body = client_for(people["seller"]).get(
            f"/api/deals/{deal.slug}/statement/", {"start": "2027-01-01", "end": "2027-01-31"}
        )
    assert body.status_code == 200
    data = body.json()
    assert data["reconciles"] and data["closing"]["in_escrow"] == TOTAL - 3_000_000
    assert data["movements"][0]["change_in_escrow"] == -3_000_000 and data["releases"][0]["year"] == 1
    with on(TODAY):
        bad = client_for(people["seller"]).get(f"/api/deals/{deal.slug}/statement/", {"start": "2027-01-01"})
        schema = client_for(people["seller"]).get("/api/schema/", {"format": "json"}).json()
    assert bad.status_code == 400
    assert "/api/deals/{ref}/statement/" in schema["paths"]
