"""Issue 10, the API client: a party's system (or a stolen credential) cannot rewrite a record through the API.
Read endpoints refuse every write verb; the release, deposit, return, settlement and award endpoints refuse
what would move more shares than the escrow holds, approve an instruction nobody signed, or move shares twice
(EA 1.1, 3.2, 3.3, SPA 5.2(1)). After every attempt the ledger is as it was and the records still verify."""

import pytest

from escrow.models import Instrument, ShareMovement, StoredDocument
from tests.conftest import PASSWORD
from tests.escrow.api.helpers import client_for, pdf_upload
from tests.escrow.call_backs import confirm_call_back
from tests.security.insider import run_verify
from tests.security.records_world import (
    effective_sha,
    records_world,  # noqa: F401  (module-scoped fixture)
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(records_world, db):  # noqa: F811
    return records_world


def ledger(deal):
    return sorted(ShareMovement.objects.filter(deal=deal).values_list("pk", "kind", "quantity", "reference"))


def assert_untouched(world, before):
    assert ledger(world.kaixin) == before
    code, out = run_verify()
    assert code == 0, out


def read_endpoints(world):
    t = world.tranche(4)
    instrument = Instrument.objects.filter(tranche=t).first()
    document = StoredDocument.objects.filter(deal=world.kaixin).first()
    slug = world.kaixin.slug
    return [
        f"/api/deals/{slug}/",
        f"/api/deals/{slug}/tranches/",
        f"/api/deals/{slug}/history/",
        f"/api/deals/{slug}/documents/",
        f"/api/tranches/{t.pk}/",
        f"/api/instruments/{instrument.pk}/",
        f"/api/documents/{document.pk}/",
    ]


@pytest.mark.parametrize("persona", ["agent1", "issuer", "compliance"])
def test_read_endpoints_refuse_every_write(world, persona):
    client, before = client_for(world.people[persona]), ledger(world.kaixin)
    for url in read_endpoints(world):
        for verb in ("put", "patch", "delete", "post"):
            response = getattr(client, verb)(url, {"state": "released", "quantity": 1}, format="json")
            assert response.status_code in (403, 405), (verb, url, response.status_code)
    assert_untouched(world, before)


def test_approving_another_documents_hash_is_refused(world):
    """The officer's system sends the hash of an instruction it did not review for this tranche."""
    t, before = world.tranche(4), ledger(world.kaixin)
    confirm_call_back(world.kaixin, world.people, t)
    for stale in (effective_sha(world.tranche(2)), "0" * 64):
        response = client_for(world.people["agent2"]).post(
            f"/api/tranches/{t.pk}/approve-release/",
            {"expected_sha256": stale, "transfer_reference": "TA-4", "password": PASSWORD},
            format="json",
        )
        assert response.status_code == 400 and "not the signed one" in response.json()["detail"]
    assert world.tranche(4).state == "release_prepared"
    assert_untouched(world, before)


def test_the_preparing_officer_cannot_approve_and_nobody_approves_twice(world):
    t, before = world.tranche(4), ledger(world.kaixin)
    confirm_call_back(world.kaixin, world.people, t)
    body = {"expected_sha256": effective_sha(t), "transfer_reference": "TA-4", "password": PASSWORD}
    url = f"/api/tranches/{t.pk}/approve-release/"
    assert client_for(world.people["agent1"]).post(url, body, format="json").status_code == 403  # four eyes
    assert client_for(world.people["agent2"]).post(url, body, format="json").status_code == 200
    assert client_for(world.people["agent2"]).post(url, body, format="json").status_code == 409
    after = ledger(world.kaixin)
    assert len(after) == len(before) + 1 and after[-1][1:3] == ("release", 3_000_000)
    assert run_verify()[0] == 0


def test_no_second_deposit_and_no_early_return(world):
    before, slug = ledger(world.kaixin), world.kaixin.slug
    agent = client_for(world.people["agent1"])
    assert agent.post(f"/api/deals/{slug}/confirm-deposit/", {"reference": "DRS-2"}, format="json").status_code == 409
    assert (
        agent.post(f"/api/deals/{slug}/return-for-cancellation/", {"reference": "R"}, format="json").status_code == 409
    )
    assert_untouched(world, before)


def test_no_settlement_or_award_above_the_shares_in_escrow(world):
    """12,000,000 shares remain after year 1; EA 3.3 instruments for more are refused over the API too."""
    t, before = world.tranche(2), ledger(world.kaixin)
    seller = client_for(world.people["seller"])
    assert seller.post(f"/api/tranches/{t.pk}/dispute/", {"reason": "Disputed."}, format="json").status_code == 200
    settlement = seller.post(
        f"/api/tranches/{t.pk}/settlement/", {"quantity": "12,000,001", "reason": "All."}, format="json"
    )
    assert settlement.status_code == 400 and settlement.json()["clause"] == "EA 3.3"
    award = seller.post(
        f"/api/tranches/{t.pk}/award/",
        {"quantity": "12000001", "reference": "CIETAC-2", "pdf": pdf_upload("award")},
        format="multipart",
    )
    assert award.status_code == 400
    assert world.tranche(2).state == "disputed" and world.tranche(2).release_quantity == 2_800_000
    assert_untouched(world, before)
