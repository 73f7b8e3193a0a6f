"""The seller's release statement (issue 12 item 8): per released year the quantity released, the calculation
in brief, the transfer agent's record (reference, date, agent, account, confirmation) and the shares still in
escrow after it; then the position on the day of the statement. Read from the ledger, the tranches and the
transfer evidence only (escrow.queries.transfers), rendered by escrow.documents.statement."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from escrow.documents import statement
from escrow.documents.facts import both, parties_of
from escrow.models import Role, ShareMovement, TrancheState
from escrow.queries.clock import contract_today
from escrow.queries.transfers import TransferRecord, release_record


@dataclass(frozen=True)
class ReleasedYear:
    year: int
    period: tuple  # (start, end)
    released_on: date | None  # the portal's record of the release (Beijing)
    quantity: int  # what left escrow for the seller (the ledger)
    calculation: dict  # the engine's figures as stored with the tranche (SPA 5.1, 5.2)
    transfer: TransferRecord | None  # None for a release of no shares (no movement)
    reference: str  # the transfer agent's reference as the tranche keeps it
    in_escrow_after: int  # the deal's shares still in escrow once this release left

    # What the calculation module reads (escrow.documents.calculation.calculation_steps).
    currency: str = ""
    total_shares: int = 0
    tranche_count: int = 0
    reason: str = ""


@dataclass(frozen=True)
class OpenYear:
    year: int
    state: tuple  # (English, Chinese)
    quantity: int | None  # the computed quantity, None before the report


@dataclass(frozen=True)
class StatementFacts:
    deal_name: str
    deal_name_zh: str
    deal_slug: str
    share_class: str
    total_shares: int
    seller: object  # escrow.documents.facts.Party or None
    as_of: date  # Beijing contract date
    generated_at: datetime  # Beijing time
    balances: dict  # deposited, released, returned, in_escrow (today)
    released: list  # ReleasedYear, by year
    open_years: list  # OpenYear, by year


@dataclass(frozen=True)
class Statement:
    data: bytes
    filename: str
    facts: StatementFacts


def release_statement(deal) -> Statement:
    facts = statement_facts(deal)
    return Statement(statement.render(facts), f"{deal.slug}-release-statement-{facts.as_of:%Y%m%d}.pdf", facts)


def statement_facts(deal) -> StatementFacts:
    beijing = ZoneInfo(settings.CONTRACT_TIME_ZONE)
    tranches = list(deal.tranches.order_by("year"))
    after = _in_escrow_after_each_release(deal)
    released = [_released(deal, t, after.get(t.pk)) for t in tranches if t.state == TrancheState.RELEASED]
    open_years = [
        OpenYear(t.year, both(TrancheState(t.state).label), t.release_quantity)
        for t in tranches
        if t.state != TrancheState.RELEASED
    ]
    return StatementFacts(
        deal_name=deal.name,
        deal_name_zh=deal.name_zh,
        deal_slug=deal.slug,
        share_class=deal.share_class,
        total_shares=deal.total_shares,
        seller=parties_of(deal).get(Role.SELLER),
        as_of=contract_today(),
        generated_at=timezone.now().astimezone(beijing),
        balances=ShareMovement.objects.filter(deal=deal).balances(),
        released=released,
        open_years=open_years,
    )


def _released(deal, tranche, in_escrow_after):
    record = release_record(tranche)
    if in_escrow_after is None:  # a release of no shares moves nothing: the balance before it stands
        in_escrow_after = _balance_on(deal, tranche)
    return ReleasedYear(
        year=tranche.year,
        period=(tranche.period_start, tranche.period_end),
        released_on=tranche.released_on,
        quantity=record.quantity if record else 0,
        calculation=dict(tranche.calculation or {}),
        transfer=record,
        reference=tranche.transfer_reference,
        in_escrow_after=in_escrow_after,
        currency=deal.target_currency,
        total_shares=deal.total_shares,
        tranche_count=deal.tranche_count,
    )


def _in_escrow_after_each_release(deal) -> dict:
    """tranche id -> the deal's shares in escrow right after its release movement (the ledger in order)."""
    balance, after = 0, {}
    for kind, quantity, tranche_id in ShareMovement.objects.filter(deal=deal).values_list(
        "kind", "quantity", "tranche_id"
    ):
        balance += quantity if kind == ShareMovement.Kind.DEPOSIT else -quantity
        if kind == ShareMovement.Kind.RELEASE:
            after[tranche_id] = balance
    return after


def _balance_on(deal, tranche):
    moved = ShareMovement.objects.filter(deal=deal)
    if tranche.released_on:
        moved = moved.filter(recorded_at__date__lte=tranche.released_on)
    return moved.balances()["in_escrow"]
