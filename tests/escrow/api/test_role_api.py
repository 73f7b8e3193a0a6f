"""Issue 12 item 8 over the API: preview the report's quantity, file with the previewed quantity, correct a
report before any signature, decline to sign with a reason."""

from datetime import timedelta

import pytest

from escrow import actions
from escrow.models import AuditReport, HistoryEntry, StoredDocument
from tests.conftest import PASSWORD, open_and_file, tranche

from .helpers import client_for, pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def year_one(deposited):
    t = tranche(deposited, 1)
    actions.open_year(t.pk, today=t.period_end + timedelta(days=1))
    return t


def test_preview_then_file_with_the_previewed_quantity(people, year_one):
    auditor = client_for(people["auditor"])
    before = (HistoryEntry.objects.filter(deal__isnull=False).count(), StoredDocument.objects.count())
    preview = auditor.post(f"/api/tranches/{year_one.pk}/report/preview/", {"audited_revenue": "598,500,000"})
    assert preview.status_code == 200, preview.content
    body = preview.json()
    assert body["quantity"] == 2_700_000 and body["deducted"] == 300_000 and body["audited_revenue"] == "598500000.00"
    assert body["calculation"]["explanations"] and not body["requires_settlement"]
    assert (HistoryEntry.objects.filter(deal__isnull=False).count(), StoredDocument.objects.count()) == before
    stale = {"audited_revenue": "598500000", "pdf": pdf_upload(), "expected_quantity": 3_000_000}
    refused = auditor.post(f"/api/tranches/{year_one.pk}/report/", stale, format="multipart")
    assert refused.status_code == 409 and "you previewed" in refused.json()["detail"]
    assert not AuditReport.objects.exists()
    good = {"audited_revenue": "598500000", "pdf": pdf_upload(), "expected_quantity": 2_700_000}
    filed = auditor.post(f"/api/tranches/{year_one.pk}/report/", good, format="multipart")
    assert filed.status_code == 200 and filed.json()["release_quantity"] == 2_700_000
    assert filed.json()["reports"][0]["superseded_by"] is None


def test_the_preview_is_refused_to_others(people, year_one):
    response = client_for(people["issuer"]).post(
        f"/api/tranches/{year_one.pk}/report/preview/", {"audited_revenue": "1"}
    )
    assert response.status_code == 403 and response.json()["clause"] == "SPA 4.2, EA 3.1(a)"


def test_correct_the_report_then_refused_once_signed(deposited, people):
    t = open_and_file(deposited, people, 1, "598500000")
    auditor = client_for(people["auditor"])
    preview = auditor.post(f"/api/tranches/{t.pk}/report/correct/preview/", {"audited_revenue": "665000000"})
    assert preview.status_code == 200 and preview.json()["quantity"] == 3_000_000
    no_reason = auditor.post(
        f"/api/tranches/{t.pk}/report/correct/",
        {"audited_revenue": "665000000", "pdf": pdf_upload()},
        format="multipart",
    )
    assert no_reason.status_code == 400
    body = {
        "audited_revenue": "665000000",
        "pdf": pdf_upload(),
        "reason": "Draft figure",
        "expected_quantity": 3_000_000,
    }
    corrected = auditor.post(f"/api/tranches/{t.pk}/report/correct/", body, format="multipart")
    assert corrected.status_code == 200, corrected.content
    reports = corrected.json()["reports"]
    assert [r["correction_reason"] for r in reports] == ["", "Draft figure"] and reports[0]["superseded_by"]
    instruction = tranche(deposited, 1).instruments.get(status="open")
    actions.sign_instrument(
        people["issuer"], instruction.pk, expected_sha256=instruction.document.sha256, password=PASSWORD
    )
    body["pdf"] = pdf_upload()
    refused = auditor.post(f"/api/tranches/{t.pk}/report/correct/", body, format="multipart")
    assert refused.status_code == 409 and "EA 3.3" in refused.json()["detail"]


def test_decline_over_the_api(deposited, people):
    t = open_and_file(deposited, people, 1, "598500000")
    instruction = t.instruments.get(status="open")
    response = client_for(people["issuer"]).post(f"/api/instruments/{instruction.pk}/decline/", {"reason": "Too low"})
    assert (
        response.status_code == 201 and response.json()["role"] == "issuer" and response.json()["reason"] == "Too low"
    )
    shown = client_for(people["seller"]).get(f"/api/instruments/{instruction.pk}/").json()
    assert shown["status"] == "open" and [d["reason"] for d in shown["declines"]] == ["Too low"]
    seller = client_for(people["seller"]).post(f"/api/instruments/{instruction.pk}/decline/", {"reason": "No"})
    assert seller.status_code == 403
    again = client_for(people["issuer"]).post(f"/api/instruments/{instruction.pk}/decline/", {"reason": "Again"})
    assert again.status_code == 409
