"""The what-if page, `manage.py whatif` and the deal page read one schedule (escrow.queries.quantities):
on a deal where a settlement released more than the formula for year 1 and year 2 over-performs, they
agree on every year, including the capped offset for year 1 (SPA 5.1)."""

import io
import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from escrow.models import HistoryEntry
from tests.conftest import open_and_file, release
from tests.escrow.queries.test_quantities import settle_year_1_generously

pytestmark = pytest.mark.django_db
REVENUES = {"revenue_1": "598500000", "revenue_2": "865000000"}


@pytest.fixture
def capped(deposited, people):
    """Year 1 settled at 2,950,000 and released; year 2 (865M) offsets only the 50,000 left of year 1."""
    settle_year_1_generously(deposited, people)
    open_and_file(deposited, people, 2, REVENUES["revenue_2"])
    return deposited


def whatif_totals(client, deal, params=None):
    html = client.get(reverse("escrow:whatif", args=[deal.slug]), params or {}).content.decode()
    return [int(n.replace(",", "")) for n in re.findall(r'data-testid="whatif-total"><strong>([\d,]+)<', html)], html


def command_years(deal, actuals):
    out = io.StringIO()
    call_command("whatif", "--deal", deal.slug, "--actuals", actuals, "--json", stdout=out)
    return json.loads(out.getvalue())["years"]


def deal_page_released(client, deal):
    html = client.get(reverse("escrow:deal", args=[deal.slug])).content.decode()
    rows = re.findall(r'data-testid="year-row" data-year="(\d)".*?data-testid="year-released">([\d,]+)<', html, re.S)
    return {int(year): int(n.replace(",", "")) for year, n in rows}


def test_whatif_page_command_and_deal_page_agree_on_the_capped_offset(capped, people, client_for):
    client = client_for("seller")
    initial, html = whatif_totals(client, capped)
    entered, _html = whatif_totals(client, capped, REVENUES)
    years = command_years(capped, "598500000,865000000")
    assert initial[:2] == entered == [y["total_release"] for y in years] == [2_950_000, 3_050_000]
    assert years[1]["offset_shares"] == {"1": 50_000}
    assert "capped" in html  # the why: SPA 5.1, an earlier settlement released more than the formula

    release(capped, people, 2)
    assert {y: n for y, n in deal_page_released(client, capped).items() if n} == {1: 2_950_000, 2: 3_050_000}
    assert whatif_totals(client, capped, REVENUES)[0] == [2_950_000, 3_050_000]
    assert [y["total_release"] for y in command_years(capped, "598500000,865000000")] == [2_950_000, 3_050_000]


def test_whatif_on_the_rest_of_the_deal_counts_what_was_released(capped, client_for):
    """SPA 5.2(1): with years 3-5 on target nothing is left for cancellation: year 1 got its whole fifth."""
    client = client_for("issuer")
    html = client.get(reverse("escrow:whatif", args=[capped.slug])).content.decode()
    assert 'data-testid="whatif-cancelled">0<' in html
    assert 'data-testid="whatif-released-total">15,000,000<' in html


def test_the_command_table_says_why_a_row_differs_from_the_formula(capped):
    before = HistoryEntry.objects.count()
    out = io.StringIO()
    call_command("whatif", "--deal", capped.slug, "--actuals", "598500000,865000000", stdout=out)
    text = out.getvalue()
    assert "Year 1 is released: 2,950,000 shares" in text
    assert "Year 2: offset for year 1 capped" in text
    assert HistoryEntry.objects.count() == before
