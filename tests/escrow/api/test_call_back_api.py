"""The call-back before a release over the API (issue 10 item 2; EA 3.2 four eyes plus the call-back practice):
the same action as the pages, its refusals as 400/403/404/409 with the clause, and the staff waiver."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from escrow import actions
from escrow.models import HistoryAction, HistoryEntry
from tests.conftest import PASSWORD, open_and_file, sign_instruction, tranche
from tests.escrow.call_backs import registered

from .helpers import client_for


@pytest.fixture
def prepared(deposited, people):
    open_and_file(deposited, people, 1, "665000000")
    t, instruction = sign_instruction(deposited, people, 1)  # the purchaser signs last
    actions.prepare_release(people["agent1"], t.pk, expected_sha256=instruction.document.sha256, password=PASSWORD)
    return t, instruction.document.sha256


def post_call_back(user, t, entry, outcome="confirmed", **extra):
    body = {"signatory": entry.pk, "outcome": outcome, **extra}
    return client_for(user).post(f"/api/tranches/{t.pk}/call-back/", body, format="json")


def approve(user, t, digest):
    body = {"expected_sha256": digest, "password": PASSWORD, "transfer_reference": "TA-API"}
    return client_for(user).post(f"/api/tranches/{t.pk}/approve-release/", body, format="json")


def test_an_officer_records_a_call_back_and_officer_2_then_approves(deposited, people, prepared):
    t, digest = prepared
    refused = approve(people["agent2"], t, digest)
    assert refused.status_code == 409 and refused.json()["clause"] == "EA 3.2"
    assert "call-back" in refused.json()["detail"]
    entry = registered(deposited, people["issuer"])
    called = post_call_back(people["agent1"], t, entry, note="Confirmed 3,000,000 shares and the hash")
    assert called.status_code == 201, called.json()
    body = called.json()
    assert body["number_called"] == entry.phone and body["signatory_name"] == entry.name
    assert (body["outcome"], body["officer"], body["signatory_party"]) == ("confirmed", "agent1", "issuer")
    assert body["instrument_sha256"] == digest and body["called_at"]
    approved = approve(people["agent2"], t, digest)
    assert approved.status_code == 200, approved.json()
    released = HistoryEntry.objects.get(deal=deposited, action=HistoryAction.RELEASED)
    assert released.details["call_back"]["call_back"] == body["id"]


def test_refusals_say_why_and_change_nothing(deposited, people, prepared, outsider):
    t, _digest = prepared
    before = HistoryEntry.objects.count()
    last_signer = post_call_back(people["agent1"], t, registered(deposited, people["purchaser"]))
    assert last_signer.status_code == 400 and "signed the instruction last" in last_signer.json()["detail"]
    seller = post_call_back(people["agent1"], t, registered(deposited, people["seller"]))
    assert seller.status_code == 400 and "issuer or the purchaser" in seller.json()["detail"]
    bad_outcome = post_call_back(people["agent1"], t, registered(deposited, people["issuer"]), outcome="maybe")
    assert bad_outcome.status_code == 400
    issuer = post_call_back(people["issuer"], t, registered(deposited, people["issuer"]))
    assert (issuer.status_code, issuer.json()["clause"]) == (403, "EA 3.2")
    assert post_call_back(outsider, t, registered(deposited, people["issuer"])).status_code == 404
    assert client_for(None).post(f"/api/tranches/{t.pk}/call-back/", {}).status_code == 401
    assert HistoryEntry.objects.count() == before


def test_staff_waive_the_call_back_over_the_api(deposited, people, prepared):
    t, digest = prepared
    staff = get_user_model().objects.create_user("deskstaff", password=PASSWORD, is_staff=True)
    staff.user_permissions.add(Permission.objects.get(content_type__app_label="escrow", codename="change_deal"))
    url = f"/api/deals/{deposited.slug}/call-back-waiver/"
    body = {"waived": True, "reason": "All parties asked in writing"}
    for person in (people["agent1"], people["agent2"], people["issuer"]):
        assert client_for(person).post(url, body, format="json").status_code == 403
    assert client_for(staff).post("/api/deals/no-such-deal/call-back-waiver/", body, format="json").status_code == 404
    waived = client_for(staff).post(url, body, format="json")
    assert waived.status_code == 200, waived.json()
    assert waived.json()["call_back_waived"] is True
    assert waived.json()["call_back_waiver_reason"] == "All parties asked in writing"
    assert HistoryEntry.objects.filter(deal=deposited, action=HistoryAction.CALL_BACK_WAIVER_SET).count() == 1
    assert approve(people["agent2"], t, digest).status_code == 200
    assert tranche(deposited, 1).state == "released"
