"""The escrow period and its fee invoices as the ledger shows them (EA 2, EA 4.4; issue 14 item 5)."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncDate

from escrow.contract.fees import EscrowYear, started_years, year_of
from escrow.models import Deal, FeeInvoice, Role, ShareMovement
from escrow.models.bulk import any_of
from escrow.models.ledger import balances_of


def escrow_period(deal) -> tuple[date | None, date | None]:
    """EA 2: (first issue of the shares to the agent, the day the last share was released or returned).

    (None, None) before the deposit; the end is None while any share is in escrow."""
    return escrow_periods([deal.pk]).get(deal.pk, (None, None))


def escrow_periods(deal_ids) -> dict:
    """`escrow_period` of many deals in one query: {deal id: (start, end)} for the deals with a deposit. Each
    movement's day by `_DAY`; the balance by `balances_of`."""
    moves = {}
    rows = (
        ShareMovement.objects.filter(deal_id__in=any_of(deal_ids))
        .annotate(day=_DAY)
        .order_by("deal_id", "recorded_at", "pk")
        .values_list("deal_id", "kind", "quantity", "day")
    )
    for deal_id, kind, quantity, day in rows:
        moves.setdefault(deal_id, []).append((kind, quantity, day))
    periods = {}
    for deal_id, movements in moves.items():
        deposits = [day for kind, _q, day in movements if kind == ShareMovement.Kind.DEPOSIT]
        if not deposits:
            continue
        start, totals = min(deposits), {}
        for kind, quantity, _day in movements:
            totals[kind] = totals.get(kind, 0) + quantity
        if balances_of(totals)["in_escrow"] > 0:
            periods[deal_id] = (start, None)
            continue
        outs = [day for kind, _q, day in movements if kind in (ShareMovement.Kind.RELEASE, ShareMovement.Kind.RETURN)]
        periods[deal_id] = (start, max([start, *outs]))
    return periods


def years_to_invoice(deal, today: date) -> list[EscrowYear]:
    """Started escrow years (EA 2, EA 4.4) with no invoice yet, up to `today`."""
    return years_to_invoice_of([deal.pk], today).get(deal.pk, [])


def years_to_invoice_of(deal_ids, today: date) -> dict:
    """`years_to_invoice` of many deals in two queries: {deal id: [EscrowYear, ...]} (deals with none left out)."""
    periods, invoiced = fee_facts_of(deal_ids)
    return years_due(periods, invoiced, today)


def fee_facts_of(deal_ids) -> tuple[dict, dict]:
    """What a deal's escrow fee years follow from, in two queries: (`escrow_periods`, {deal id: {invoiced year
    number, ...}}) (deals with no deposit, or no invoice, left out)."""
    periods, invoiced = escrow_periods(deal_ids), {}
    for deal_id, year in FeeInvoice.objects.filter(deal_id__in=any_of(list(periods))).values_list("deal_id", "year"):
        invoiced.setdefault(deal_id, set()).add(year)
    return periods, invoiced


def years_due(periods, invoiced, today: date) -> dict:
    """`years_to_invoice_of` from `fee_facts_of`: the started escrow years (EA 2) with no invoice (EA 4.4)."""
    years = {}
    for deal_id, (start, end) in periods.items():
        done = invoiced.get(deal_id, ())
        due = [y for y in started_years(start, today, end) if y.number not in done]
        if due:
            years[deal_id] = due
    return years


# A movement's day: the transfer agent's date of issue or transfer when recorded (issue 11 item 4), else the day
# the movement was recorded, in the contract's time zone.
_DAY = Coalesce("evidence__transfer_date", TruncDate("recorded_at", tzinfo=ZoneInfo(settings.CONTRACT_TIME_ZONE)))


def _movement_days(kinds, order):
    """The deals' first or last movement day of `kinds`, in SQL, by `_DAY`."""
    rows = ShareMovement.objects.filter(deal=OuterRef("pk"), kind__in=kinds).annotate(day=_DAY).order_by(order)
    return Subquery(rows.values("day")[:1])


def deals_with_fee_due(today: date, *, idle: list | None = None) -> list[int]:
    """Ids of the deals whose next escrow year (EA 2) has started by `today` with no invoice yet (EA 4.4): the
    sweep's list, in one query. Only the deals whose look is due are read (Deal.fee_check_on on or before
    `today`, or none set; an index scan), so a repeated tick reads none, whatever the number of deals (issue
    13 item 4). `idle`, when given, receives the ids of the deals read with nothing due (their next look is to
    be set).

    Invoices are issued for every started year at once, so a deal's invoices are years 1..k and year k + 1
    starts the day after invoice k's period. A closed deal's next year has started only if it began before
    the day the last share left (escrow.contract.fees.started_years). `years_to_invoice`, under the deal's
    lock, stays the authority."""
    looked = Q(fee_check_on__isnull=True) | Q(fee_check_on__lte=today)
    rows = (
        Deal.objects.filter(looked, state__in=(Deal.State.IN_ESCROW, Deal.State.CLOSED))
        .annotate(
            first=_movement_days([ShareMovement.Kind.DEPOSIT], "day"),
            out=_movement_days([ShareMovement.Kind.RELEASE, ShareMovement.Kind.RETURN], "-day"),
            last_end=Subquery(
                FeeInvoice.objects.filter(deal=OuterRef("pk")).order_by("-period_end").values("period_end")[:1]
            ),
        )
        .order_by("pk")
        .values_list("pk", "state", "first", "last_end", "out")
    )
    due = []
    for pk, state, first, last_end, out in rows:
        started = first is not None and first <= today and (state == Deal.State.IN_ESCROW or out is not None)
        if started and _next_year_started(state, last_end, out, today):
            due.append(pk)
        elif idle is not None:
            idle.append(pk)
    return due


def next_fee_checks(deal_ids, today: date) -> dict:
    """{deal id: the day the sweep next looks at its fee}: the first day of its next escrow year (EA 2) when
    every started year is invoiced; `today` when one is not; date.max when no year will start again (the period
    ended) or none can yet (no deposit: a deposit sets the look back to None, escrow.actions.fees.look_again)."""
    return next_looks(deal_ids, *fee_facts_of(deal_ids), today)


def next_looks(deal_ids, periods, invoiced, today: date) -> dict:
    """`next_fee_checks` from `fee_facts_of` (the sweep passes what it read under the deals' locks, with the
    years it has just invoiced added, instead of reading them again)."""
    looks = {}
    for deal_id in deal_ids:
        if deal_id not in periods:
            looks[deal_id] = date.max
            continue
        start, end = periods[deal_id]
        started = started_years(start, today, end)
        if any(y.number not in invoiced.get(deal_id, ()) for y in started):
            looks[deal_id] = today
            continue
        following = year_of(start, len(started) + 1).start
        looks[deal_id] = date.max if end is not None and following >= end else following
    return looks


def _next_year_started(state, last_end, out, today) -> bool:
    if last_end is None:
        return True  # year 1 starts on the day of issue (EA 2)
    following = last_end + timedelta(days=1)
    return following <= today and (state != Deal.State.CLOSED or following < out)


def invoices_for(deal, role) -> list[FeeInvoice]:
    """The invoices a role reads: the agent and compliance every one, the issuer or purchaser those it pays
    (P9 as issued); nobody else any."""
    invoices = list(FeeInvoice.objects.filter(deal=deal).order_by("year"))
    if role in (Role.ESCROW_AGENT, Role.COMPLIANCE):
        return invoices
    return [i for i in invoices if role in i.payer_roles]


def may_read_invoice(invoice, role) -> bool:
    return role in (Role.ESCROW_AGENT, Role.COMPLIANCE) or role in invoice.payer_roles
