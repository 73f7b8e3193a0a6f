"""The escrow fee (EA 4.4, EA 2; issue 14 item 5): the agent issues one invoice per started escrow year and
records its payment. Amounts, years and payers come from escrow.contract.fees; who pays is policy P9."""

from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from escrow.actions.base import _acting_for, lock_deal, record
from escrow.actions.batch import collector_paused
from escrow.contract.errors import InvalidInput, NotFound
from escrow.contract.fees import FEE_CURRENCY, FEE_PER_YEAR, fee_due_on, invoice_number, payer_shares
from escrow.history import chain as history
from escrow.models import Deal, FeeInvoice, HistoryAction, Role
from escrow.models.bulk import any_of, array_literal, copy_rows_with_ids
from escrow.notifications.notify import Note, notify_many, notify_roles
from escrow.notifications.texts import Text
from escrow.queries.clock import contract_today
from escrow.queries.fees import deals_with_fee_due, fee_facts_of, next_fee_checks, next_looks, years_due
from escrow.queries.preconditions import fee_unpaid, fees_to_invoice
from escrow.usecases.permissions import require


def fee_amount(deal) -> Decimal:
    """EA 4.4: USD 5,000 per year; the deal's own figure when one was entered (Deal.escrow_fee_per_year)."""
    return deal.escrow_fee_per_year if deal.escrow_fee_per_year and deal.escrow_fee_per_year > 0 else FEE_PER_YEAR


def _payer_roles(payer):
    return [Role(r) for r in payer_shares(payer)]


@transaction.atomic
def issue_fee_invoices(actor, deal, *, today=None) -> list[FeeInvoice]:
    """EA 4.4, EA 2: the agent issues an invoice for every started escrow year not yet invoiced (the sweep
    issues them on each year's first day, `issue_due_fee_invoices`; this is for the agent who will not wait, or
    a sweep that has not run). A repeat issues nothing (one invoice per deal and year, enforced by the database)."""
    deal = lock_deal(deal.pk)
    party = require(actor, deal, "issue_fee_invoices")
    today = min(today or contract_today(), contract_today())
    fees_to_invoice(deal, today)
    return _issue(deal, today, actor=actor, party=party)[0]


def look_again(deal_id) -> None:
    """The ledger of a deal moved (a deposit, a release, a return) or a transfer date was recorded: the escrow
    period may start or end on another day (EA 2), so the sweep looks at the deal's fee on its next run
    (Deal.fee_check_on)."""
    Deal.objects.filter(pk=deal_id).update(fee_check_on=None)


def issue_due_fee_invoices(today) -> tuple[int, int]:
    """The sweep's step (EA 4.4, EA 2): on the first day of each started escrow year, its invoice, written by the
    portal itself (no actor) through `_issue_many`, as the agent's are. The deals come from one set-based query;
    they are then locked and re-read in chunks (one transaction each, a fixed number of statements per chunk),
    so two workers or a repeated tick issue nothing twice (and the unique (deal, year) key backs the lock).
    Returns (invoices issued, notifications written)."""
    idle, invoices, notes = [], 0, 0
    due = deals_with_fee_due(today, idle=idle)
    for start in range(0, len(due), CHUNK):
        with collector_paused(), transaction.atomic():  # no cycles to collect in a chunk's rows (issue 13 item 4)
            deals = (
                Deal.objects.select_for_update()
                .filter(pk__in=any_of(due[start : start + CHUNK]), state__in=(Deal.State.IN_ESCROW, Deal.State.CLOSED))
                .order_by("pk")
                .values_list(*_FeeDeal._fields)
            )
            issued, written = _issue_many([_FeeDeal(*row) for row in deals], today)
            invoices, notes = invoices + len(issued), notes + written
    # The deals looked at with nothing due (a new deal's first look, a moved ledger, a year the agent invoiced
    # first): their next look, so a repeated tick finds none of them again.
    for start in range(0, len(idle), CHUNK):
        with transaction.atomic():
            locked = Deal.objects.select_for_update().filter(pk__in=any_of(idle[start : start + CHUNK]))
            _set_next_looks(list(locked.order_by("pk").values_list("pk", flat=True)), today)
    return invoices, notes


class _FeeDeal(NamedTuple):
    """A deal as `_issue_many` reads it (the sweep's chunks read these columns, not whole model objects)."""

    pk: int
    slug: str
    name: str
    escrow_fee_per_year: Decimal | None
    escrow_fee_payer: str


def _set_next_looks(deal_ids, today, looks=None) -> None:
    """Under the deals' locks: each deal's next look (Deal.fee_check_on) from its ledger and invoices (`looks`
    when the caller has them: queries.fees.next_looks), in one UPDATE."""
    looks = next_fee_checks(deal_ids, today) if looks is None else looks
    if not looks:
        return
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            for pk, day in looks.items():
                Deal.objects.filter(pk=pk).update(fee_check_on=day)
            return
        cursor.execute(
            # The table name is the model's own and every value is a parameter: nothing comes from input.
            f"UPDATE {Deal._meta.db_table} AS d SET fee_check_on = v.day "  # noqa: S608
            "FROM unnest(%s::bigint[], %s::date[]) AS v(id, day) WHERE d.id = v.id",
            # one text each (bulk.array_literal), not quoted element by element
            [array_literal(list(looks)), array_literal([day.isoformat() for day in looks.values()])],
        )


CHUNK = 2000  # deals per transaction in the sweep: locks held briefly (about a second), progress kept chunk by chunk
INVOICE_FIELDS = [
    "deal_id",
    "year",
    "number",
    "issued_on",
    "period_start",
    "period_end",
    "amount",
    "currency",
    "due_on",
    "payer",
    "issued_by_id",
    "issued_at",
    "paid_reference",
]


def _issue(deal, today, *, actor=None, party=None) -> tuple[list[FeeInvoice], int]:
    """The agent's issue of one deal's invoices (`_issue_many`), as model objects."""
    ids, notes = _issue_many([deal], today, actor=actor, party=party)
    return list(FeeInvoice.objects.filter(pk__in=ids).order_by("year")), notes


def _issue_many(deals, today, *, actor=None, party=None) -> tuple[list[int], int]:
    """Under the deals' locks: one invoice per started escrow year with none yet, each dated `today` (the contract
    date) and due DUE_DAYS later, payer P9 `escrow_fee_payer` as it stands now; its history entry and the
    payers' and agents' notifications. `actor` None: issued by the sweep. The invoices are one COPY, the entries
    one `record_many`, the notices one `notify_many`, whatever the number of deals.
    Returns (the new invoices' ids, notifications written)."""
    deal_ids = [d.pk for d in deals]
    periods, invoiced = fee_facts_of(deal_ids)
    due, now = years_due(periods, invoiced, today), timezone.now()
    wanted = [(deal, year) for deal in deals for year in due.get(deal.pk, [])]
    ids = copy_rows_with_ids(
        FeeInvoice,
        INVOICE_FIELDS,
        [
            (
                deal.pk,
                year.number,
                invoice_number(deal.slug, year.number),
                today,
                year.start,
                year.end,
                fee_amount(deal),
                FEE_CURRENCY,
                fee_due_on(today),
                deal.escrow_fee_payer,
                actor.pk if actor else None,
                now,
                "",
            )
            for deal, year in wanted
        ],
    )
    # A key taken by a worker that skipped the lock (pk None): its invoice, entry and notices stand.
    issued = [(deal, year) for (deal, year), pk in zip(wanted, ids, strict=True) if pk is not None]
    history.record_many(
        [(deal, _entry(deal, year, today, actor=actor, acting_for=_acting_for(party))) for deal, year in issued]
    )
    notes = notify_many(_note(deal, year, today) for deal, year in issued)
    # Each wanted year is invoiced now, by this run or (pk None) by the worker that took its key first.
    for deal, year in wanted:
        invoiced.setdefault(deal.pk, set()).add(year.number)
    _set_next_looks(deal_ids, today, next_looks(deal_ids, periods, invoiced, today))
    return [pk for pk in ids if pk is not None], notes


def _entry(deal, year, today, *, actor, acting_for) -> dict:
    """The history entry of one invoice (the keyword arguments of `history.record`)."""
    amount, number, due_on = fee_amount(deal), invoice_number(deal.slug, year.number), fee_due_on(today)
    payer = deal.escrow_fee_payer
    return dict(
        action=HistoryAction.FEE_INVOICE_ISSUED,
        actor=actor,
        acting_for=acting_for,
        clause="EA 4.4",
        summary=(
            f"escrow fee invoice {number} issued: {FEE_CURRENCY} {amount:,.2f} for escrow year "
            f"{year.number} ({year.start} to {year.end}), due {due_on}, payer {payer} (P9)"
        ),
        details={
            "number": number,
            "year": year.number,
            "period_start": year.start,
            "period_end": year.end,
            "amount": str(amount),
            "currency": FEE_CURRENCY,
            "issued_on": today,
            "due_on": due_on,
            "payer": payer,
            "shares": {role: str(value) for role, value in payer_shares(payer, amount).items()},
            **({} if actor else {"by": "sweep"}),
        },
    )


def _note(deal, year, today) -> Note:
    """The payers' and the agents' notice of one invoice (P9 as issued)."""
    amount, number = fee_amount(deal), invoice_number(deal.slug, year.number)
    return Note(
        deal,
        (*_payer_roles(deal.escrow_fee_payer), Role.ESCROW_AGENT),
        Text(
            ISSUED,
            deal=deal.name,
            number=number,
            amount=f"{FEE_CURRENCY} {amount:,.2f}",
            due=fee_due_on(today).isoformat(),
        ),
        f"fee-issued:{number}",
        clause="EA 4.4",
    )


ISSUED = gettext_lazy("%(deal)s: escrow fee invoice %(number)s, %(amount)s due %(due)s (EA 4.4)")


@transaction.atomic
def record_fee_payment(actor, deal, invoice_id, *, paid_on, reference, today=None) -> FeeInvoice:
    """EA 4.4: the agent records that an invoice was paid (the date and the payment's reference), once."""
    deal = lock_deal(deal.pk)
    party = require(actor, deal, "record_fee_payment")
    try:
        invoice = FeeInvoice.objects.select_for_update().get(pk=invoice_id, deal=deal)
    except (FeeInvoice.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such escrow fee invoice.")) from None
    fee_unpaid(deal, invoice)
    reference = (reference or "").strip()
    if not reference:
        raise InvalidInput(_("Enter the payment's reference (bank transfer or remittance)."))
    if isinstance(paid_on, str):
        try:
            paid_on = date.fromisoformat(paid_on)
        except ValueError:
            raise InvalidInput(_("Enter the date paid as YYYY-MM-DD.")) from None
    if not isinstance(paid_on, date):
        raise InvalidInput(_("Enter the date paid as YYYY-MM-DD."))
    today = today or contract_today()
    if paid_on > today:
        raise InvalidInput(_("The date paid cannot be after today (%(today)s).") % {"today": today.isoformat()})
    if paid_on < invoice.issued_on:
        raise InvalidInput(
            _("The date paid cannot be before the invoice was issued (%(day)s).") % {"day": invoice.issued_on}
        )
    invoice.paid_on = paid_on
    invoice.paid_reference = reference
    invoice.paid_recorded_by = actor
    invoice.paid_recorded_at = timezone.now()
    invoice.save(update_fields=["paid_on", "paid_reference", "paid_recorded_by", "paid_recorded_at"])
    record(
        deal,
        action=HistoryAction.FEE_PAYMENT_RECORDED,
        actor=actor,
        party=party,
        clause="EA 4.4",
        summary=f"escrow fee invoice {invoice.number} paid on {paid_on} (reference {reference})",
        details={"number": invoice.number, "year": invoice.year, "paid_on": paid_on, "reference": reference},
    )
    notify_roles(
        deal,
        [*_payer_roles(invoice.payer), Role.ESCROW_AGENT],
        key=f"fee-paid:{invoice.number}",
        subject=Text(
            gettext_lazy("%(deal)s: escrow fee invoice %(number)s recorded as paid on %(day)s"),
            deal=deal.name,
            number=invoice.number,
            day=paid_on.isoformat(),
        ),
        clause="EA 4.4",
    )
    return invoice
