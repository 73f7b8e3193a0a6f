"""The escrow fee (EA 4.4, EA 2; issue 14 item 5): one invoice per started escrow year, issued by the agent,
payer per P9, payment recorded by the agent, history and notifications, a bilingual PDF."""

import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from escrow import actions
from escrow.contract.errors import InvalidInput, NotAllowed, WrongState
from escrow.models import Deal, DealParty, FeeInvoice, HistoryEntry, Notification
from escrow.queries.fee_documents import invoice_pdf
from escrow.queries.fees import escrow_period, invoices_for, years_to_invoice
from escrow.queries.history_words import HistoryWords
from tests.escrow.actions.test_expiry import run_five_years

pytestmark = pytest.mark.django_db
ISSUED = date(2025, 12, 22)


@pytest.fixture
def at(monkeypatch):
    """Move the contract date the fee actions and checks read (the tests pass dates, not frozen clocks)."""

    def move(day):
        for module in ("escrow.actions.fees", "escrow.queries.preconditions"):
            monkeypatch.setattr(f"{module}.contract_today", lambda: day)

    return move


@pytest.fixture
def issued(kaixin, people):
    """The deposit with its date of issue (EA 1.1): the escrow period starts that day (EA 2)."""
    actions.confirm_deposit(people["agent1"], kaixin, reference="DRS-0001", issue_date=ISSUED)
    return Deal.objects.get(pk=kaixin.pk)


def test_no_invoice_before_the_deposit(kaixin, people):
    assert escrow_period(kaixin) == (None, None)
    with pytest.raises(WrongState):
        actions.issue_fee_invoices(people["agent1"], kaixin)


def test_five_years_and_more_of_escrow_six_invoices_numbered_and_idempotent(issued, people, at):
    at(date(2030, 12, 31))  # nine days into the sixth escrow year, shares still in escrow
    assert escrow_period(issued) == (ISSUED, None)
    invoices = actions.issue_fee_invoices(people["agent1"], issued)
    assert [i.number for i in invoices] == [f"kaixin-2025-FEE-{n}" for n in range(1, 7)]
    first, last = invoices[0], invoices[-1]
    assert (first.period_start, first.period_end) == (date(2025, 12, 22), date(2026, 12, 21))
    assert (last.period_start, last.period_end) == (date(2030, 12, 22), date(2031, 12, 21))
    assert {i.amount for i in invoices} == {Decimal("5000.00")}
    assert {i.issued_on for i in invoices} == {date(2030, 12, 31)}
    assert {i.due_on for i in invoices} == {date(2031, 1, 30)}  # 30 days after issue
    assert {i.payer for i in invoices} == {"issuer"}  # P9 default
    with pytest.raises(WrongState, match="next escrow year starts on 2031-12-22"):
        actions.issue_fee_invoices(people["agent1"], issued)
    assert FeeInvoice.objects.filter(deal=issued).count() == 6
    entries = HistoryEntry.objects.filter(action="fee_invoice_issued")
    assert entries.count() == 6
    assert Notification.objects.filter(dedupe_key__startswith="fee-issued:kaixin-2025-FEE-1:").exists()


def test_a_year_at_a_time(issued, people, at):
    at(date(2026, 6, 1))
    assert [i.year for i in actions.issue_fee_invoices(people["agent1"], issued)] == [1]
    at(date(2026, 12, 22))  # the first anniversary starts year 2
    assert [i.year for i in actions.issue_fee_invoices(people["agent1"], issued)] == [2]


def test_only_the_agent_issues_and_records(issued, people, at):
    at(date(2026, 6, 1))
    for who in ("issuer", "purchaser", "seller", "auditor", "compliance"):
        with pytest.raises(NotAllowed):
            actions.issue_fee_invoices(people[who], issued)
    (invoice,) = actions.issue_fee_invoices(people["agent2"], issued)
    with pytest.raises(NotAllowed):
        actions.record_fee_payment(people["issuer"], issued, invoice.pk, paid_on="2026-06-01", reference="X")


def test_split_payer_and_who_reads(issued, people, at):
    Deal.objects.filter(pk=issued.pk).update(escrow_fee_payer="split")
    at(date(2026, 6, 1))
    (invoice,) = actions.issue_fee_invoices(people["agent1"], issued)
    assert invoice.payer == "split"
    assert invoice.shares == {"issuer": Decimal("2500.00"), "purchaser": Decimal("2500.00")}
    for role in ("issuer", "purchaser", "escrow_agent", "compliance"):
        assert invoices_for(issued, role) == [invoice]
    assert invoices_for(issued, "seller") == []
    notified = Notification.objects.filter(dedupe_key__startswith="fee-issued:kaixin-2025-FEE-1:")
    roles = set(
        DealParty.objects.filter(deal=issued, organisation__people__in=notified.values("user")).values_list(
            "role", flat=True
        )
    )
    assert roles == {"issuer", "purchaser", "escrow_agent"}


def test_purchaser_pays_and_issuer_does_not_read(issued, people, at):
    Deal.objects.filter(pk=issued.pk).update(escrow_fee_payer="purchaser")
    at(date(2026, 6, 1))
    (invoice,) = actions.issue_fee_invoices(people["agent1"], issued)
    assert invoices_for(issued, "purchaser") == [invoice]
    assert invoices_for(issued, "issuer") == []


def test_payment_recorded_once(issued, people, at):
    at(date(2026, 6, 1))
    (invoice,) = actions.issue_fee_invoices(people["agent1"], issued)
    with pytest.raises(InvalidInput):
        actions.record_fee_payment(people["agent1"], issued, invoice.pk, paid_on="2026-06-01", reference=" ")
    with pytest.raises(InvalidInput):
        actions.record_fee_payment(people["agent1"], issued, invoice.pk, paid_on="2026-05-01", reference="SWIFT-1")
    paid = actions.record_fee_payment(people["agent1"], issued, invoice.pk, paid_on="2026-06-01", reference="SWIFT-1")
    assert (paid.paid_on, paid.paid_reference) == (date(2026, 6, 1), "SWIFT-1")
    with pytest.raises(WrongState):
        actions.record_fee_payment(people["agent1"], issued, invoice.pk, paid_on="2026-06-01", reference="SWIFT-2")
    entry = HistoryEntry.objects.get(action="fee_payment_recorded")
    assert entry.details["reference"] == "SWIFT-1"
    assert Notification.objects.filter(dedupe_key__startswith="fee-paid:kaixin-2025-FEE-1:").exists()


def test_history_reads_in_both_languages(issued, people, at):
    at(date(2026, 6, 1))
    actions.issue_fee_invoices(people["agent1"], issued)
    entry = HistoryEntry.objects.get(action="fee_invoice_issued")
    english = HistoryWords(issued).summary(entry)
    with translation.override("zh-hans"):
        chinese = HistoryWords(issued).summary(entry)
    assert "kaixin-2025-FEE-1" in english and "USD 5,000.00" in english
    assert "kaixin-2025-FEE-1" in chinese and "托管费" in chinese


def test_closed_escrow_invoices_up_to_its_end(issued, people, at):
    run_five_years(issued, people)
    actions.return_for_cancellation(people["agent1"], issued)
    start, end = escrow_period(issued)
    assert start == ISSUED and end is not None
    at(date(2032, 1, 1))  # long after: years after the end are never invoiced
    due = years_to_invoice(issued, date(2032, 1, 1))
    assert due and due[-1].partial and due[-1].ended_on == end
    invoices = actions.issue_fee_invoices(people["agent1"], issued)
    assert len(invoices) == len(due)
    with pytest.raises(WrongState, match="ended on"):
        actions.issue_fee_invoices(people["agent1"], issued)


def test_invoice_pdf_is_bilingual_with_fonts_embedded(issued, people, at, tmp_path):
    Deal.objects.filter(pk=issued.pk).update(escrow_fee_payer="split")
    at(date(2026, 6, 1))
    (invoice,) = actions.issue_fee_invoices(people["agent1"], issued)
    data, name = invoice_pdf(invoice)
    assert name == "kaixin-2025-FEE-1.pdf" and data.startswith(b"%PDF")
    path = tmp_path / name
    path.write_bytes(data)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(" yes " in row for row in rows)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Escrow Fee Invoice" in text and "托管费发票" in text and "2,500.00" in text


def test_api_lists_the_invoices_the_reader_pays(issued, people, at):
    from tests.escrow.api.helpers import client_for

    at(date(2026, 6, 1))
    actions.issue_fee_invoices(people["agent1"], issued)
    body = client_for(people["issuer"]).get(f"/api/deals/{issued.slug}/fees/").json()
    assert body["escrow_started_on"] == "2025-12-22" and body["escrow_ended_on"] is None
    assert body["payer_policy"] == "issuer"
    (invoice,) = body["invoices"]
    assert invoice["number"] == "kaixin-2025-FEE-1" and invoice["amount"] == "5000.00"
    assert invoice["shares"] == {"issuer": "5000.00"} and invoice["due_on"] == "2026-07-01"
    assert client_for(people["purchaser"]).get(f"/api/deals/{issued.slug}/fees/").json()["invoices"] == []
    assert client_for(people["seller"]).get(f"/api/deals/{issued.slug}/fees/").status_code == 403


def test_pages_offer_only_what_the_person_can_do_now(issued, people, at, client):
    at(date(2026, 6, 1))
    client.force_login(people["agent1"])
    page = client.get(f"/deals/{issued.slug}/fees/").content.decode()
    assert 'data-testid="fee-issue-link"' in page and 'data-testid="fee-pay-link"' not in page
    done = client.post(f"/deals/{issued.slug}/fees/issue/", {"confirm": "on"})
    assert done.status_code == 302
    page = client.get(f"/deals/{issued.slug}/fees/").content.decode()
    assert 'data-testid="fee-issue-link"' not in page and 'data-testid="fee-pay-link"' in page
    pdf = client.get(f"/deals/{issued.slug}/fees/kaixin-2025-FEE-1.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    client.force_login(people["purchaser"])  # P9 issuer: the purchaser pays nothing and reads no invoice
    assert client.get(f"/deals/{issued.slug}/fees/kaixin-2025-FEE-1.pdf").status_code == 404
    assert 'data-testid="fee-invoice-1"' not in client.get(f"/deals/{issued.slug}/fees/").content.decode()
    deal_page = client.get(f"/deals/{issued.slug}/").content.decode()
    assert 'data-testid="ea-4-2"' in deal_page and "EA 4.2" in deal_page
    assert "Who pays the escrow fee" in deal_page and 'data-value="issuer"' in deal_page  # P9 with P1-P8
    with translation.override("zh-hans"):
        client.post("/i18n/setlang/", {"language": "zh-hans"})
    chinese = client.get(f"/deals/{issued.slug}/").content.decode()
    assert "托管费由谁支付" in chinese and "EA第4.2条" in chinese
