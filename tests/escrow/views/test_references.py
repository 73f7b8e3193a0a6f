"""Issue 12 item 5: every reference shown. The deposit's and each release's transfer agent record (reference,
date, agent, account, confirmation) on the year page, the deal page, the history (read from the entry's
details), the CSV and PDF exports and the API, to the seller and to compliance alike."""

import csv
import io
from datetime import date
from html import escape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from escrow import actions
from escrow.queries.clock import contract_today
from escrow.queries.history_words import action_label
from tests.conftest import make_pdf
from tests.escrow.api.helpers import client_for
from tests.escrow.transfer_facts import ACCOUNT, AGENT, release_with_record

pytestmark = pytest.mark.django_db

READERS = ["seller", "compliance"]


@pytest.fixture
def released(kaixin, people):
    actions.confirm_deposit(
        people["agent1"],
        kaixin,
        reference="DRS-0001",
        issue_date=date(2025, 12, 10),
        transfer_agent=AGENT,
        recipient_account="Escrow account 77-001",
        confirmation=make_pdf("Deposit confirmation DRS-0001"),
        confirmation_name="drs-0001.pdf",
    )
    release_with_record(kaixin, people, 1, "665000000", "TA-2027-001")
    return kaixin


def _page(people, username, url):
    client = Client()
    client.force_login(people[username])
    response = client.get(url)
    assert response.status_code == 200, url
    return response


@pytest.mark.parametrize("username", READERS)
def test_the_year_page_shows_the_transfer_and_its_history_entry(released, people, username):
    html = _page(people, username, reverse("escrow:tranche", args=[released.slug, 1])).content.decode()
    box = html[html.index('data-testid="transfer-evidence"') :]
    assert "TA-2027-001" in box and escape(AGENT) in box and "DTC participant 0352" in box
    history = html[html.index('data-testid="state-history"') :]
    assert 'data-testid="history-references"' in history
    assert '<code data-testid="history-reference">TA-2027-001</code>' in history
    assert contract_today().isoformat() in history and escape(AGENT) in history


@pytest.mark.parametrize("username", READERS)
def test_the_deal_page_lists_the_deposit_and_every_transfer(released, people, username):
    html = _page(people, username, reverse("escrow:deal", args=[released.slug])).content.decode()
    assert "DRS-0001" in html[html.index('data-testid="transfer-evidence"') :]
    table = html[html.index('data-testid="release-records"') :]
    assert '<code data-testid="release-reference">TA-2027-001</code>' in table
    assert contract_today().isoformat() in table and escape(AGENT) in table and "TA-2027-001.pdf" in table


@pytest.mark.parametrize("username", READERS)
def test_the_history_renders_each_entrys_references(released, people, username):
    html = _page(people, username, reverse("escrow:history", args=[released.slug])).content.decode()
    shown = html.count('data-testid="history-reference"')
    assert '<code data-testid="history-reference">DRS-0001</code>' in html
    assert '<code data-testid="history-reference">TA-2027-001</code>' in html
    assert "2025-12-10" in html and "Escrow account 77-001" in html
    assert shown >= 3  # the deposit, the release, and the joint instruction's reference


def test_the_history_reads_them_in_chinese(released, people):
    client = Client()
    client.force_login(people["seller"])
    with translation.override("zh-hans"):
        html = client.get(reverse("escrow:history", args=[released.slug]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = html.content.decode()
    assert "过户代理参考编号" in text and "过户代理人确认函" in text


@pytest.mark.parametrize("username", READERS)
def test_the_csv_has_a_references_column(released, people, username):
    body = _page(people, username, reverse("escrow:history_csv", args=[released.slug])).content.decode("utf-8-sig")
    rows = [r for r in csv.reader(io.StringIO(body)) if r and not r[0].startswith("#")]
    header, rows = rows[0], rows[1:]
    # The action column is in words (issue 12 item 1): find the rows by the words for the two actions.
    refs = {r[header.index("action")]: r[header.index("references")] for r in rows}
    refs["deposit_confirmed"], refs["released"] = (
        refs[str(action_label("deposit_confirmed"))],
        refs[str(action_label("released"))],
    )
    assert refs["deposit_confirmed"].startswith("reference DRS-0001; date 2025-12-10 (Beijing); transfer agent ")
    assert (
        f"reference TA-2027-001; date {contract_today().isoformat()} (Beijing); transfer agent {AGENT}"
        in (refs["released"])
    )
    assert "account DTC participant 0352 / Account 88-120-4471" in refs["released"]
    assert "confirmation SHA-256 " in refs["released"]


@pytest.mark.parametrize("username", READERS)
def test_the_pdf_carries_them_under_the_summary(released, people, username):
    data = _page(people, username, reverse("escrow:history_pdf", args=[released.slug])).content
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)
    assert "reference TA-2027-001" in text and "reference DRS-0001" in text


@pytest.mark.parametrize("username", READERS)
def test_the_api_gives_them(released, people, username):
    api = client_for(people[username])
    years = api.get(f"/api/deals/{released.slug}/tranches/").json()
    assert [y["transfer_reference"] for y in years][:2] == ["TA-2027-001", ""]
    deal = api.get(f"/api/deals/{released.slug}/").json()
    assert deal["deposit"]["reference"] == "DRS-0001" and deal["tranches"][0]["transfer_reference"] == "TA-2027-001"
    year1 = api.get(f"/api/tranches/{years[0]['id']}/").json()
    assert (year1["transfer"]["reference"], year1["transfer"]["transfer_agent"]) == ("TA-2027-001", AGENT)
    assert year1["transfer"]["recipient_account"] == ACCOUNT
    history = api.get(f"/api/deals/{released.slug}/history/").json()
    released_entry = next(e for e in history if e["action"] == "released")
    assert released_entry["details"]["transfer"]["reference"] == "TA-2027-001"
