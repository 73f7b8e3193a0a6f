"""The hostile superuser of issue 10: they set their own organisation to the deal's purchaser in the admin, then
try to sign the joint instruction for it through the API, to put themselves on the register, or to create a
register entry in the admin. Signing power comes only from the signatory register (item 1): every attempt is
refused with a clear message, and the move itself is in the history with who made it."""

import pytest
from django.urls import NoReverseMatch, reverse
from rest_framework.test import APIClient

from escrow.models import HistoryEntry, RegisterChange, Signatory, Signature
from tests.conftest import PASSWORD, open_and_file
from tests.escrow.api.helpers import client_for

pytestmark = pytest.mark.django_db


def person_form(person, **changes):
    data = {
        "username": person.username,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "is_active": person.is_active,
        "is_staff": person.is_staff,
        "is_superuser": person.is_superuser,
        "organisation": person.organisation_id or "",
        "title": person.title,
        "language": person.language,
        **changes,
    }
    return {key: ("on" if value is True else value) for key, value in data.items() if value is not False}


@pytest.fixture
def insider(deposited, people, client, django_user_model):
    """A superuser who joined the purchaser's organisation through the admin's own change page."""
    root = django_user_model.objects.create_superuser("root", "root@x.invalid", PASSWORD)
    client.force_login(root)
    purchaser_org = people["purchaser"].organisation
    response = client.post(
        reverse("admin:parties_user_change", args=[root.pk]), person_form(root, organisation=purchaser_org.pk)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    root.refresh_from_db()
    assert root.organisation == purchaser_org
    return root


def test_the_membership_change_is_recorded_with_its_actor(insider):
    entry = HistoryEntry.objects.filter(action="membership_changed").order_by("-pk").first()
    assert entry is not None and entry.actor == insider


def test_the_superuser_cannot_sign_for_the_purchaser_through_the_api(insider, deposited, people):
    instruction = open_and_file(deposited, people, 1, "665000000").instruments.get(kind="joint_instruction")
    body = {"expected_sha256": instruction.document.sha256, "password": PASSWORD}
    response = client_for(insider).post(f"/api/instruments/{instruction.pk}/sign/", body, format="json")
    assert response.status_code == 403, response.json()
    assert "Platform staff and superuser accounts never sign or approve" in response.json()["detail"]
    assert not Signature.objects.filter(signer=insider).exists()


def test_the_superuser_cannot_sign_with_a_session_either(insider, deposited, people, client):
    instruction = open_and_file(deposited, people, 1, "665000000").instruments.get(kind="joint_instruction")
    api = APIClient()
    api.force_login(insider)
    body = {"expected_sha256": instruction.document.sha256, "password": PASSWORD}
    response = api.post(f"/api/instruments/{instruction.pk}/sign/", body, format="json")
    assert response.status_code == 403 and "never sign or approve" in response.json()["detail"]
    page = client.post(
        reverse("escrow:sign", args=[instruction.pk]),
        {"intent": "on", "password": PASSWORD, "expected_sha256": instruction.document.sha256},
    )
    assert page.status_code in (400, 403) and "never sign or approve" in page.content.decode()
    assert not Signature.objects.filter(signer=insider).exists()


def test_the_superuser_cannot_get_on_the_register(insider, deposited, people):
    """Neither by proposing themselves through the API, nor by a real signatory proposing them."""
    party = deposited.parties.get(role="purchaser")
    body = {"party": party.pk, "person": insider.pk, "title": "Director", "phone": "+86 1"}
    own = client_for(insider).post(f"/api/deals/{deposited.slug}/register/propose/", body, format="json")
    assert own.status_code == 403 and "take no part" in own.json()["detail"]
    proposed = client_for(people["purchaser"]).post(
        f"/api/deals/{deposited.slug}/register/propose/", body, format="json"
    )
    assert proposed.status_code == 403 and "can never be on a signatory register" in proposed.json()["detail"]
    assert not Signatory.objects.filter(person=insider).exists()
    assert not RegisterChange.objects.filter(proposed_by=insider).exists()


def test_the_admin_cannot_create_or_edit_a_register_entry(insider, client):
    """The register has no admin page: it changes only through the actions (four eyes, cooling-off)."""
    for name in ("admin:escrow_signatory_add", "admin:escrow_signatory_changelist", "admin:escrow_registerchange_add"):
        with pytest.raises(NoReverseMatch):
            reverse(name)
    response = client.post("/admin/escrow/signatory/add/", {"name": "root", "title": "x", "phone": "x"})
    assert response.status_code in (403, 404)
    assert not Signatory.objects.filter(person=insider).exists()
