"""The escrow period and its fee invoices as the ledger shows them (EA 2, EA 4.4; issue 14 item 5)."""

from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings

from escrow.contract.fees import EscrowYear, started_years
from escrow.models import FeeInvoice, Role, ShareMovement


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


def invoices_for(deal, role) -> list[FeeInvoice]:
    """The invoices a role reads: the agent and compliance every one, the issuer or purchaser those it pays
    (P9 as issued); nobody else any."""
    invoices = list(FeeInvoice.objects.filter(deal=deal).order_by("year"))
    if role in (Role.ESCROW_AGENT, Role.COMPLIANCE):
        return invoices
    return [i for i in invoices if role in i.payer_roles]


def may_read_invoice(invoice, role) -> bool:
    return role in (Role.ESCROW_AGENT, Role.COMPLIANCE) or role in invoice.payer_roles
