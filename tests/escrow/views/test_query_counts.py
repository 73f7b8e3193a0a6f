"""Pages stay fast as data grows: the same number of SQL queries with 1 and with 200 deals visible."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from escrow.models import Deal, DealParty, DealUserObjectPermission, Tranche
from tests.conftest import open_and_file

pytestmark = pytest.mark.django_db


def add_deals(n, people, *, state="in_escrow"):
    """n more deals on which the Kaixin parties play the same roles (built in bulk, not through actions:
    only the page's query count is under test here)."""
    kaixin_parties = list(DealParty.objects.filter(deal__slug="kaixin-2025"))
    deals = Deal.objects.bulk_create(
        [
            Deal(
                slug=f"deal-{i:03d}",
                name=f"Deal {i}",
                target_company="Target",
                total_shares=1000,
                tranche_count=5,
                effective_date=date(2025, 12, 2),
                state=state,
            )
            for i in range(n)
        ]
    )
    Tranche.objects.bulk_create(
        [
            Tranche(
                deal=deal,
                year=y,
                period_start=date(2025 + y, 12, 1),
                period_end=date(2026 + y, 11, 30),
                target_revenue=Decimal("1000"),
                release_due_date=date(2027 + y, 1, 29),
            )
            for deal in deals
            for y in range(1, 6)
        ]
    )
    DealParty.objects.bulk_create(
        [
            DealParty(
                deal=deal,
                organisation_id=p.organisation_id,
                role=p.role,
                contract_name=p.contract_name,
                approved_at=p.approved_at,
            )
            for deal in deals
            for p in kaixin_parties
        ]
    )
    view = Permission.objects.get(codename="view_deal", content_type__app_label="escrow")
    DealUserObjectPermission.objects.bulk_create(
        [
            DealUserObjectPermission(user=user, permission=view, content_object=deal)
            for deal in deals
            for user in people.values()
        ]
    )


def count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


PAGES = [
    ("dashboard", lambda deal: reverse("escrow:dashboard")),
    ("notifications", lambda deal: reverse("escrow:notifications")),
    ("deal", lambda deal: reverse("escrow:deal", args=[deal.slug])),
    ("tranche", lambda deal: reverse("escrow:tranche", args=[deal.slug, 1])),
    ("whatif", lambda deal: reverse("escrow:whatif", args=[deal.slug])),
    ("history", lambda deal: reverse("escrow:history", args=[deal.slug])),
]


@pytest.mark.parametrize("persona", ["issuer", "agent1", "auditor", "compliance"])
@pytest.mark.parametrize("page, url", PAGES, ids=[p for p, _ in PAGES])
def test_same_query_count_with_1_and_200_deals(deposited, people, client_for, persona, page, url):
    open_and_file(deposited, people, 1, "598500000")
    client = client_for(persona)
    target = url(deposited)
    client.get(target)  # warm caches that are per process, not per request (content types, calendars)
    one = count(client, target)
    add_deals(200, people)
    many = count(client, target)
    assert many == one, f"{page} as {persona}: {one} queries with 1 deal, {many} with 201"
    assert one <= 40, f"{page} as {persona}: {one} queries"


def test_dashboard_with_200_deals_awaiting_deposit(kaixin, people, client_for):
    """The agent has one due step per deal here (EA 1.1): the count must not grow with them."""
    client = client_for("agent1")
    client.get("/")
    one = count(client, "/")
    add_deals(200, people, state="awaiting_deposit")
    assert count(client, "/") == one
