"""Kaixin year 1 on target, end to end over the API (SPA 4.2, 5.1; EA 3.1, 3.2): the auditor files a
multipart PDF, issuer and purchaser review and sign its exact bytes, officer 1 prepares, officer 2
approves, and the seller sees the shares released."""

import hashlib
import itertools
from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from escrow import actions
from tests.conftest import PASSWORD, tranche
from tests.escrow.call_backs import registered
from tests.parties.tokens import token_secret

from .helpers import client_for, pdf_upload

pytestmark = pytest.mark.django_db


def token_client(user):
    """A party's system: token authentication, no session."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_secret(user)}")
    return client


def session_client(user):
    """A browser: a real session cookie."""
    client = APIClient()
    client.force_login(user)
    return client


def review_and_sign(client, instrument_id):
    """Download the instrument's bytes, hash them, and sign that hash (EA 3.1(b))."""
    instrument = client.get(f"/api/instruments/{instrument_id}/").json()
    pdf = b"".join(client.get(instrument["document"]["download"]).streaming_content)
    digest = hashlib.sha256(pdf).hexdigest()
    assert digest == instrument["sha256"]
    return client.post(
        f"/api/instruments/{instrument_id}/sign/", {"expected_sha256": digest, "password": PASSWORD}, format="json"
    )


def test_year_1_on_target_over_the_api(deposited, people):
    t = tranche(deposited, 1)
    actions.open_year(t.pk, today=t.period_end + timedelta(days=1))  # the sweep's job, not an endpoint

    filed = token_client(people["auditor"]).post(
        f"/api/tranches/{t.pk}/report/",
        {"audited_revenue": "665000000.00", "pdf": pdf_upload("Year 1 report")},
        format="multipart",
    )
    assert filed.status_code == 200, filed.json()
    body = filed.json()
    assert (body["state"], body["release_quantity"], body["deducted"]) == ("awaiting_instruction", 3_000_000, 0)
    assert body["next_step"]["roles"] == ["issuer", "purchaser"]
    assert body["next_step"]["action"] == "sign_joint_instruction"
    instruction = next(i for i in body["instruments"] if i["kind"] == "joint_instruction")

    signed = review_and_sign(token_client(people["issuer"]), instruction["id"])
    assert signed.status_code == 200, signed.json()
    assert [s["party_role"] for s in signed.json()["signatures"]] == ["issuer"]
    purchaser = session_client(people["purchaser"])
    assert purchaser.get(f"/api/tranches/{t.pk}/").json()["next_step"]["roles"] == ["purchaser"]
    signed = review_and_sign(purchaser, instruction["id"])
    assert signed.status_code == 200, signed.json()
    assert signed.json()["status"] == "effective"

    instructed = purchaser.get(f"/api/tranches/{t.pk}/").json()
    assert instructed["state"] == "instructed"
    assert instructed["transfer_due_date"] and instructed["documents_complete_on"]
    assert instructed["next_step"] == {
        "roles": ["escrow_agent"],
        "action": "prepare_release",
        "description": "Prepare the transfer (officer 1)",
        "due": instructed["transfer_due_date"],
        "clause": "EA 3.2",
        "done": False,
    }

    release = {"expected_sha256": instruction["sha256"], "password": PASSWORD}
    prepared = client_for(people["agent1"]).post(f"/api/tranches/{t.pk}/prepare-release/", release, format="json")
    assert prepared.json()["state"] == "release_prepared"
    # Issue 10 item 2: no approval before a registered signatory other than the last signer confirms it.
    early = client_for(people["agent2"]).post(
        f"/api/tranches/{t.pk}/approve-release/", {**release, "transfer_reference": "TA-2027-001"}, format="json"
    )
    assert (early.status_code, early.json()["clause"]) == (409, "EA 3.2"), early.json()
    entry = registered(deposited, people["issuer"])
    called = client_for(people["agent1"]).post(
        f"/api/tranches/{t.pk}/call-back/", {"signatory": entry.pk, "outcome": "confirmed"}, format="json"
    )
    assert called.status_code == 201, called.json()
    approved = client_for(people["agent2"]).post(
        f"/api/tranches/{t.pk}/approve-release/", {**release, "transfer_reference": "TA-2027-001"}, format="json"
    )
    assert approved.status_code == 200, approved.json()

    seller = token_client(people["seller"])
    seen = seller.get(f"/api/tranches/{t.pk}/").json()
    assert (seen["state"], seen["released_on"] is not None, seen["transfer_reference"]) == (
        "released",
        True,
        "TA-2027-001",
    )
    # Issue 12 item 4: nothing is left to do; what was released and when, no due date.
    assert seen["next_step"] == {
        "roles": [],
        "action": "",
        "description": f"Released 3,000,000 shares on {seen['released_on']}",
        "due": None,
        "clause": "EA 3.2",
        "done": True,
    }
    deal = seller.get("/api/deals/kaixin-2025/").json()
    assert deal["balances"] == {
        "deposited": 15_000_000,
        "rebased": 0,
        "released": 3_000_000,
        "returned": 0,
        "in_escrow": 12_000_000,
    }
    assert deal["my_role"] == "seller"
    _check_signatures(seen, people)
    _check_history(seller.get("/api/deals/kaixin-2025/history/").json())
    _check_token_attribution(deposited, people)


def _check_token_attribution(deal, people):
    """Issue 10 item 3: what was done with a token names the token; a browser session adds nothing."""
    from escrow.models import HistoryEntry
    from parties.models import ApiToken

    signed = {e.actor_id: e.details for e in HistoryEntry.objects.filter(deal=deal, action="signed")}
    issuer_token = ApiToken.objects.get(user=people["issuer"], revoked_at__isnull=True)
    assert (signed[people["issuer"].pk]["channel"], signed[people["issuer"].pk]["api_token"]) == (
        "api",
        issuer_token.pk,
    )
    assert "channel" not in signed[people["purchaser"].pk]


def _check_signatures(tranche_body, people):
    instruction = next(i for i in tranche_body["instruments"] if i["kind"] == "joint_instruction")
    signatures = {s["party_role"]: s for s in instruction["signatures"]}
    assert set(signatures) == {"issuer", "purchaser"}
    for role, signature in signatures.items():
        assert signature["signer_username"] == people[role].username
        assert signature["sha256"] == instruction["sha256"]
        assert signature["auth_method"] == "password"
        assert signature["signed_at"]
        assert "password" not in signature and "ip_address" not in signature


def _check_history(entries):
    """The deal's chain, oldest first: each entry names its predecessor's hash."""
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(entries))
    actions_seen = [e["action"] for e in entries]
    for action in (
        "deposit_confirmed",
        "year_ended",
        "report_filed",
        "quantity_computed",
        "signed",
        "instructed",
        "release_prepared",
        "call_back_recorded",
        "released",
    ):
        assert action in actions_seen
    released = next(e for e in entries if e["action"] == "released")
    assert (released["from_state"], released["to_state"], released["clause"]) == (
        "release_prepared",
        "released",
        "EA 3.2",
    )
