"""Issue 11 item 4: the transfer agent's evidence of the deposit (EA 1.1) and of each release (EA 3.2).

Officer 2's approval records the reference, the date of the transfer (Beijing; not after today, not before
the joint instruction took effect), the transfer agent and the seller's account there, and takes the agent's
confirmation PDF; the deposit records the same for the issue. Every party, the seller included, reads them
on the pages, in the history entry's details, in the exports and over the API."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test import Client
from django.urls import reverse

from escrow import actions
from escrow.contract.errors import InvalidInput
from escrow.models import HistoryAction, HistoryEntry, ShareMovement, StoredDocument, TransferEvidence
from escrow.queries.clock import contract_today
from escrow.queries.exports import export_csv
from tests.conftest import PASSWORD, make_pdf, open_and_file, sign_instruction, tranche
from tests.escrow.api.helpers import client_for as api_client
from tests.escrow.call_backs import confirm_call_back

pytestmark = pytest.mark.django_db

ACCOUNT = "DTC participant 0352 (J.P. Morgan Securities LLC)\nAccount 88-120-4471 for Wenzhou Kaixin Investment"
AGENT = "Continental Stock Transfer & Trust Company"


@pytest.fixture
def prepared(deposited, people):
    """Year 1 on target, signed, prepared by officer 1 and confirmed on the call-back: officer 2 may approve."""
    open_and_file(deposited, people, 1, "665000000")
    t, instruction = sign_instruction(deposited, people, 1)
    actions.prepare_release(people["agent1"], t.pk, expected_sha256=instruction.document.sha256, password=PASSWORD)
    confirm_call_back(deposited, people, t)
    return tranche(deposited, 1), instruction.document.sha256


def approve(people, t, digest, **evidence):
    facts = {
        "transfer_date": contract_today(),
        "transfer_agent": AGENT,
        "recipient_account": ACCOUNT,
        "confirmation": make_pdf("Transfer confirmation TA-2027-001"),
        "confirmation_name": "ta-confirmation.pdf",
        **evidence,
    }
    return actions.approve_release(
        people["agent2"], t.pk, expected_sha256=digest, transfer_reference="TA-2027-001", password=PASSWORD, **facts
    )


def logged_in(people, username):
    client = Client()
    client.force_login(people[username])
    return client


def page(people, username, name, *args):
    return logged_in(people, username).get(reverse(name, args=args)).content.decode()


def test_the_approval_records_the_transfer_agents_facts(deposited, people, prepared):
    """EA 3.2: reference, date, agent, account and confirmation are stored with the release movement."""
    t, digest = prepared
    approve(people, t, digest)
    movement = ShareMovement.objects.get(tranche=t, kind=ShareMovement.Kind.RELEASE)
    evidence = TransferEvidence.objects.get(movement=movement)
    assert (evidence.transfer_date, evidence.transfer_agent, evidence.recipient_account) == (
        contract_today(),
        AGENT,
        ACCOUNT,
    )
    assert movement.reference == "TA-2027-001" and evidence.tranche == t and evidence.recorded_by == people["agent2"]
    confirmation = StoredDocument.objects.get(tranche=t, kind=StoredDocument.Kind.TRANSFER_CONFIRMATION)
    assert confirmation.original_name == "ta-confirmation.pdf"


def test_the_history_entry_carries_the_transfer_and_the_call_back(deposited, people, prepared):
    """The released entry alone proves the transfer (structured details), next to the call-back it relied on."""
    t, digest = prepared
    approve(people, t, digest)
    details = HistoryEntry.objects.get(deal=deposited, action=HistoryAction.RELEASED).details
    transfer = details["transfer"]
    confirmation = StoredDocument.objects.get(tranche=t, kind=StoredDocument.Kind.TRANSFER_CONFIRMATION)
    assert transfer["reference"] == "TA-2027-001"
    assert transfer["date"] == contract_today().isoformat()
    assert transfer["transfer_agent"] == AGENT and transfer["recipient_account"] == ACCOUNT
    assert transfer["confirmation"]["sha256"] == confirmation.sha256
    assert details["call_back"]["outcome"] == "confirmed"


@pytest.mark.parametrize(
    ("evidence", "words"),
    [
        ({"transfer_date": "future"}, "is after today"),
        ({"transfer_date": "before"}, "before the day the joint instruction took effect"),
        ({"transfer_date": "2027-02-30"}, "YYYY-MM-DD"),
        ({"transfer_agent": "  "}, "Name the transfer agent"),
        ({"recipient_account": ""}, "recipient's account at the transfer agent"),
        ({"confirmation": b"GIF89a not a pdf"}, "not a PDF"),
    ],
)
def test_wrong_facts_are_refused_with_what_to_do_and_change_nothing(deposited, people, prepared, evidence, words):
    t, digest = prepared
    today = contract_today()
    moves = {"future": today + timedelta(days=1), "before": today - timedelta(days=1)}
    evidence = {k: moves.get(v, v) if isinstance(v, str) else v for k, v in evidence.items()}
    with pytest.raises(InvalidInput, match=words):
        approve(people, t, digest, **evidence)
    assert tranche(deposited, 1).state == "release_prepared"
    assert (
        not ShareMovement.objects.filter(tranche=t).exists() and not TransferEvidence.objects.filter(tranche=t).exists()
    )
    assert not StoredDocument.objects.filter(kind=StoredDocument.Kind.TRANSFER_CONFIRMATION).exists()


def test_the_seller_sees_the_evidence_on_the_tranche_page(deposited, people, prepared):
    t, digest = prepared
    approve(people, t, digest)
    html = page(people, "seller", "escrow:tranche", deposited.slug, 1)
    assert 'data-testid="transfer-evidence"' in html
    for fact in ("TA-2027-001", "Continental Stock Transfer &amp; Trust Company", "Account 88-120-4471"):
        assert fact in html
    assert 'data-testid="transfer-confirmation-link"' in html and "transfer-confirmation-missing" not in html


def test_a_confirmation_to_come_is_shown_as_missing(deposited, people, prepared):
    """The confirmation is optional at approval (escrow.actions.transfer_evidence says why), never hidden."""
    t, digest = prepared
    approve(people, t, digest, confirmation=None)
    html = page(people, "seller", "escrow:tranche", deposited.slug, 1)
    assert 'data-testid="transfer-confirmation-missing"' in html
    body = api_client(people["seller"]).get(f"/api/tranches/{t.pk}/").json()
    assert body["transfer"]["missing"] == ["confirmation"] and body["transfer"]["confirmation"] is None


def test_the_approve_page_asks_for_every_fact(deposited, people, prepared):
    t, digest = prepared
    url = reverse("escrow:approve_release", args=[deposited.slug, 1])
    officer2 = logged_in(people, "agent2")
    base = {"confirm": "on", "password": PASSWORD, "expected_sha256": digest, "transfer_reference": "TA-9"}
    missing = officer2.post(url, base)
    html = missing.content.decode()
    assert missing.status_code == 400 and "Enter the date the transfer agent registered the shares" in html
    no_agent = officer2.post(url, {**base, "transfer_date": contract_today().isoformat()})
    assert no_agent.status_code == 400 and "Name the transfer agent" in no_agent.content.decode()
    not_pdf = SimpleUploadedFile("confirmation.pdf", b"plain text", content_type="application/pdf")
    facts = {"transfer_date": contract_today().isoformat(), "transfer_agent": AGENT, "recipient_account": ACCOUNT}
    refused = officer2.post(url, {**base, **facts, "confirmation": not_pdf})
    assert refused.status_code == 400 and "not a PDF" in refused.content.decode()
    assert tranche(deposited, 1).state == "release_prepared"
    upload = SimpleUploadedFile("ta.pdf", make_pdf("TA confirmation"), content_type="application/pdf")
    assert officer2.post(url, {**base, **facts, "confirmation": upload}).status_code == 302
    assert TransferEvidence.objects.get(tranche=t).transfer_agent == AGENT


def test_the_api_takes_and_shows_the_evidence(deposited, people, prepared):
    t, digest = prepared
    body = {
        "expected_sha256": digest,
        "password": PASSWORD,
        "transfer_reference": "TA-API-1",
        "transfer_date": contract_today().isoformat(),
        "transfer_agent": AGENT,
        "recipient_account": ACCOUNT,
        "confirmation": SimpleUploadedFile("ta.pdf", make_pdf("TA API"), content_type="application/pdf"),
    }
    response = api_client(people["agent2"]).post(f"/api/tranches/{t.pk}/approve-release/", body, format="multipart")
    assert response.status_code == 200, response.json()
    shown = api_client(people["seller"]).get(f"/api/tranches/{t.pk}/").json()["transfer"]
    assert shown["reference"] == "TA-API-1" and shown["transfer_date"] == contract_today().isoformat()
    assert shown["transfer_agent"] == AGENT and shown["recipient_account"] == ACCOUNT and shown["missing"] == []
    assert shown["confirmation"]["original_name"] == "ta.pdf" and shown["confirmation"]["download"]


def test_the_api_refuses_a_confirmation_that_is_not_a_pdf(deposited, people, prepared):
    t, digest = prepared
    body = {
        "expected_sha256": digest,
        "password": PASSWORD,
        "transfer_reference": "TA-API-2",
        "confirmation": SimpleUploadedFile("ta.pdf", b"<html>not a pdf</html>", content_type="application/pdf"),
    }
    response = api_client(people["agent2"]).post(f"/api/tranches/{t.pk}/approve-release/", body, format="multipart")
    assert response.status_code == 400 and "not a PDF" in response.json()["detail"]
    assert tranche(deposited, 1).state == "release_prepared"


def test_the_deposit_records_the_issue(kaixin, people):
    """EA 1.1: the date of issue, the reference, the agent, the escrow account and the confirmation."""
    actions.confirm_deposit(
        people["agent1"],
        kaixin,
        reference="DRS-0001",
        issue_date=kaixin.effective_date,
        transfer_agent=AGENT,
        recipient_account="Account 77-001 in the name of the escrow agent",
        confirmation=make_pdf("Issue confirmation"),
        confirmation_name="issue.pdf",
    )
    evidence = TransferEvidence.objects.get(deal=kaixin, tranche__isnull=True)
    assert evidence.transfer_date == kaixin.effective_date and evidence.movement.reference == "DRS-0001"
    details = HistoryEntry.objects.get(deal=kaixin, action=HistoryAction.DEPOSIT_CONFIRMED).details["transfer"]
    assert details["date"] == kaixin.effective_date.isoformat() and details["transfer_agent"] == AGENT
    html = page(people, "seller", "escrow:deal", kaixin.slug)
    assert "Account 77-001 in the name of the escrow agent" in html and "transfer-confirmation-link" in html
    deposit = api_client(people["seller"]).get(f"/api/deals/{kaixin.slug}/").json()["deposit"]
    assert deposit["reference"] == "DRS-0001" and deposit["confirmation"]["original_name"] == "issue.pdf"
    assert "Deposit (EA 1.1): 15,000,000 shares; reference DRS-0001" in export_csv(kaixin)[0].decode("utf-8-sig")


def test_a_date_of_issue_before_the_agreement_is_refused(kaixin, people):
    with pytest.raises(InvalidInput, match="before the agreement's effective date"):
        actions.confirm_deposit(
            people["agent1"], kaixin, reference="DRS-1", issue_date=kaixin.effective_date - timedelta(days=1)
        )
    assert not ShareMovement.objects.filter(deal=kaixin).exists()


def test_the_deposit_page_asks_for_the_facts(kaixin, people):
    url = reverse("escrow:confirm_deposit", args=[kaixin.slug])
    agent = logged_in(people, "agent1")
    refused = agent.post(url, {"reference": "DRS-1", "confirm": "on"})
    assert refused.status_code == 400 and "Enter the date the transfer agent registered" in refused.content.decode()
    no_account = {"reference": "DRS-1", "confirm": "on", "issue_date": kaixin.effective_date.isoformat()}
    no_account["transfer_agent"] = AGENT
    refused = agent.post(url, no_account)
    assert refused.status_code == 400 and "Enter the recipient&#x27;s account" in refused.content.decode()
    assert not ShareMovement.objects.filter(deal=kaixin).exists()
    facts = {
        "reference": "DRS-1",
        "confirm": "on",
        "issue_date": kaixin.effective_date.isoformat(),
        "transfer_agent": AGENT,
        "recipient_account": "Escrow account 77-001",
    }
    assert agent.post(url, facts).status_code == 302
    html = page(people, "seller", "escrow:deal", kaixin.slug)
    assert "Escrow account 77-001" in html and 'data-testid="transfer-confirmation-missing"' in html


def test_releases_appear_in_the_history_export(deposited, people, prepared):
    t, digest = prepared
    approve(people, t, digest)
    text = export_csv(deposited)[0].decode("utf-8-sig")
    assert f"Release (EA 3.2): 3,000,000 shares; reference TA-2027-001; date {contract_today().isoformat()}" in text
    assert AGENT in text and "Account 88-120-4471" in text


def test_the_evidence_is_kept_as_it_was(deposited, people, prepared, require_postgres):
    """Like the ledger beside it, the evidence is append-only (PostgreSQL triggers)."""
    t, digest = prepared
    approve(people, t, digest)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        TransferEvidence.objects.filter(tranche=t).update(transfer_agent="Someone else")
    assert connection.vendor == "postgresql"
