"""Numbers nobody can mistype (issue 9 item 8): every bad amount, quantity and date below is refused by
the action, by the page (400, the message next to its field, the form keeping what was typed) and by
the API (400 {"detail", "clause"}), with the same words showing the accepted form, and changes nothing."""

import re
from datetime import date, datetime
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from escrow import actions
from escrow.contract.errors import InvalidInput
from escrow.models import (
    AuditReport,
    HistoryEntry,
    Hold,
    Instrument,
    Notification,
    OutboxMessage,
    PenaltyDay,
    ShareMovement,
    Signature,
    StoredDocument,
    Tranche,
)
from tests.conftest import SHANGHAI, make_pdf, open_and_file, post_report, tranche
from tests.escrow.api.helpers import client_for as api_client

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 2, 1, 10, tzinfo=SHANGHAI)  # the contract day of these tests: year 1 has ended

AMOUNT = "is not an amount"
DECIMALS = "more than two decimal places"
SCRIPT = "digits other than 0-9"
WHOLE = "is not a whole number of shares"
DATE = "is not a date in the form YYYY-MM-DD"

# An answer shows the accepted form: an example, the date format, the range, or (the absurd-multiple
# guard of a well-formed figure) asks to check it.
SHOWS_THE_FORM = ("e.g.", "YYYY-MM-DD", "from 0 to", "check the figure")
# (what was typed, the words of the answer): every answer also shows the accepted form.
BAD_REVENUE = [
    ("598,5", AMOUNT),
    ("1,2,3", AMOUNT),
    ("665.000", DECIMALS),
    ("665000000.001", DECIMALS),
    ("1e9", AMOUNT),
    ("1_000_000", AMOUNT),
    ("9e99", AMOUNT),
    ("-5", "cannot be negative"),
    ("NaN", AMOUNT),
    ("Infinity", AMOUNT),
    ("６６５０００", SCRIPT),
    ("٦٦٥", SCRIPT),
    ("६६५", SCRIPT),
    ("RMB 665000000", AMOUNT),
    ("665000000 RMB", AMOUNT),
    ("665,000,000.00.", AMOUNT),
    ("1" * 19, "more than 18 digits"),
    ("", "Enter the amount"),
    ("   ", "Enter the amount"),
    ("665000000000000", "more than 100 times the target"),  # well formed: the action's absurd-multiple guard
]
BAD_QUANTITY = [
    ("2,7", WHOLE),
    ("1,2,3", WHOLE),
    ("2850000.5", WHOLE),
    ("2850000.0", WHOLE),
    ("2.85e6", WHOLE),
    ("1_000", WHOLE),
    ("-1", "cannot be negative"),
    ("NaN", WHOLE),
    ("２８５００００", SCRIPT),
    ("٣", SCRIPT),
    ("३", SCRIPT),
    ("2850000 shares", WHOLE),
    ("", "Enter the number of shares"),
    ("15,000,001", "exceed the 15,000,000 the deal can still release"),  # well formed: more than the deal holds
]
BAD_DATE = [
    ("2027/03/01", DATE),
    ("01/03/2027", DATE),
    ("03/01/2027", DATE),
    ("20270301", DATE),
    ("2027-W09-1", DATE),
    ("2027-3-1", DATE),
    ("2027-02-30", DATE),
    ("２０２７-03-01", DATE),
    ("2027-03-01T00:00", DATE),
    ("1 March 2027", DATE),
    ("2025-12-01", "is before the agreement's effective date (2025-12-02)"),
    ("2031-01-30", "is after the deal's last release date (2031-01-29"),
    ("2027-01-15", "is in the past"),  # within the deal's life, but before today's contract date
]


@pytest.fixture(autouse=True)
def _contract_day():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def client_for(people):
    """A signed-in browser session of one of the personas."""

    def make(username):
        client = Client()
        client.force_login(people[username])
        return client

    return make


def snapshot(deal):
    """Everything an action could write: equal before and after means nothing changed."""
    return {
        "tranches": list(
            Tranche.objects.filter(deal=deal)
            .order_by("year")
            .values_list("state", "release_quantity", "release_due_date", "audited_revenue")
        ),
        "history": HistoryEntry.objects.filter(deal=deal).count(),  # sign-ins go to the accounts chain
        "documents": StoredDocument.objects.filter(deal=deal).count(),
        "instruments": list(Instrument.objects.filter(tranche__deal=deal).values_list("pk", "status")),
        "signatures": Signature.objects.count(),
        "reports": AuditReport.objects.count(),
        "holds": list(Hold.objects.values_list("pk", "ended_at")),
        "movements": ShareMovement.objects.count(),
        "notifications": Notification.objects.count(),
        "outbox": OutboxMessage.objects.count(),
        "penalty_days": PenaltyDay.objects.count(),
    }


def upload(name="document.pdf"):
    return SimpleUploadedFile(name, make_pdf(), content_type="application/pdf")


def page(client_for, who, name, deal, data):
    client = client_for(who)
    return client.post(reverse(f"escrow:{name}", args=[deal.slug, 1]), data)


def error_next_to(html, field):
    """The error messages shown in the field's own block of the form (templates/includes/form.html)."""
    for block in re.findall(r'<div class="field has-error[^"]*">(.*?)</div>', html, re.S):
        if f'name="{field}"' in block:
            return " ".join(re.findall(r'data-testid="field-error">(.*?)</p>', block, re.S))
    return ""


def refused_everywhere(deal, typed, words, *, field, action, page_post, api_post):
    """The same refusal from the action, the page and the API; nothing changes at any of them."""
    before = snapshot(deal)
    with pytest.raises(InvalidInput) as refused:
        action()
    assert words in refused.value.message, refused.value.message
    assert any(form in refused.value.message for form in SHOWS_THE_FORM), refused.value.message
    assert snapshot(deal) == before

    response = page_post()
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert words in error_next_to(html, field), error_next_to(html, field) or html
    if typed.strip():
        assert f'value="{typed}"' in html  # the form keeps what was typed
    assert snapshot(deal) == before

    response = api_post()
    assert response.status_code == 400, response.content
    body = response.json()
    assert words in body["detail"] and "clause" in body, body
    assert snapshot(deal) == before
    return refused.value.message, body["detail"]


@pytest.fixture
def awaiting_report(deposited):
    t = tranche(deposited, 1)
    actions.open_year(t.pk, today=NOW.date())
    return tranche(deposited, 1)


@pytest.mark.parametrize("typed, words", BAD_REVENUE)
def test_bad_revenue_is_refused_everywhere(deposited, people, client_for, awaiting_report, typed, words):
    t = awaiting_report
    refused_everywhere(
        deposited,
        typed,
        words,
        field="audited_revenue",
        action=lambda: actions.file_report(
            people["auditor"], t.pk, audited_revenue=typed, pdf=make_pdf(), original_name="report.pdf"
        ),
        page_post=lambda: post_report(
            client_for("auditor"), deposited, 1, {"audited_revenue": typed, "report": upload()}
        ),
        api_post=lambda: api_client(people["auditor"]).post(
            f"/api/tranches/{t.pk}/report/", {"audited_revenue": typed, "pdf": upload()}, format="multipart"
        ),
    )


@pytest.mark.parametrize("typed", ["598,500,000.50", "598500000.5", " 598500000.50 "])
def test_good_revenue_reads_the_same_on_the_page(deposited, client_for, awaiting_report, typed):
    response = post_report(client_for("auditor"), deposited, 1, {"audited_revenue": typed, "report": upload()})
    assert response.status_code == 302
    assert AuditReport.objects.get(tranche=awaiting_report).audited_revenue == Decimal("598500000.50")


def test_good_revenue_reads_the_same_over_the_api(people, awaiting_report):
    response = api_client(people["auditor"]).post(
        f"/api/tranches/{awaiting_report.pk}/report/",
        {"audited_revenue": "598,500,000.50", "pdf": upload()},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    assert AuditReport.objects.get(tranche=awaiting_report).audited_revenue == Decimal("598500000.50")


@pytest.fixture
def disputed(deposited, people):
    t = open_and_file(deposited, people, 1, "598500000", today=NOW.date())
    actions.raise_dispute(people["seller"], t.pk, reason="Revenue understated")
    return tranche(deposited, 1)


@pytest.mark.parametrize("typed, words", BAD_QUANTITY)
def test_a_bad_settlement_quantity_is_refused_when_proposed(deposited, people, client_for, disputed, typed, words):
    t = disputed
    refused_everywhere(
        deposited,
        typed,
        words,
        field="quantity",
        action=lambda: actions.propose_settlement(people["seller"], t.pk, quantity=typed, reason="Agreed"),
        page_post=lambda: page(
            client_for, "seller", "propose_settlement", deposited, {"quantity": typed, "reason": "Agreed"}
        ),
        api_post=lambda: api_client(people["seller"]).post(
            f"/api/tranches/{t.pk}/settlement/", {"quantity": typed, "reason": "Agreed"}, format="json"
        ),
    )


@pytest.mark.parametrize("typed, words", BAD_QUANTITY)
def test_a_bad_award_quantity_is_refused(deposited, people, client_for, disputed, typed, words):
    t = disputed
    refused_everywhere(
        deposited,
        typed,
        words,
        field="quantity",
        action=lambda: actions.file_award(
            people["issuer"], t.pk, quantity=typed, pdf_bytes=make_pdf(), reference="CIETAC-2027-1"
        ),
        page_post=lambda: page(
            client_for,
            "issuer",
            "file_award",
            deposited,
            {"quantity": typed, "reference": "CIETAC-2027-1", "award": upload("award.pdf")},
        ),
        api_post=lambda: api_client(people["issuer"]).post(
            f"/api/tranches/{t.pk}/award/",
            {"quantity": typed, "reference": "CIETAC-2027-1", "pdf": upload("award.pdf")},
            format="multipart",
        ),
    )


@pytest.mark.parametrize(
    "value, words",
    [(2850000.5, WHOLE), (2850000.0, WHOLE), (True, WHOLE), (-1, "cannot be negative"), (15_000_001, "exceed")],
)
def test_a_json_quantity_must_be_a_whole_number(deposited, people, disputed, value, words):
    before = snapshot(deposited)
    response = api_client(people["seller"]).post(
        f"/api/tranches/{disputed.pk}/settlement/", {"quantity": value, "reason": "Agreed"}, format="json"
    )
    assert response.status_code == 400 and words in response.json()["detail"]
    assert snapshot(deposited) == before


def test_a_settlement_for_all_the_deal_holds_is_accepted_and_one_more_share_is_not(deposited, people, disputed):
    """The bound is the shares the deal can still release (in escrow: 15,000,000 after the deposit)."""
    with pytest.raises(InvalidInput, match="15,000,001 shares exceed the 15,000,000"):
        actions.propose_settlement(people["seller"], disputed.pk, quantity="15,000,001", reason="Agreed")
    assert not Instrument.objects.filter(kind="settlement").exists()
    response = api_client(people["seller"]).post(
        f"/api/tranches/{disputed.pk}/settlement/", {"quantity": "15,000,000", "reason": "Agreed"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert Instrument.objects.get(kind="settlement").quantity == 15_000_000


def test_the_bound_is_what_is_left_after_a_release(deposited, people):
    """Shares released or returned are no longer the deal's to release: after year 1's 3,000,000 leave
    escrow, a settlement of year 2 may give at most the 12,000,000 left."""
    from tests.conftest import release

    with time_machine.travel(datetime(2027, 12, 5, 10, tzinfo=SHANGHAI), tick=False):
        open_and_file(deposited, people, 1, "665000000", today=date(2027, 12, 5))
        release(deposited, people, 1)
        year2 = open_and_file(deposited, people, 2, "700000000", today=date(2027, 12, 5))
        actions.raise_dispute(people["seller"], year2.pk, reason="Revenue understated")
        assert ShareMovement.objects.filter(deal=deposited).balances()["in_escrow"] == 12_000_000
        with pytest.raises(InvalidInput, match="12,000,001 shares exceed the 12,000,000"):
            actions.propose_settlement(people["seller"], year2.pk, quantity=12_000_001, reason="Agreed")
        assert not Instrument.objects.filter(kind="settlement").exists()
        actions.propose_settlement(people["seller"], year2.pk, quantity=12_000_000, reason="Agreed")


@pytest.fixture
def pending(deposited, people):
    return open_and_file(deposited, people, 1, "665000000", today=NOW.date())


@pytest.mark.parametrize("typed, words", BAD_DATE)
def test_a_bad_release_date_is_refused(deposited, people, client_for, pending, typed, words):
    t = pending
    body = {"quantity": "2000000", "reason": "Force majeure", "release_due_date": typed}
    refused_everywhere(
        deposited,
        typed,
        words,
        field="release_due_date",
        action=lambda: actions.propose_adjustment(
            people["purchaser"], t.pk, quantity=2_000_000, reason="Force majeure", release_due_date=typed
        ),
        page_post=lambda: page(client_for, "purchaser", "propose_adjustment", deposited, body),
        api_post=lambda: api_client(people["purchaser"]).post(f"/api/tranches/{t.pk}/adjustment/", body, format="json"),
    )


@pytest.mark.parametrize("typed", ["2031-01-29", "2027-02-01"])
def test_a_release_date_within_the_deals_life_is_accepted(deposited, people, client_for, pending, typed):
    """The last day of the deal's life (year 5 ends 2030-11-30, + 60 days) and today are both allowed."""
    body = {"quantity": "2,000,000", "reason": "Force majeure", "release_due_date": typed}
    assert page(client_for, "purchaser", "propose_adjustment", deposited, body).status_code == 302
    adjustment = Instrument.objects.get(kind="adjustment")
    assert (adjustment.quantity, adjustment.release_due_date.isoformat()) == (2_000_000, typed)


@pytest.mark.parametrize(
    "field, typed, words",
    [
        ("effective_date", "2026/01/05", DATE),
        ("effective_date", "20260105", DATE),
        ("period_start", "2026-W01-1", DATE),
        ("target_revenue", "1e9", AMOUNT),
        ("target_revenue", "１００", SCRIPT),
        ("target_revenue", "100,0", AMOUNT),
        ("target_revenue", 100.5, AMOUNT),
    ],
)
def test_a_new_deals_terms_take_the_same_forms_over_the_api(db, django_user_model, field, typed, words):
    """Staff creating a deal over the API: the same parser reads its dates and targets."""
    from django.contrib.auth.models import Permission

    staff = django_user_model.objects.create_user("staff", password="x", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="add_deal"))
    tranches = [
        {"year": 1, "period_start": "2026-01-01", "period_end": "2026-12-31", "target_revenue": "100"},
        {"year": 2, "period_start": "2027-01-01", "period_end": "2027-12-31", "target_revenue": "200"},
    ]
    terms = {
        "slug": "acme-2026",
        "name": "Acme",
        "target_company": "Acme Ltd",
        "total_shares": 1000,
        "effective_date": "2026-01-05",
        "tranches": tranches,
    }
    if field == "effective_date":
        terms[field] = typed
    else:
        tranches[0][field] = typed
    response = api_client(staff).post("/api/deals/", terms, format="json")
    assert response.status_code == 400, response.content
    assert words in response.json()["detail"]
    assert not HistoryEntry.objects.filter(deal__slug="acme-2026").exists()
