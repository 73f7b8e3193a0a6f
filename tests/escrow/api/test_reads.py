"""Reads over the API: deals, tranches, documents, signatures, history, what is due; confidentiality
(SPA 9: no role, no deal, 404 for everything in it) and the two ways in (session, token)."""

import hashlib
import itertools
from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from escrow import actions
from escrow.models import Instrument
from tests.conftest import open_and_file, tranche
from tests.parties.tokens import token_client

from .helpers import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def filed(deposited, people):
    """Year 1 reported on target: a report and an open joint instruction exist."""
    return open_and_file(deposited, people, 1, "665000000")


def object_urls(deal, t):
    """Each deal object's URL with the same URL for an object that does not exist."""
    instrument = Instrument.objects.filter(tranche=t).first()
    document = deal.documents.first()
    pairs = [
        (f"deals/{deal.slug}/", "deals/no-such-deal/"),
        (f"deals/{deal.pk}/", "deals/999999/"),
        (f"deals/{deal.slug}/tranches/", "deals/no-such-deal/tranches/"),
        (f"deals/{deal.slug}/documents/", "deals/no-such-deal/documents/"),
        (f"deals/{deal.slug}/history/", "deals/no-such-deal/history/"),
        (f"tranches/{t.pk}/", "tranches/999999/"),
        (f"instruments/{instrument.pk}/", "instruments/999999/"),
        (f"documents/{document.pk}/", "documents/999999/"),
        (f"documents/{document.pk}/download/", "documents/999999/download/"),
    ]
    return [(f"/api/{real}", f"/api/{missing}") for real, missing in pairs]


def test_the_deal_list_holds_only_the_persons_deals(kaixin, people, outsider, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@x.invalid", "pw")
    listed = client_for(people["issuer"]).get("/api/deals/").json()
    assert [(d["slug"], d["my_role"]) for d in listed] == [("kaixin-2025", "issuer")]
    assert client_for(outsider).get("/api/deals/").json() == []
    assert client_for(admin).get("/api/deals/").json() == []


@pytest.mark.parametrize("who", ["outsider", "admin"])
def test_no_role_means_404_for_every_deal_object(filed, people, outsider, django_user_model, who):
    """SPA 9: existence is confidential: the answer for a real object equals the one for a missing one."""
    user = outsider if who == "outsider" else django_user_model.objects.create_superuser("root", "r@x.invalid", "pw")
    client = client_for(user)
    for real, missing in object_urls(filed.deal, filed):
        response = client.get(real)
        assert response.status_code == 404, real
        assert response.json() == client.get(missing).json(), real


def test_the_deal_shows_parties_policies_balances_and_next_step(kaixin, people):
    deal = client_for(people["compliance"]).get("/api/deals/kaixin-2025/").json()
    assert {p["role"] for p in deal["parties"]} == {
        "issuer",
        "purchaser",
        "seller",
        "escrow_agent",
        "auditor",
        "compliance",
    }
    assert deal["policies"]["excess_credit"] == "half-of-excess"
    assert len(deal["policies"]) == 9  # P1-P9 (P9 escrow_fee_payer, issue 14 item 5)
    assert deal["policies"]["escrow_fee_payer"] == "issuer"
    assert deal["balances"] == {"deposited": 0, "rebased": 0, "released": 0, "returned": 0, "in_escrow": 0}
    assert deal["next_step"]["action"] == "confirm_deposit" and deal["next_step"]["roles"] == ["escrow_agent"]
    assert deal["next_step"]["clause"] == "EA 1.1" and deal["next_step"]["due"] == "2025-12-23"
    assert [t["year"] for t in deal["tranches"]] == [1, 2, 3, 4, 5]
    assert deal["tranches"][0]["target_revenue"] == "665000000.00"


def test_tranches_show_state_quantities_deadlines_and_who_acts(filed, people):
    body = client_for(people["seller"]).get("/api/deals/kaixin-2025/tranches/").json()
    year1 = body[0]
    assert (year1["state"], year1["release_quantity"], year1["release_due_date"]) == (
        "awaiting_instruction",
        3_000_000,
        "2027-01-29",
    )
    assert year1["next_step"]["roles"] == ["issuer", "purchaser"]
    assert body[1]["state"] == "scheduled" and body[1]["next_step"]["roles"] == []


def test_documents_are_metadata_and_a_checked_download(filed, people):
    client = client_for(people["compliance"])
    documents = client.get("/api/deals/kaixin-2025/documents/").json()
    assert {d["kind"] for d in documents} == {"audit_report", "joint_instruction"}
    for document in documents:
        assert "file" not in document and "url" not in document and "/media/" not in str(document)
        assert document["download"].endswith(f"/api/documents/{document['id']}/download/")
        response = client.get(document["download"], HTTP_ACCEPT="application/pdf")
        data = b"".join(response.streaming_content)
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Document-SHA256"] == document["sha256"] == hashlib.sha256(data).hexdigest()
        assert response["Cache-Control"] == "private, no-store"
        assert "attachment" in response["Content-Disposition"]


def test_a_pdf_client_still_gets_json_errors(filed, outsider):
    document = filed.deal.documents.first()
    response = client_for(outsider).get(f"/api/documents/{document.pk}/download/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such document.", "clause": ""}


def test_history_entries_carry_their_hashes(filed, people):
    entries = client_for(people["compliance"]).get("/api/deals/kaixin-2025/history/").json()
    assert entries[0]["prev_hash"] == "0" * 64
    assert all(len(e["hash"]) == 64 and b["prev_hash"] == e["hash"] for e, b in itertools.pairwise(entries))
    report = next(e for e in entries if e["action"] == "report_filed")
    assert (report["actor"], report["tranche_year"], report["clause"]) == ("Lin Xu", 1, "SPA 4.2, EA 3.1(a)")


def test_what_is_due_for_the_auditor(deposited, people):
    t = tranche(deposited, 1)
    actions.open_year(t.pk, today=t.period_end + timedelta(days=1))
    due = client_for(people["auditor"]).get("/api/me/due/").json()
    assert [(d["deal"], d["year"], d["step"]["action"]) for d in due] == [("kaixin-2025", 1, "file_report")]


def test_token_authentication_for_parties_systems(kaixin, people):
    client = token_client(people["purchaser"])
    assert client.get("/api/deals/").json()[0]["my_role"] == "purchaser"
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    response = client.get("/api/deals/")
    assert response.status_code == 401 and response.json()["detail"].startswith("This API token is not known.")


def test_session_authentication_for_the_browser(kaixin, people):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(people["seller"])
    assert client.get("/api/deals/").json()[0]["my_role"] == "seller"
    refused = client.post(f"/api/tranches/{tranche(kaixin, 1).pk}/dispute/", {"reason": "x"}, format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert tranche(kaixin, 1).state == "scheduled"
