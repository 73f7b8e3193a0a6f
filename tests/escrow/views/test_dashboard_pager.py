"""The dashboard's deal list (issue 13 item 1): a page and the number of deals in one query, with exactly
what Django's Paginator would show for any page asked (in range, past the end, not a number, no deals)."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.world import copies_of
from escrow.models import Deal
from escrow.views.dashboard import CountedPaginator

pytestmark = pytest.mark.django_db


def shown(paginator, number):
    page = paginator.get_page(number)
    return [d.pk for d in page], page.number, page.paginator.num_pages, page.paginator.count, page.has_next()


@pytest.mark.parametrize("number", [None, "1", "2", "3", "99", "0", "-1", "x", "2.0"])
def test_the_same_pages_as_djangos_paginator(deposited, number):
    copies_of(deposited, 44)  # 45 deals: pages of 20, 20 and 5
    deals = Deal.objects.order_by("slug")
    assert shown(CountedPaginator(deals, 20), number) == shown(Paginator(deals, 20), number)


def test_no_deals_is_an_empty_first_page(db):
    deals = Deal.objects.order_by("slug")
    assert shown(CountedPaginator(deals, 20), "1") == shown(Paginator(deals, 20), "1") == ([], 1, 1, 0, False)


def test_a_page_and_the_count_are_one_query(deposited):
    copies_of(deposited, 44)
    with CaptureQueriesContext(connection) as ctx:
        page = CountedPaginator(Deal.objects.order_by("slug"), 20).get_page("2")
        assert (len(page), page.paginator.count, page.paginator.num_pages) == (20, 45, 3)
    assert len(ctx.captured_queries) == 1
