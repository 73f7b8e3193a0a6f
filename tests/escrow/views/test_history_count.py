"""Issue 13 item 1: the unfiltered history page takes its entry count from the filter-choices query and reads each
page by hand-written SQL (escrow.queries.history.page_reads, NewestFirst); each page must be byte for byte the page
the ORM's count and slice drew, on the first, middle, last and out-of-range pages, filtered and not."""

import re

import pytest
from django.urls import reverse

from escrow.history.chain import record
from escrow.models import HistoryAction
from escrow.queries.history import history_of
from escrow.views import history as history_view

pytestmark = pytest.mark.django_db


def page(client, url):
    """The page's bytes but the CSRF tokens of the layout's forms (new on every request)."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", client.get(url).content)


def test_the_pages_are_those_of_the_paginators_count(deposited, people, client_for, monkeypatch):
    for n in range(2 * history_view.PER_PAGE):
        record(deposited, action=HistoryAction.AUDITOR_APPROVED, actor=people["auditor"], summary=f"note {n}")
    url = reverse("escrow:history", args=[deposited.slug])
    queries = ["", "?page=2", "?page=3", "?page=99", "?page=x", "?action=auditor_approved&page=2", "?date_from=x"]
    client = client_for("compliance")
    told = [page(client, url + query) for query in queries]
    monkeypatch.setattr(history_view, "NewestFirst", lambda deal, count: history_of(deal).order_by("-seq"))
    counted = [page(client, url + query) for query in queries]
    assert told == counted
    assert b"Page 3 of 3" in told[2] and b"Page 3 of 3" in told[3] and b"Page 2 of " in told[5]
