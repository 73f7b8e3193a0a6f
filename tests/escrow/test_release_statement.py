"""Issue 12 item 8: the seller's release statement (EA 3.2, SPA 5.1), a bilingual PDF with every font embedded.

Per released year: the shares released, the calculation in brief, the transfer agent's reference, date and agent,
and the shares still in escrow after it; then the position today. Read as a reader's tools read it: pdftotext
and pdffonts (poppler-utils, which bin/test installs)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from escrow.queries.clock import contract_today
from tests.conftest import open_and_file, release, tranche
from tests.escrow.transfer_facts import AGENT, release_with_record

pytestmark = pytest.mark.django_db


def _poppler(tool):
    path = shutil.which(tool)
    if not path:
        pytest.fail(f"{tool} (poppler-utils) is needed: bin/test installs it", pytrace=False)
    return path


@pytest.fixture
def two_released(deposited, people):
    """Year 1 on target, released with the transfer agent's full record; year 2 short of target, released
    without one (callers older than issue 11): the statement shows it as not recorded."""
    release_with_record(deposited, people, 1, "665000000", "TA-2027-001")
    open_and_file(deposited, people, 2, "598500000")
    release(deposited, people, 2, reference="TA-OLD")
    return deposited


def _client(people, username):
    client = Client()
    client.force_login(people[username])
    return client


def _statement(people, deal, tmp_path, username="seller"):
    response = _client(people, username).get(reverse("escrow:release_statement", args=[deal.slug]))
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    assert f"release-statement-{contract_today():%Y%m%d}.pdf" in response["Content-Disposition"]
    path = tmp_path / "statement.pdf"
    path.write_bytes(response.content)
    return path


def _text(path):
    out = subprocess.run([_poppler("pdftotext"), str(path), "-"], capture_output=True, text=True, check=True)
    return out.stdout


def test_the_statement_states_each_released_year_with_its_references(two_released, people, tmp_path):
    path = _statement(people, two_released, tmp_path)
    text = _text(path)
    flat = " ".join(text.split())
    today = contract_today().isoformat()
    for expected in [
        "Release Statement",
        "股份释放对账单",
        "For Party C (the seller)",
        "Fangle Lai",
        # the releases at a glance: year, shares, reference, date of the transfer, still in escrow after it
        "TA-2027-001",
        "3,000,000",
        "12,000,000",
        "TA-OLD-2",
        # year 1: the transfer agent's record in both languages (EA 3.2)
        "过户代理参考编号",
        AGENT,
        "DTC participant 0352 / Account 88-120-4471",
        "Date of the transfer (Beijing time)",
        today,
        "SHA-256",
        # the calculation in brief, the engine's own steps (SPA 5.1, 5.2)
        "the target is met",
        "R < T",
        "已达成目标",
        # year 2 has no transfer agent's record: shown as such, never blank
        "not recorded",
        "未记录",
        # the position today
        "Still in escrow",
        "仍在托管中",
        "Years not yet released",
    ]:
        assert expected in flat, expected
    assert "Year 3" in flat and "第3年度" in flat  # the years still in escrow, with their state


def test_the_position_adds_up(two_released, people, tmp_path):
    """RULES.md invariant: in escrow + released + returned = deposited; the statement restates the ledger."""
    balances = two_released.movements.balances()
    flat = " ".join(_text(_statement(people, two_released, tmp_path)).split())
    assert f"Released to Party C (EA 3.2) 已释放予丙方（EA第3.2条） {balances['released']:,} shares" in flat
    assert f"Still in escrow 仍在托管中 {balances['in_escrow']:,} shares" in flat
    assert balances["in_escrow"] + balances["released"] == 15_000_000


def test_every_font_is_embedded(two_released, people, tmp_path):
    path = _statement(people, two_released, tmp_path)
    listing = subprocess.run([_poppler("pdffonts"), str(path)], capture_output=True, text=True, check=True).stdout
    rows = listing.splitlines()[2:]
    assert rows, listing
    assert all(row.split()[-5] == "yes" for row in rows), listing  # the "emb" column
    assert any("UMing" in row for row in rows), listing  # the Chinese face is there, embedded


def test_before_any_release_the_statement_says_so(deposited, people, tmp_path):
    flat = " ".join(_text(_statement(people, deposited, tmp_path)).split())
    assert "No year has been released yet." in flat and "尚无已释放的年度。" in flat
    assert "15,000,000 shares" in flat


def test_only_the_seller_gets_it(two_released, people, outsider):
    url = reverse("escrow:release_statement", args=[two_released.slug])
    for username in ("issuer", "purchaser", "agent1", "auditor", "compliance"):
        assert _client(people, username).get(url).status_code == 403, username
    stranger = Client()
    stranger.force_login(outsider)
    assert stranger.get(url).status_code == 404  # SPA 9: no role, no deal


def test_the_sellers_year_page_links_to_it(two_released, people):
    page = reverse("escrow:tranche", args=[two_released.slug, 1])
    link = reverse("escrow:release_statement", args=[two_released.slug])
    assert link in _client(people, "seller").get(page).content.decode()
    assert link not in _client(people, "issuer").get(page).content.decode()


def test_over_the_api(two_released, people):
    from tests.escrow.api.helpers import client_for

    url = f"/api/deals/{two_released.slug}/release-statement/"
    response = client_for(people["seller"]).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    refused = client_for(people["issuer"]).get(url)
    assert refused.status_code == 403 and refused.json()["clause"] == "EA 3.2"


def test_render_the_pages_to_look_at(two_released, people, tmp_path):
    """With STATEMENT_SCREENSHOTS=DIR the pages are written there as PNGs (pdftoppm) to look at."""
    target = os.environ.get("STATEMENT_SCREENSHOTS")
    path = _statement(people, two_released, tmp_path)
    out = Path(target) if target else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([_poppler("pdftoppm"), "-r", "80", "-png", str(path), str(out / "statement")], check=True)
    assert list(out.glob("statement*.png"))
    assert tranche(two_released, 1).transfer_reference == "TA-2027-001"
