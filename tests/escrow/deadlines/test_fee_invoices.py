"""The sweep issues the escrow fee invoices (EA 4.4, EA 2): on the first day of each started escrow year, that
year's invoice, written by the portal through the agent's own code path (escrow.actions.fees._issue), payer per
P9, in the history and told to the payers and the agents. Idempotent: a repeated tick, a caught-up day or a
second worker writes nothing twice (the deal's lock, then the unique (deal, year) key)."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import translation

from escrow import actions
from escrow.actions.deadlines import sweep
from escrow.actions.fees import issue_due_fee_invoices
from escrow.contract.errors import WrongState
from escrow.models import Deal, DealParty, FeeInvoice, HistoryEntry, Notification
from escrow.queries.fees import deals_with_fee_due, escrow_period
from escrow.queries.history_words import HistoryWords
from tests.escrow.actions.test_expiry import run_five_years

from .conftest import on, written

pytestmark = pytest.mark.django_db
ISSUED = date(2025, 12, 22)  # the date of issue to the agent (EA 1.1): escrow year 1 starts that day (EA 2)


@pytest.fixture
def issued(kaixin, people):
    actions.confirm_deposit(people["agent1"], kaixin, reference="DRS-0001", issue_date=ISSUED)
    return Deal.objects.get(pk=kaixin.pk)


def _sweep_on(day, *, date_arg=None):
    """`manage.py sweep --date` as an operator catching up, the clock on `day` (Shanghai)."""
    out = io.StringIO()
    with on(day):
        call_command("sweep", "--date", (date_arg or day).isoformat(), stdout=out)
    return out.getvalue()


def test_catching_up_four_years_issues_each_year_once(issued, people):
    out = _sweep_on(date(2029, 1, 5), date_arg=date(2028, 12, 22))  # the fourth anniversary starts year 4
    assert "4 escrow fee invoice(s) issued" in out
    invoices = list(FeeInvoice.objects.filter(deal=issued).order_by("year"))
    assert [i.number for i in invoices] == [f"kaixin-2025-FEE-{n}" for n in range(1, 5)]
    assert {i.issued_on for i in invoices} == {date(2028, 12, 22)}  # the sweep's contract day
    assert {i.due_on for i in invoices} == {date(2029, 1, 21)}
    assert {i.issued_by for i in invoices} == {None}  # the portal, not a person
    assert (invoices[-1].period_start, invoices[-1].period_end) == (date(2028, 12, 22), date(2029, 12, 21))
    entries = HistoryEntry.objects.filter(deal=issued, action="fee_invoice_issued")
    assert entries.count() == 4
    assert {(e.actor_id, e.clause, e.details["by"]) for e in entries} == {(None, "EA 4.4", "sweep")}
    before = written()
    assert "0 escrow fee invoice(s) issued" in _sweep_on(date(2029, 1, 5), date_arg=date(2028, 12, 22))
    assert written() == before  # the repeated tick writes nothing at all
    assert "0 escrow fee invoice(s) issued" in _sweep_on(date(2029, 1, 5))  # the days since: no invoice either
    assert entries.count() == 4
    _sweep_on(date(2029, 12, 21))
    assert FeeInvoice.objects.filter(deal=issued).count() == 4  # year 5 starts tomorrow
    _sweep_on(date(2029, 12, 22))
    assert list(FeeInvoice.objects.filter(deal=issued).values_list("year", flat=True)) == [1, 2, 3, 4, 5]


def test_on_the_first_day_of_a_year_and_not_before(issued, people):
    with on(date(2026, 12, 21)):
        assert sweep(today=date(2026, 12, 21)).fee_invoices == 1  # year 1, started on the day of issue
        assert sweep(today=date(2026, 12, 21)).fee_invoices == 0  # the next tick
    with on(date(2026, 12, 22)):
        report = sweep(today=date(2026, 12, 22))
    assert report.fee_invoices == 1
    assert FeeInvoice.objects.get(deal=issued, year=2).issued_on == date(2026, 12, 22)


def test_the_payers_and_the_agents_are_told_per_p9(issued, people):
    Deal.objects.filter(pk=issued.pk).update(escrow_fee_payer="split")
    with on(date(2026, 6, 1)):
        sweep(today=date(2026, 6, 1))
    notified = Notification.objects.filter(dedupe_key__startswith="fee-issued:kaixin-2025-FEE-1:")
    roles = set(
        DealParty.objects.filter(deal=issued, organisation__people__in=notified.values("user")).values_list(
            "role", flat=True
        )
    )
    assert roles == {"issuer", "purchaser", "escrow_agent"}  # the seller and the auditor read no invoice
    assert FeeInvoice.objects.get(deal=issued).payer == "split"


def test_the_history_line_reads_in_both_languages(issued):
    with on(date(2026, 6, 1)):
        sweep(today=date(2026, 6, 1))
    entry = HistoryEntry.objects.get(action="fee_invoice_issued")
    english = HistoryWords(issued).summary(entry)
    with translation.override("zh-hans"):
        chinese = HistoryWords(issued).summary(entry)
    assert "kaixin-2025-FEE-1" in english and "USD 5,000.00" in english
    assert "kaixin-2025-FEE-1" in chinese and "托管费" in chinese


def test_the_agent_cannot_issue_what_the_sweep_issued(issued, people):
    """One invoice per year whoever issues first (EA 4.4); the agent's action stays for a sweep not yet run."""
    with on(date(2026, 6, 1)):
        sweep(today=date(2026, 6, 1))
        with pytest.raises(WrongState, match="next escrow year starts on 2026-12-22"):
            actions.issue_fee_invoices(people["agent1"], issued)
    assert FeeInvoice.objects.filter(deal=issued).count() == 1


def test_a_second_worker_with_a_stale_list_writes_nothing(issued, monkeypatch):
    """Insider: a worker that listed the deal before another issued the invoice re-reads under the deal's lock;
    and the database refuses a second invoice for one year even to code that skips the lock."""
    with on(date(2026, 6, 1)):
        invoices, notes = issue_due_fee_invoices(date(2026, 6, 1))
    assert invoices == 1 and notes > 0
    monkeypatch.setattr("escrow.actions.fees.deals_with_fee_due", lambda today, idle=None: [issued.pk])
    before = written()
    with on(date(2026, 6, 1)):
        assert issue_due_fee_invoices(date(2026, 6, 1)) == (0, 0)
    assert written() == before
    first = FeeInvoice.objects.get(deal=issued)
    first.pk, first.number = None, "kaixin-2025-FEE-1-again"
    with pytest.raises(IntegrityError), transaction.atomic():
        first.save()


def test_a_closed_escrow_is_invoiced_to_its_end_and_then_drops_out(issued, people):
    run_five_years(issued, people)
    actions.return_for_cancellation(people["agent1"], issued)
    with on(date(2031, 1, 10)):
        report = sweep(today=date(2031, 1, 10))
        assert deals_with_fee_due(date(2031, 1, 10)) == []
        assert sweep(today=date(2031, 1, 10)).fee_invoices == 0
    assert Deal.objects.get(pk=issued.pk).fee_check_on == date.max  # no year will start again: never read again
    invoices = FeeInvoice.objects.filter(deal=issued)
    assert report.fee_invoices == invoices.count() >= 1
    _start, ended = escrow_period(issued)
    assert invoices.order_by("year").last().period_start < ended  # no year starting on or after the end (EA 2)


def test_a_repeated_tick_reads_no_deal_until_its_next_year_starts(issued, people):
    """Issue 13 item 4: once a year is invoiced the deal's next look is the next year's first day (an index scan
    finds nothing before it); a movement recorded in between makes the sweep look again, and no look is late."""
    with on(date(2026, 6, 1)):
        sweep(today=date(2026, 6, 1))
    assert Deal.objects.get(pk=issued.pk).fee_check_on == date(2026, 12, 22)
    idle = []
    assert deals_with_fee_due(date(2026, 12, 21), idle=idle) == [] and idle == []
    assert deals_with_fee_due(date(2026, 12, 22)) == [issued.pk]
    Deal.objects.filter(pk=issued.pk).update(fee_check_on=None)  # as escrow.actions.fees.look_again after a movement
    with on(date(2026, 6, 2)):
        assert deals_with_fee_due(date(2026, 6, 2), idle=idle) == [] and idle == [issued.pk]
        assert sweep(today=date(2026, 6, 2)).fee_invoices == 0
    assert Deal.objects.get(pk=issued.pk).fee_check_on == date(2026, 12, 22)
    with on(date(2026, 12, 22)):
        assert sweep(today=date(2026, 12, 22)).fee_invoices == 1
    assert Deal.objects.get(pk=issued.pk).fee_check_on == date(2027, 12, 22)
