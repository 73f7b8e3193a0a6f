"""Issue 13 item 6 for the pages issue 14 added: the escrow fee page (EA 4.4), dividends and votes (SPA 3.2,
EA 1.3), corporate actions (EA 4.2), the period statement and its CSV, the deal and a year as of a past day,
and their API reads, cost the same number of SQL queries with 1 deal and with 301 visible. The world has
something on every page: Kaixin's year 1 released, a dividend passed through, a meeting with the seller's
instruction, the first fee invoice issued and paid (tests/escrow/statements_world.py), and a proposed split."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from bench.pages import issue_14_urls
from bench.world import copies_of
from escrow.actions.corporate_actions import propose_corporate_action
from escrow.models import TrancheState
from tests.escrow.as_of_world import SUSPENDED, on
from tests.escrow.statements_world import walk_into_february

pytestmark = pytest.mark.django_db
MORE_DEALS = 300
TODAY = date(2027, 3, 1)
PERIOD = "start=2027-02-01&end=2027-02-28"


def urls(deal):
    return issue_14_urls(deal, as_of=SUSPENDED, period=PERIOD)


def measure(client, targets):
    """(status, queries) per URL, each asked once before so per-process caches are warm."""
    found = {}
    for name, url in targets.items():
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        found[name] = (response.status_code, len(ctx.captured_queries))
    return found


@pytest.fixture
def february(django_user_model):
    deal, people = walk_into_february(django_user_model)
    with on(TODAY):
        propose_corporate_action(
            people["issuer"], deal, ratio_new=2, ratio_old=1, effective_date=TODAY, fraction_policy="floor"
        )
    return deal, people


@pytest.mark.parametrize("persona", ["issuer", "seller", "agent1", "compliance"])
def test_the_issue_14_pages_are_flat_from_1_to_300_deals(february, persona):
    deal, people = february
    client = APIClient()
    with on(TODAY):  # signed in on the day (a session from before would have expired by then)
        client.force_login(people[persona])
        one = measure(client, urls(deal))
        copies_of(deal, MORE_DEALS, tranche_state=TrancheState.AWAITING_REPORT)
        many = measure(client, urls(deal))
    assert one["dividends and votes"][0] == one["statement"][0] == one["deal as of"][0] == 200, one
    changed = {name: (one[name], many[name]) for name in one if one[name] != many[name]}
    assert not changed, f"as {persona}, (status, queries) with 1 deal vs {MORE_DEALS + 1}: {changed}"
    assert max(queries for _, queries in one.values()) <= 45, one
