"""Bad input over the API gets a clear error ({"detail", "clause"}) and changes nothing: wrong state
409, wrong role 403, not a PDF 400, negative or absurd revenue 400, a replayed signature 400/409,
a wrong SHA-256 400, a wrong password 403."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from escrow import actions
from escrow.models import HistoryEntry, Signature, StoredDocument, Tranche
from tests.conftest import PASSWORD, open_and_file, sign_instruction, tranche

from .helpers import client_for, pdf_upload

pytestmark = pytest.mark.django_db


def snapshot(deal):
    """Everything an action could write: if this is equal before and after, nothing changed."""
    return {
        "states": list(Tranche.objects.filter(deal=deal).order_by("year").values_list("state", flat=True)),
        "history": HistoryEntry.objects.filter(deal=deal).count(),
        "documents": StoredDocument.objects.filter(deal=deal).count(),
        "signatures": Signature.objects.filter(instrument__tranche__deal=deal).count(),
        "movements": deal.movements.count(),
    }


@pytest.fixture
def awaiting_report(deposited):
    t = tranche(deposited, 1)
    actions.open_year(t.pk, today=t.period_end + timedelta(days=1))
    return tranche(deposited, 1)


@pytest.fixture
def instruction(deposited, people):
    t = open_and_file(deposited, people, 1, "665000000")
    return t.instruments.select_related("document").get(kind="joint_instruction", status="open")


def file(people, t, who="auditor", **data):
    body = {"audited_revenue": "665000000", "pdf": pdf_upload(), **data}
    return client_for(people[who]).post(f"/api/tranches/{t.pk}/report/", body, format="multipart")


def sign(people, instrument, who, sha=None, password=PASSWORD):
    body = {"expected_sha256": sha or instrument.document.sha256, "password": password}
    return client_for(people[who]).post(f"/api/instruments/{instrument.pk}/sign/", body, format="json")


def assert_error(response, status, *words):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["detail"] and "clause" in body
    for word in words:
        assert word.lower() in body["detail"].lower(), body["detail"]
    return body


def test_wrong_state_is_409(deposited, people, awaiting_report):
    before = snapshot(deposited)
    response = client_for(people["agent1"]).post(
        f"/api/tranches/{awaiting_report.pk}/prepare-release/",
        {"expected_sha256": "a" * 64, "password": PASSWORD},
        format="json",
    )
    assert_error(response, 409, "cannot prepare the release", "awaiting the audited report")
    assert snapshot(deposited) == before


def test_wrong_role_is_403_with_the_clause(deposited, people, awaiting_report):
    before = snapshot(deposited)
    body = assert_error(file(people, awaiting_report, who="seller"), 403, "may not file report")
    assert body["clause"] == "SPA 4.2, EA 3.1(a)"
    assert snapshot(deposited) == before


@pytest.mark.parametrize(
    "upload, words",
    [
        (SimpleUploadedFile("report.pdf", b"Revenue: 665,000,000", content_type="application/pdf"), ["not a PDF"]),
        (SimpleUploadedFile("report.pdf", b"%PDF-1.7\nbroken", content_type="application/pdf"), ["cannot be read"]),
    ],
)
def test_a_file_that_is_not_a_pdf_is_400(deposited, people, awaiting_report, upload, words):
    before = snapshot(deposited)
    assert_error(file(people, awaiting_report, pdf=upload), 400, *words)
    assert snapshot(deposited) == before


@pytest.mark.parametrize(
    "revenue, words",
    [
        ("-1", ["cannot be negative"]),
        ("665000000000000", ["more than 100 times the target"]),
        ("six hundred million", ["not an amount"]),
        ("665000000.001", ["two decimal places"]),
        ("", ["audited_revenue"]),
    ],
)
def test_negative_absurd_or_garbled_revenue_is_400(deposited, people, awaiting_report, revenue, words):
    before = snapshot(deposited)
    assert_error(file(people, awaiting_report, audited_revenue=revenue), 400, *words)
    assert snapshot(deposited) == before


def test_missing_pdf_names_the_field(deposited, people, awaiting_report):
    response = client_for(people["auditor"]).post(
        f"/api/tranches/{awaiting_report.pk}/report/", {"audited_revenue": "665000000"}, format="multipart"
    )
    body = assert_error(response, 400, "pdf")
    assert "pdf" in body["errors"]


def test_a_replayed_signature_is_refused(deposited, people, instruction):
    """One person signs once (400); once the instruction is effective, nobody signs it again (409)."""
    assert sign(people, instruction, "issuer").status_code == 200
    before = snapshot(deposited)
    assert_error(sign(people, instruction, "issuer"), 400, "already signed")
    assert snapshot(deposited) == before
    assert sign(people, instruction, "purchaser").status_code == 200
    before = snapshot(deposited)
    assert_error(sign(people, instruction, "purchaser"), 409, "signed by every required party")
    assert snapshot(deposited) == before


def test_a_wrong_sha256_is_400(deposited, people, instruction):
    before = snapshot(deposited)
    assert_error(sign(people, instruction, "issuer", sha="0" * 64), 400, "not the current version")
    body = assert_error(sign(people, instruction, "issuer", sha="not-a-hash"), 400, "64 hex digits")
    assert "expected_sha256" in body["errors"]
    assert snapshot(deposited) == before


def test_a_wrong_password_is_403_and_signs_nothing(deposited, people, instruction):
    before = snapshot(deposited)
    assert_error(sign(people, instruction, "issuer", password="guess"), 403, "password was not correct")
    assert_error(sign(people, instruction, "issuer", password=""), 403, "password")
    assert snapshot(deposited) == before


def test_the_preparer_cannot_approve(deposited, people):
    """EA 3.2 four eyes over the API: 403, and no share moves."""
    open_and_file(deposited, people, 1, "665000000")
    t, instruction = sign_instruction(deposited, people, 1)
    digest = instruction.document.sha256
    actions.prepare_release(people["agent1"], t.pk, expected_sha256=digest, password=PASSWORD)
    before = snapshot(deposited)
    response = client_for(people["agent1"]).post(
        f"/api/tranches/{t.pk}/approve-release/",
        {"expected_sha256": digest, "password": PASSWORD, "transfer_reference": "TA-1"},
        format="json",
    )
    assert_error(response, 403, "four eyes")
    assert snapshot(deposited) == before


@pytest.mark.parametrize(
    "body, words",
    [
        ({"reason": ""}, ["reason"]),
        ({"reason": "   "}, ["reason"]),
        ({}, ["reason"]),
    ],
)
def test_a_hold_without_a_reason_is_400(deposited, people, instruction, body, words):
    before = snapshot(deposited)
    response = client_for(people["seller"]).post(
        f"/api/tranches/{instruction.tranche_id}/dispute/", body, format="json"
    )
    assert_error(response, 400, *words)
    assert snapshot(deposited) == before


@pytest.mark.parametrize("quantity", [-1, "many", None])
def test_a_settlement_quantity_must_be_a_whole_non_negative_number(deposited, people, instruction, quantity):
    actions.raise_dispute(people["seller"], instruction.tranche_id, reason="Disputed")
    before = snapshot(deposited)
    response = client_for(people["seller"]).post(
        f"/api/tranches/{instruction.tranche_id}/settlement/", {"quantity": quantity, "reason": "Agreed"}, format="json"
    )
    assert_error(response, 400, "quantity")
    assert snapshot(deposited) == before


def test_unknown_ids_are_404_like_other_deals(people, kaixin):
    client = client_for(people["issuer"])
    for url in (
        "/api/deals/no-such-deal/",
        "/api/deals/999999/",
        "/api/tranches/999999/",
        "/api/instruments/999999/",
        "/api/documents/999999/",
        "/api/documents/999999/download/",
        "/api/deals/no-such-deal/history/",
    ):
        assert_error(client.get(url), 404, "no such")
