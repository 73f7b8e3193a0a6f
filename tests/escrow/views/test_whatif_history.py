"""What-if (a read through the engine) and the compliance history with filters and exports."""

import pytest
from django.urls import reverse

from escrow.models import HistoryEntry
from tests.conftest import open_and_file

pytestmark = pytest.mark.django_db


def whatif(client, deal, **params):
    return client.get(reverse("escrow:whatif", args=[deal.slug]), params)


def test_whatif_worked_example_and_policy_switch(kaixin, client_for):
    client = client_for("seller")
    default = whatif(client, kaixin, revenue_1="598500000", revenue_2="865000000").content.decode()
    assert 'data-testid="whatif-total"><strong>2,700,000<' in default
    assert 'data-testid="whatif-total"><strong>3,300,000<' in default
    assert "<svg" in default and 'data-testid="whatif-chart"' in default
    sixk = whatif(
        client, kaixin, revenue_1="598500000", revenue_2="865000000", excess_credit="whole-excess-over-50pct"
    ).content.decode()
    assert 'data-testid="whatif-total"><strong>3,000,000<' in sixk
    assert 'data-testid="whatif-total"><strong>3,300,000<' not in sixk


def test_whatif_full_five_years_shows_cancellation(kaixin, client_for):
    html = whatif(
        client_for("issuer"),
        kaixin,
        revenue_1="598500000",
        revenue_2="732000000",
        revenue_3="805000000",
        revenue_4="885000000",
        revenue_5="974000000",
    ).content.decode()
    assert 'data-testid="whatif-cancelled">300,000<' in html


def test_whatif_rejects_gaps_and_changes_nothing(kaixin, client_for):
    before = HistoryEntry.objects.filter(deal=kaixin).count()
    html = whatif(client_for("issuer"), kaixin, revenue_1="", revenue_2="865000000").content.decode()
    assert "without gaps" in html
    assert HistoryEntry.objects.filter(deal=kaixin).count() == before


def test_whatif_without_input_starts_from_targets(kaixin, client_for):
    html = whatif(client_for("compliance"), kaixin).content.decode()
    assert html.count('data-testid="whatif-row"') == 5


def test_history_shows_verified_chain_and_filters(deposited, people, client_for):
    open_and_file(deposited, people, 1, "665000000")
    client = client_for("compliance")
    url = reverse("escrow:history", args=[deposited.slug])
    html = client.get(url).content.decode()
    assert 'data-testid="chain-status" data-ok="true"' in html
    total = HistoryEntry.objects.filter(deal=deposited).count()
    assert html.count('data-testid="history-row"') == total
    only = client.get(url, {"action": "report_filed"}).content.decode()
    assert only.count('data-testid="history-row"') == 1
    by_person = client.get(url, {"actor": str(people["auditor"].pk)}).content.decode()
    assert (
        by_person.count('data-testid="history-row"')
        == HistoryEntry.objects.filter(deal=deposited, actor=people["auditor"]).count()
    )
    party = HistoryEntry.objects.filter(deal=deposited).exclude(acting_for="").first().acting_for
    by_party = client.get(url, {"acting_for": party}).content.decode()
    assert (
        by_party.count('data-testid="history-row"')
        == HistoryEntry.objects.filter(deal=deposited, acting_for=party).count()
    )
    future = client.get(url, {"date_from": "2099-01-01"}).content.decode()
    assert 'data-testid="history-row"' not in future


def test_history_exports_carry_the_chain_head(deposited, people, client_for):
    open_and_file(deposited, people, 1, "665000000")
    client = client_for("compliance")
    csv = client.get(reverse("escrow:history_csv", args=[deposited.slug]))
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert "attachment;" in csv["Content-Disposition"]
    last = HistoryEntry.objects.filter(deal=deposited).order_by("seq").last()
    assert csv["X-Chain-Head"] == last.hash and csv["X-Chain-Verified"] == "yes"
    assert last.hash in csv.content.decode()
    pdf = client.get(reverse("escrow:history_pdf", args=[deposited.slug]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
