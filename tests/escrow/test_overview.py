"""Issue 12 item 8: compliance (and the escrow agent) see every deal they oversee with its overdue items and
active holds, most urgent first, paginated; reachable from the dashboard; nobody else sees it (SPA 9).

The world, on 15 February 2027 (Beijing):
  kaixin    year 1's joint instruction was due 2027-01-29 (SPA 5.1): in default since 2027-01-30
  ovr-b     the deposit was never confirmed (EA 1.1): in default since December 2025, the oldest
  ovr-c     year 1 disputed by the seller (EA 3.3): an active hold, nothing overdue
  ovr-d     nothing overdue, no hold: not listed
  ovr-e     overdue, but compliance is no party to it: not listed (SPA 9)
"""

from datetime import date, datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from escrow import actions
from escrow.contract.errors import NotAllowed
from escrow.models import Role
from escrow.queries import overview as queries
from tests.conftest import SHANGHAI, open_and_file
from tests.escrow.api.helpers import client_for
from tests.factories import make_deal

pytestmark = pytest.mark.django_db

TODAY = date(2027, 2, 15)


def _oversee(deal, people):
    actions.add_party(deal, people["compliance"].organisation, Role.COMPLIANCE)


@pytest.fixture
def overseen(deposited, people):
    open_and_file(deposited, people, 1, "665000000")
    b, _ = make_deal("ovr-b", deposit=False)
    c, c_people = make_deal("ovr-c")
    open_and_file(c, c_people, 1, "600000000")
    actions.raise_dispute(c_people["seller"], c.tranches.get(year=1).pk, reason="The revenue includes a related sale.")
    d, _ = make_deal("ovr-d")
    make_deal("ovr-e", deposit=False)
    for deal in (b, c, d):
        _oversee(deal, people)
    return deposited


def test_most_urgent_first_with_what_since_when_and_clause(overseen, people):
    rows = queries.overview_for(people["compliance"], TODAY)
    assert [r.deal.slug for r in rows] == ["deal-ovr-b", "kaixin-2025", "deal-ovr-c"]
    (deposit,) = rows[0].overdue
    assert (deposit.tranche, deposit.step.action, deposit.step.clause) == (None, "confirm_deposit", "EA 1.1")
    assert deposit.since.year == 2025 and deposit.days(TODAY) > 400
    (year1,) = rows[1].overdue
    assert (year1.tranche.year, year1.step.action) == (1, "sign_joint_instruction")
    assert year1.step.clause == "EA 3.1(b), SPA 5.1"
    assert (year1.step.due, year1.since, year1.days(TODAY)) == (date(2027, 1, 29), date(2027, 1, 30), 17)
    assert rows[2].overdue == [] and [h.kind for h in rows[2].holds] == ["dispute"]
    assert queries.HOLD_CLAUSES[rows[2].holds[0].kind] == "EA 3.3"
    assert {r.role for r in rows} == {Role.COMPLIANCE}


def test_a_deadline_is_missed_only_the_day_after(overseen, people):
    """RULES.md: the whole due date counts; on 2027-01-29 year 1 is not overdue yet, on the 30th it is."""
    on_the_day = queries.overview_for(people["compliance"], date(2027, 1, 29))
    assert "kaixin-2025" not in [r.deal.slug for r in on_the_day]
    after = queries.overview_for(people["compliance"], date(2027, 1, 30))
    assert next(r for r in after if r.deal.slug == "kaixin-2025").overdue[0].days(date(2027, 1, 30)) == 1


def test_the_escrow_agent_sees_its_own_deals_only(overseen, people):
    rows = queries.overview_for(people["agent1"], TODAY)
    assert [(r.deal.slug, r.role) for r in rows] == [("kaixin-2025", Role.ESCROW_AGENT)]


@pytest.mark.parametrize("username", ["issuer", "purchaser", "seller", "auditor"])
def test_nobody_else(overseen, people, username):
    with pytest.raises(NotAllowed, match="oversee deals"):
        queries.overview_for(people[username], TODAY)


def test_outsiders_are_refused_without_naming_a_deal(overseen, outsider):
    with pytest.raises(NotAllowed) as refused:
        queries.overview_for(outsider, TODAY)
    assert "kaixin" not in refused.value.message.lower()


def test_a_fixed_number_of_queries_whatever_the_number_of_deals(overseen, people):
    """Set-based: more deals, same queries (issue 12: no per-deal queries)."""
    with CaptureQueriesContext(connection) as few:
        queries.overview_for(people["compliance"], TODAY)
    for suffix in ("ovr-f", "ovr-g", "ovr-h"):
        deal, _ = make_deal(suffix, deposit=False)
        _oversee(deal, people)
    with CaptureQueriesContext(connection) as more:
        rows = queries.overview_for(people["compliance"], TODAY)
    assert len(rows) == 6
    assert len(more.captured_queries) == len(few.captured_queries)


def _page(people, username, query=""):
    with time_machine.travel(datetime(2027, 2, 15, 10, tzinfo=SHANGHAI), tick=False):
        client = Client()
        client.force_login(people[username])  # signed in that day: sessions end after 8 hours
        return client.get(reverse("escrow:overview") + query)


def test_the_page(overseen, people):
    response = _page(people, "compliance")
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        html.index('data-deal="deal-ovr-b"')
        < html.index('data-deal="kaixin-2025"')
        < html.index('data-deal="deal-ovr-c"')
    )
    assert 'data-deal="deal-ovr-d"' not in html and 'data-deal="deal-ovr-e"' not in html
    assert "2027-01-30" in html and "EA 3.1(b), SPA 5.1" in html and "EA 3.3" in html
    assert html.count('data-testid="overdue-item"') == 2 and html.count('data-testid="active-hold"') == 1


def test_the_page_is_paginated(overseen, people, monkeypatch):
    from escrow.views import overview

    monkeypatch.setattr(overview, "PER_PAGE", 2)
    first, second = _page(people, "compliance").content.decode(), _page(people, "compliance", "?page=2")
    assert 'data-testid="overview-next"' in first and 'data-deal="deal-ovr-c"' not in first
    assert 'data-deal="deal-ovr-c"' in second.content.decode()


def test_the_page_refuses_the_others(overseen, people, outsider):
    assert _page(people, "seller").status_code == 403
    client = Client()
    client.force_login(outsider)
    assert client.get(reverse("escrow:overview")).status_code == 403


def test_the_dashboard_links_to_it_for_compliance_and_the_agent_only(overseen, people):
    link = reverse("escrow:overview")
    for username, shown in (("compliance", True), ("agent1", True), ("seller", False), ("issuer", False)):
        client = Client()
        client.force_login(people[username])
        assert (link in client.get(reverse("escrow:dashboard")).content.decode()) is shown, username


def test_the_api_list(overseen, people):
    with time_machine.travel(datetime(2027, 2, 15, 10, tzinfo=SHANGHAI), tick=False):
        body = client_for(people["compliance"]).get("/api/overview/").json()
        refused = client_for(people["seller"]).get("/api/overview/")
    assert (body["count"], body["page"], body["pages"], body["as_of"]) == (3, 1, 1, "2027-02-15")
    assert [r["deal"] for r in body["results"]] == ["deal-ovr-b", "kaixin-2025", "deal-ovr-c"]
    year1 = body["results"][1]["overdue"][0]
    assert (year1["year"], year1["since"], year1["days"], year1["step"]["clause"]) == (
        1,
        "2027-01-30",
        17,
        "EA 3.1(b), SPA 5.1",
    )
    hold = body["results"][2]["holds"][0]
    assert (hold["kind"], hold["clause"], hold["year"], hold["ended_on"]) == ("dispute", "EA 3.3", 1, None)
    assert refused.status_code == 403 and refused.json()["clause"] == "SPA 9"
