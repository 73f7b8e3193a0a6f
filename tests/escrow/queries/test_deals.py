"""The one lookup of a deal and what is in it for a person (SPA 9), shared by the pages and the API:
no role means NotFound (404), never 403, with the same answer whether or not the object exists."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from escrow.contract.errors import NotAllowed, NotFound
from escrow.models import HistoryEntry, Instrument
from escrow.queries import deals as lookup
from escrow.queries.history import history_of
from tests.conftest import open_and_file

pytestmark = pytest.mark.django_db
MISSING = 999_999


@pytest.fixture
def filed(deposited, people):
    """Year 1 reported: a report and an open joint instruction exist."""
    return open_and_file(deposited, people, 1, "665000000")


def finders(t):
    instrument = Instrument.objects.filter(tranche=t).first()
    document = t.deal.documents.first()
    return [
        (lambda user, ref: lookup.deal_for(user, ref), t.deal.slug, "no-such-deal"),
        (lambda user, ref: lookup.deal_for(user, ref), t.deal.pk, MISSING),
        (lambda user, ref: lookup.tranche_for(user, ref), t.pk, MISSING),
        (lambda user, ref: lookup.tranche_for(user, deal=t.deal, year=ref), 1, 9),
        (lambda user, ref: lookup.instrument_for(user, ref), instrument.pk, MISSING),
        (lambda user, ref: lookup.document_for(user, ref), document.pk, MISSING),
    ]


def message(find, user, ref):
    with pytest.raises(NotFound) as raised:
        find(user, ref)
    return raised.value.message


def test_a_party_finds_everything_of_its_deal(filed, people):
    auditor = people["auditor"]
    for find, real, _missing in finders(filed):
        assert find(auditor, real) is not None
    assert lookup.tranche_for(auditor, deal=filed.deal, year=1).pk == filed.pk


@pytest.mark.parametrize("who", ["outsider", "admin"])
def test_no_role_finds_nothing_and_learns_nothing(filed, outsider, django_user_model, who):
    user = outsider if who == "outsider" else django_user_model.objects.create_superuser("root", "r@x.invalid", "pw")
    for find, real, missing in finders(filed):
        assert message(find, user, real) == message(find, user, missing)


def test_a_role_that_may_see_but_not_act_is_refused_with_the_clause(filed, people):
    with pytest.raises(NotAllowed) as refused:
        lookup.deal_for(people["compliance"], filed.deal.slug, action="confirm_deposit")
    assert refused.value.clause == "EA 1.1"


@pytest.mark.parametrize("who", ["outsider", "admin"])
def test_pages_answer_404_like_the_api(filed, outsider, django_user_model, who):
    """The pages use the same lookup: a real object of someone else's deal answers like a missing one."""
    user = outsider if who == "outsider" else django_user_model.objects.create_superuser("root", "r@x.invalid", "pw")
    deal, instrument = filed.deal, Instrument.objects.filter(tranche=filed).first()
    document = deal.documents.first()
    pages = [
        reverse("escrow:deal", args=[deal.slug]),
        reverse("escrow:tranche", args=[deal.slug, 1]),
        reverse("escrow:prepare_release", args=[deal.slug, 1]),
        reverse("escrow:history_csv", args=[deal.slug]),
        reverse("escrow:sign", args=[instrument.pk]),
        reverse("escrow:document", args=[document.pk]),
        reverse("escrow:sign", args=[MISSING]),
        reverse("escrow:document", args=[MISSING]),
    ]
    browser, api = Client(), APIClient()
    browser.force_login(user)
    api.force_authenticate(user)
    assert {url: browser.get(url).status_code for url in pages} == dict.fromkeys(pages, 404)
    for url in (f"/api/tranches/{filed.pk}/", f"/api/instruments/{instrument.pk}/", f"/api/documents/{document.pk}/"):
        assert api.get(url).status_code == 404, url


def test_a_missing_year_of_a_visible_deal_is_404(filed, people):
    client = Client()
    client.force_login(people["issuer"])
    assert client.get(reverse("escrow:tranche", args=[filed.deal.slug, 9])).status_code == 404


def test_one_history_query_for_the_page_the_api_and_the_tranche(filed, people):
    """The deal's own chain in order; the API, the history page and the tranche page read the same entries."""
    entries = list(history_of(filed.deal))
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert {e.chain.key for e in entries} == {f"deal:{filed.deal.pk}"}
    assert HistoryEntry.objects.filter(deal=filed.deal).count() == len(entries)
    about_year_1 = list(history_of(filed.deal, tranche=filed))
    assert about_year_1 and all(e.tranche_id == filed.pk for e in about_year_1)
    api = APIClient()
    api.force_authenticate(people["compliance"])
    listed = api.get(f"/api/deals/{filed.deal.slug}/history/").json()
    assert [e["seq"] for e in listed] == [e.seq for e in entries]
    client = Client()
    client.force_login(people["compliance"])
    html = client.get(reverse("escrow:history", args=[filed.deal.slug])).content.decode()
    assert html.count('data-testid="history-row"') == len(entries)
