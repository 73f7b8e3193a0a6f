"""Form pages: each runs one action; a DomainError is shown and nothing changes."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from escrow.models import HistoryEntry, Hold, Instrument, ShareMovement
from tests.conftest import make_pdf, open_and_file, post_report, tranche

pytestmark = pytest.mark.django_db


def year_url(name, deal, year=1):
    return reverse(f"escrow:{name}", args=[deal.slug, year])


def pdf_upload(name="report.pdf", data=None):
    return SimpleUploadedFile(name, data if data is not None else make_pdf(), content_type="application/pdf")


def test_agent_confirms_the_deposit(kaixin, client_for):
    url = reverse("escrow:confirm_deposit", args=[kaixin.slug])
    facts = {"issue_date": kaixin.effective_date.isoformat(), "transfer_agent": "CST", "recipient_account": "A-1"}
    response = client_for("agent1").post(url, {"reference": "DRS-1", "confirm": "on", **facts})  # issue 11 item 4
    assert response.status_code == 302
    assert ShareMovement.objects.filter(deal=kaixin).balances()["in_escrow"] == 15_000_000
    again = client_for("agent2").post(url, {"reference": "DRS-2", "confirm": "on"})
    assert again.status_code == 409 and "Cannot confirm the deposit" in again.content.decode()
    assert ShareMovement.objects.filter(deal=kaixin).count() == 1


def test_only_the_agent_may_open_the_deposit_page(kaixin, client_for):
    assert client_for("issuer").get(reverse("escrow:confirm_deposit", args=[kaixin.slug])).status_code == 403


@pytest.fixture
def awaiting_report(deposited, people):
    from datetime import timedelta

    from escrow import actions

    t = tranche(deposited, 1)
    actions.open_year(t.pk, today=t.period_end + timedelta(days=1))
    return deposited


def test_auditor_files_the_report_with_a_pdf(awaiting_report, client_for):
    response = post_report(
        client_for("auditor"), awaiting_report, 1, {"audited_revenue": "598,500,000.00", "report": pdf_upload()}
    )
    assert response.status_code == 302
    t = tranche(awaiting_report, 1)
    assert t.state == "awaiting_instruction" and t.release_quantity == 2_700_000


@pytest.mark.parametrize(
    "revenue, upload, message, where",
    [
        ("lots", "pdf", "is not an amount", "field-error"),  # the figure: next to its field
        ("-5", "pdf", "cannot be negative", "field-error"),
        ("665000000", "text", "not a PDF", "form-error"),  # the action's refusal of the document
    ],
)
def test_report_errors_are_shown_and_change_nothing(awaiting_report, client_for, revenue, upload, message, where):
    before = HistoryEntry.objects.filter(deal__isnull=False).count()
    file = pdf_upload() if upload == "pdf" else pdf_upload("report.pdf", b"hello, not a pdf")
    response = post_report(client_for("auditor"), awaiting_report, 1, {"audited_revenue": revenue, "report": file})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert f'data-testid="{where}"' in response.content.decode()
    assert f'value="{revenue}"' in response.content.decode()  # the form keeps what was typed
    assert tranche(awaiting_report, 1).state == "awaiting_report"
    assert HistoryEntry.objects.filter(deal__isnull=False).count() == before


def test_dispute_then_settlement_then_signatures(deposited, people, client_for):
    open_and_file(deposited, people, 1, "598500000")
    response = client_for("seller").post(year_url("raise_dispute", deposited), {"reason": "Revenue understated"})
    assert response.status_code == 302 and tranche(deposited, 1).state == "disputed"
    response = client_for("seller").post(
        year_url("propose_settlement", deposited), {"quantity": "2850000", "reason": "Split the difference"}
    )
    assert response.status_code == 302
    settlement = Instrument.objects.get(kind="settlement")
    html = client_for("issuer").get(reverse("escrow:tranche", args=[deposited.slug, 1])).content.decode()
    assert reverse("escrow:sign", args=[settlement.pk]) in html


def test_dispute_needs_a_reason(deposited, people, client_for):
    open_and_file(deposited, people, 1, "665000000")
    response = client_for("seller").post(year_url("raise_dispute", deposited), {"reason": ""})
    assert response.status_code == 400
    assert tranche(deposited, 1).state == "awaiting_instruction" and not Hold.objects.exists()


def test_issuer_suspends_and_lifts(deposited, people, client_for):
    open_and_file(deposited, people, 1, "665000000")
    issuer = client_for("issuer")
    assert issuer.post(year_url("suspend_release", deposited), {"reason": "Non-compete breach"}).status_code == 302
    assert tranche(deposited, 1).state == "suspended"
    assert client_for("seller").get(year_url("lift_suspension", deposited)).status_code == 403
    assert issuer.post(year_url("lift_suspension", deposited), {"reason": "Cured"}).status_code == 302
    assert tranche(deposited, 1).state == "awaiting_instruction"


def test_wrong_state_is_explained(deposited, people, client_for):
    response = client_for("issuer").post(year_url("suspend_release", deposited), {"reason": "Too early"})
    assert response.status_code == 409  # issue 12 item 3: stale, explained
    assert "Cannot suspend the release" in response.content.decode()
    assert tranche(deposited, 1).state == "scheduled"


def test_award_resolves_a_dispute(deposited, people, client_for):
    open_and_file(deposited, people, 1, "598500000")
    client_for("seller").post(year_url("raise_dispute", deposited), {"reason": "Disagree"})
    response = client_for("issuer").post(
        year_url("file_award", deposited),
        {"quantity": "2800000", "reference": "CIETAC-2027-1", "award": pdf_upload("award.pdf")},
    )
    assert response.status_code == 302
    t = tranche(deposited, 1)
    assert t.state == "awaiting_instruction" and t.release_quantity == 2_800_000


def test_adjustment_is_issued_for_all_parties(deposited, people, client_for):
    open_and_file(deposited, people, 1, "665000000")
    response = client_for("purchaser").post(
        year_url("propose_adjustment", deposited), {"quantity": "2000000", "reason": "Force majeure"}
    )
    assert response.status_code == 302
    adjustment = Instrument.objects.get(kind="adjustment")
    assert set(adjustment.required_roles) == {"issuer", "purchaser", "seller", "escrow_agent"}


@pytest.mark.parametrize("typed", ["598,5", "1e9", "６６５０００", "665.000"])
def test_a_what_if_revenue_takes_the_same_form_as_a_report(kaixin, client_for, typed):
    """The What-if page reads revenues with the report's parser: a bad one is shown next to its field."""
    response = client_for("issuer").get(
        reverse("escrow:whatif", args=[kaixin.slug]), {"revenue_1": typed, "revenue_2": "865,000,000"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'class="field-error"' in html
    assert "e.g. 598" in html or "e.g. 665,000 or 665000.00" in html  # the accepted form, shown back


def test_a_history_filter_date_is_yyyy_mm_dd(kaixin, client_for):
    html = client_for("issuer").get(reverse("escrow:history", args=[kaixin.slug]), {"date_from": "01/02/2027"})
    assert html.status_code == 200 and "is not a date in the form YYYY-MM-DD" in html.content.decode()
