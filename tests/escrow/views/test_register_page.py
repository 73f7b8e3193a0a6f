"""The signatory register page (issue 10 item 1): each party's signatories, pending changes with the end of their
cooling-off period in Beijing time, and only the forms the person may use now; every form runs one action."""

import pytest
from django.urls import reverse
from django.utils import timezone

from escrow.models import RegisterChange, Signatory
from parties.actions import add_person
from tests.conftest import PASSWORD, SHANGHAI

pytestmark = pytest.mark.django_db


@pytest.fixture
def url(kaixin):
    return reverse("escrow:register", args=[kaixin.slug])


@pytest.fixture
def officer3(people):
    return add_person(
        None, username="agent3", password=PASSWORD, organisation=people["agent1"].organisation, first_name="Mei"
    )


def test_the_deal_page_links_to_the_register_and_it_lists_each_party(client_for, kaixin, url):
    deal_page = client_for("seller").get(reverse("escrow:deal", args=[kaixin.slug])).content.decode()
    assert url in deal_page
    html = client_for("seller").get(url).content.decode()
    assert html.count('data-testid="register-party"') == 4
    for username in ("issuer", "purchaser", "seller", "agent1", "agent2"):
        assert f'data-person="{username}"' in html
    assert "+86 21 5555 0101" in html and "Beijing time" in html


def test_only_the_forms_the_person_may_use_are_offered(client_for, url):
    seller = client_for("seller").get(url).content.decode()
    assert 'data-testid="propose-form"' in seller and 'data-testid="remove-form"' in seller
    compliance = client_for("compliance").get(url).content.decode()
    assert 'data-testid="propose-form"' not in compliance and 'data-testid="remove-form"' not in compliance
    assert client_for("auditor").get(url).status_code == 403


def test_propose_confirm_and_object_through_the_page(client_for, people, officer3, url):
    response = client_for("agent1").post(
        url, {"op": "propose", "party": _agent_party(people), "person": officer3.pk, "title": "Officer", "phone": "+1"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    change = RegisterChange.objects.get(signatory__person=officer3)
    own = client_for("agent1").get(url).content.decode()
    assert f'data-change="{change.pk}"' in own and 'data-testid="confirm-form"' not in own  # four eyes
    other = client_for("agent2").get(url).content.decode()
    ends = timezone.localtime(change.cooling_off_ends_at, SHANGHAI).strftime("%Y-%m-%d %H:%M")
    assert 'data-testid="confirm-form"' in other and ends in other
    assert client_for("agent2").post(url, {"op": "confirm", "change": change.pk}).status_code == 302
    refused = client_for("seller").post(url, {"op": "object", "change": change.pk, "reason": ""})
    assert refused.status_code == 400 and "Nothing was changed." in refused.content.decode()
    objected = client_for("seller").post(url, {"op": "object", "change": change.pk, "reason": "Unknown to us"})
    assert objected.status_code == 302
    assert RegisterChange.objects.get(pk=change.pk).state == "objected"
    assert not Signatory.objects.get(person=officer3).is_active


def test_a_refusal_is_shown_and_nothing_changes(client_for, people, url):
    """The proposer's own confirmation is refused on the page with the action's words."""
    clerk = add_person(None, username="clerk", password=PASSWORD, organisation=people["issuer"].organisation)
    party = people["issuer"].organisation.deal_roles.get().pk
    client_for("issuer").post(url, {"op": "propose", "party": party, "person": clerk.pk, "title": "x", "phone": "1"})
    change = RegisterChange.objects.get(signatory__person=clerk)
    response = client_for("compliance").post(url, {"op": "object", "change": change.pk, "reason": "No"})
    assert response.status_code == 400 and "As Compliance" in response.content.decode()
    assert RegisterChange.objects.get(pk=change.pk).state == "proposed"


def _agent_party(people):
    return people["agent1"].organisation.deal_roles.get().pk
