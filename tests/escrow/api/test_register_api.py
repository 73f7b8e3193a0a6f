"""The signatory register over the API (issue 10 item 1), persona by persona for the proposals, which name the
caller's own party or entry (the permission matrix covers reading, confirming and objecting)."""

import pytest

from escrow.models import RegisterChange, Signatory
from tests.escrow.register_matrix import nominee, own_party

from .helpers import client_for, outcome

pytestmark = pytest.mark.django_db
PARTIES = ("issuer", "purchaser", "seller", "agent1", "agent2")


class W:
    def __init__(self, deal):
        self.deal = deal


@pytest.mark.parametrize("persona", [*PARTIES, "auditor", "compliance"])
def test_proposing_a_person_of_ones_own_party(kaixin, people, persona):
    user = people[persona]
    party = own_party(user, W(kaixin))
    body = {"party": party.pk, "person": nominee(party).pk, "title": "Deputy", "phone": "+86 1"}
    response = client_for(user).post(f"/api/deals/{kaixin.slug}/register/propose/", body, format="json")
    if persona in PARTIES:
        assert response.status_code == 201, response.json()
        register = response.json()
        assert [c["signatory"]["person"] for c in register["pending"]] == [body["person"]]
        assert register["pending"][0]["cooling_off_ends_at"]
    else:
        assert outcome(response) == ("NotAllowed", "EA 3.1(b), 3.2")


@pytest.mark.parametrize("persona", [*PARTIES, "auditor", "compliance"])
def test_proposing_ones_own_removal(kaixin, people, persona):
    user = people[persona]
    entry = Signatory.objects.filter(deal=kaixin, person=user).first() or Signatory.objects.first()
    body = {"signatory": entry.pk, "reason": "Leaving"}
    response = client_for(user).post(f"/api/deals/{kaixin.slug}/register/remove/", body, format="json")
    if persona in PARTIES:
        assert response.status_code == 201, response.json()
        assert RegisterChange.objects.get(signatory=entry, kind="remove").proposed_by == user
    else:
        assert outcome(response) == ("NotAllowed", "EA 3.1(b), 3.2")


def test_the_register_reads_the_same_for_every_party(kaixin, people):
    body = client_for(people["seller"]).get(f"/api/deals/{kaixin.slug}/register/").json()
    names = {s["name"] for p in body["parties"] for s in p["signatories"]}
    assert len(body["parties"]) == 4 and len(names) == 5
    assert all(s["active"] for p in body["parties"] for s in p["signatories"])
    assert body["may_object"] and not body["may_confirm"]
    outsider_view = client_for(None).get(f"/api/deals/{kaixin.slug}/register/")
    assert outsider_view.status_code == 401
