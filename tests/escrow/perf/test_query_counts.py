"""Issue 13 item 6: every list and detail page and API endpoint costs the same number of SQL queries with
1 deal and with 300 deals visible, so an N+1 cannot come back. The extra deals are bulk inserts (like
bench/world.py): only the request's query count is under test, not how the deals came to be."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from bench.world import copies_of
from escrow import actions
from escrow.models import Instrument, StoredDocument, Tranche, TrancheState
from tests.conftest import open_and_file

pytestmark = pytest.mark.django_db
MORE_DEALS = 300


def page_urls(deal, tranche, instrument, document):
    slug = deal.slug
    return {
        "dashboard": reverse("escrow:dashboard"),
        "dashboard page 2": reverse("escrow:dashboard") + "?page=2",
        "notifications": reverse("escrow:notifications"),
        "deal": reverse("escrow:deal", args=[slug]),
        "tranche": reverse("escrow:tranche", args=[slug, tranche.year]),
        "whatif": reverse("escrow:whatif", args=[slug]),
        "history": reverse("escrow:history", args=[slug]),
        "history.csv": reverse("escrow:history_csv", args=[slug]),
        "register": reverse("escrow:register", args=[slug]),
        "deal prices": reverse("escrow:deal_prices", args=[slug]),
        "sign": reverse("escrow:sign", args=[instrument.pk]),
        "document": reverse("escrow:document", args=[document.pk]),
    }


def api_urls(deal, tranche, instrument, document):
    ref = deal.slug
    return {
        "api deals": reverse("api:deal-list"),
        "api deals page 2": reverse("api:deal-list") + "?page=2&page_size=20",
        "api due": reverse("api:due"),
        "api deal": reverse("api:deal-detail", args=[ref]),
        "api tranches": reverse("api:deal-tranches", args=[ref]),
        "api documents": reverse("api:deal-documents", args=[ref]),
        "api history": reverse("api:deal-history", args=[ref]),
        "api deal penalty": reverse("api:deal-penalty", args=[ref]),
        "api register": reverse("api:register", args=[ref]),
        "api tranche": reverse("api:tranche-detail", args=[tranche.pk]),
        "api tranche penalty": reverse("api:tranche-penalty", args=[tranche.pk]),
        "api instrument": reverse("api:instrument-detail", args=[instrument.pk]),
        "api document": reverse("api:document-detail", args=[document.pk]),
    }


def measure(client, urls):
    """(status, queries) per URL; each URL is asked once before, so per-process caches are warm."""
    found = {}
    for name, url in urls.items():
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        found[name] = (response.status_code, len(ctx.captured_queries))
    return found


@pytest.mark.parametrize("persona", ["issuer", "agent1", "auditor", "compliance"])
def test_every_page_and_endpoint_is_flat_from_1_to_300_deals(deposited, people, persona):
    """Each persona has something due with 1 deal and with 301: year 1 waits for the joint instruction
    (issuer, purchaser), year 2 for its report (auditor); in every copy year 1 waits for its report."""
    open_and_file(deposited, people, 1, "598500000")
    year_2 = Tranche.objects.get(deal=deposited, year=2)
    actions.open_year(year_2.pk, today=year_2.period_end + timedelta(days=1))
    tranche = Tranche.objects.get(deal=deposited, year=1)
    instrument = Instrument.objects.filter(tranche=tranche).first()
    document = StoredDocument.objects.filter(deal=deposited).first()
    urls = {**page_urls(deposited, tranche, instrument, document), **api_urls(deposited, tranche, instrument, document)}
    client = APIClient()
    client.force_login(people[persona])
    one = measure(client, urls)
    assert one["dashboard"][0] == one["api deals"][0] == one["api deal"][0] == 200
    copies_of(deposited, MORE_DEALS, tranche_state=TrancheState.AWAITING_REPORT)
    many = measure(client, urls)
    changed = {name: (one[name], many[name]) for name in urls if one[name] != many[name]}
    assert not changed, f"as {persona}, (status, queries) with 1 deal vs {MORE_DEALS + 1}: {changed}"
    assert max(queries for _, queries in one.values()) <= 45, one


def test_the_lists_are_paged_with_counts(deposited, people):
    copies_of(deposited, MORE_DEALS)
    client = APIClient()
    client.force_login(people["issuer"])
    response = client.get(reverse("api:deal-list"), {"page_size": 50, "page": 2})
    assert response.status_code == 200 and len(response.json()) == 50
    assert response["X-Total-Count"] == str(MORE_DEALS + 1)
    assert 'rel="next"' in response["Link"] and 'rel="prev"' in response["Link"]
    assert all(row["my_role"] == "issuer" for row in response.json())
    assert client.get(reverse("api:deal-list"), {"page_size": 501}).status_code == 400
    html = client.get(reverse("escrow:dashboard")).content.decode()
    assert html.count('data-testid="deal-link"') == 20 and 'data-testid="deals-pager"' in html
