"""The escrow period and its fee invoices as the ledger shows them (EA 2, EA 4.4; issue 14 item 5)."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncDate

from escrow.contract.fees import EscrowYear, started_years
from escrow.models import Deal, FeeInvoice, Role, ShareMovement


def _movement_day(movement) -> date:
    """The transfer agent's date of issue or transfer when recorded (issue 11 item 4), else the day the
    movement was recorded, in the contract's time zone."""
    evidence = getattr(movement, "evidence", None)
    if evidence is not None and evidence.transfer_date:
        return evidence.transfer_date
    return movement.recorded_at.astimezone(ZoneInfo(settings.CONTRACT_TIME_ZONE)).date()


def escrow_period(deal) -> tuple[date | None, date | None]:
    """EA 2: (first issue of the shares to the agent, the day the last share was released or returned).

    (None, None) before the deposit; the end is None while any share is in escrow."""
    movements = list(ShareMovement.objects.filter(deal=deal).select_related("evidence").order_by("recorded_at", "pk"))
    deposits = [m for m in movements if m.kind == ShareMovement.Kind.DEPOSIT]
    if not deposits:
        return None, None
    start = min(_movement_day(m) for m in deposits)
    balances = ShareMovement.objects.filter(deal=deal).balances()
    if balances["in_escrow"] > 0:
        return start, None
    outs = [m for m in movements if m.kind in (ShareMovement.Kind.RELEASE, ShareMovement.Kind.RETURN)]
    return start, max([start, *(_movement_day(m) for m in outs)])


def years_to_invoice(deal, today: date) -> list[EscrowYear]:
    """Started escrow years (EA 2, EA 4.4) with no invoice yet, up to `today`."""
    start, end = escrow_period(deal)
    if start is None:
        return []
    invoiced = set(FeeInvoice.objects.filter(deal=deal).values_list("year", flat=True))
    return [y for y in started_years(start, today, end) if y.number not in invoiced]


def _movement_days(kinds, order):
    """The deals' first or last movement day of `kinds`, in SQL, by the rule of `_movement_day`."""
    day = Coalesce("evidence__transfer_date", TruncDate("recorded_at", tzinfo=ZoneInfo(settings.CONTRACT_TIME_ZONE)))
    rows = ShareMovement.objects.filter(deal=OuterRef("pk"), kind__in=kinds).annotate(day=day).order_by(order)
    return Subquery(rows.values("day")[:1])


def deals_with_fee_due(today: date) -> list[int]:
    """Ids of the deals whose next escrow year (EA 2) has started by `today` with no invoice yet (EA 4.4): the
    sweep's list, in one query, so a tick with nothing due costs the same whatever the number of deals.

    Invoices are issued for every started year at once, so a deal's invoices are years 1..k and year k + 1
    starts the day after invoice k's period. A closed deal's next year has started only if it began before
    the day the last share left (escrow.contract.fees.started_years); the SQL keeps a superset, Python the
    exact set. `years_to_invoice`, under the deal's lock, stays the authority."""
    kinds_out = [ShareMovement.Kind.RELEASE, ShareMovement.Kind.RETURN]
    rows = (
        Deal.objects.filter(Q(state=Deal.State.IN_ESCROW) | Q(state=Deal.State.CLOSED))
        .annotate(
            first=_movement_days([ShareMovement.Kind.DEPOSIT], "day"),
            out=_movement_days(kinds_out, "-day"),
            last_end=Max("fee_invoices__period_end"),
        )
        .filter(first__lte=today)
        .filter(Q(state=Deal.State.IN_ESCROW) | Q(out__isnull=False))
        # Spelled as filters, not excludes: a NULL (no invoice yet) must not drop the deal.
        .filter(Q(last_end__isnull=True) | Q(last_end__lt=today, state=Deal.State.IN_ESCROW) | Q(last_end__lt=F("out")))
        .order_by("pk")
        .values_list("pk", "state", "last_end", "out")
    )
    return [pk for pk, state, last_end, out in rows if _next_year_started(state, last_end, out, today)]


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
