"""The seller's rights on the escrowed shares, read from the ledger (SPA 3.2, EA 1.3; issue 14 items 2, 3).

`in_escrow_on(deal, day)`: the shares the agent held in escrow at the end of a contract day, the legal fact a
record date asks for (SPA 3.2). A movement counts from its effective day (`effective_day`): the transfer
agent's date of issue or transfer when recorded (TransferEvidence), else the year's release date for a release,
the effective date of its split or consolidation or the day its stock dividend's new shares were received for a
rebase, else the contract day it was recorded on. So a record date after a partial release counts only what
stayed in escrow, and a record date after a consolidation's effective date counts new shares.

It is not escrow.queries.as_of's question. The deal "as of" a day is the portal's record as it stood at the end
of that day (what was recorded by then, `recorded_at`), so it agrees with the history replayed beside it; the
shares held on a record date are the transfer agent's facts, whenever they were entered. Both select their
movements by their own date and count them with the one balance rule, escrow.models.ledger.balances_of.

`dividends_for(deal)` and `meetings_for(deal)` are what the "Dividends and votes" page and the API read:
each dividend with its entitlement (and, for a stock dividend, the allocation of its new shares to the
tranches, from the ledger once received), each meeting with its resolutions, instructions, cut-off and status.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from escrow.contract import holdings as rules
from escrow.models import Dividend, Meeting, ShareMovement, Tranche, TrancheState, TransferEvidence, VotingInstruction
from escrow.models.ledger import balances_of
from escrow.queries.clock import calendar_for, contract_today
from escrow.queries.quantities import STOCK_DIVIDEND_KEY, rebase_days, year_figures
from escrow.queries.rows import columns, loader, rows, width

BEIJING = ZoneInfo(settings.CONTRACT_TIME_ZONE)
CUT_OFF_TIME = time(17, 0)  # the close of business in Beijing on the cut-off day


def effective_day(movement, days=None) -> date:
    """The contract day a movement took effect (see the module's docstring); `days`: rebase_days of its deal."""
    evidence = getattr(movement, "evidence", None) if _has_evidence(movement) else None
    if evidence is not None and evidence.transfer_date:
        return evidence.transfer_date
    if movement.kind == ShareMovement.Kind.RELEASE and movement.tranche_id and movement.tranche.released_on:
        return movement.tranche.released_on
    if movement.kind == ShareMovement.Kind.REBASE:
        days = days if days is not None else rebase_days([movement.deal_id])
        day = days.get(movement.fact_key.rpartition(":")[0])
        if day is not None:
            return day
    return timezone.localtime(movement.recorded_at, BEIJING).date()


def _has_evidence(movement):
    try:
        movement.evidence  # noqa: B018
    except ShareMovement.evidence.RelatedObjectDoesNotExist:
        return False
    return True


@dataclass(frozen=True)
class Ledger:
    """A deal's movements with the days its rebases took effect: read once, asked many days."""

    movements: list
    days: dict


def _movements(deal) -> Ledger:
    movements = _ledger_rows(deal)
    rebased = any(m.kind == ShareMovement.Kind.REBASE for m in movements)
    return Ledger(movements, rebase_days([deal.pk]) if rebased else {})


def _ledger_rows(deal) -> list:
    """The deal's movements in the model's order, each with its evidence (or none) and its tranche, as
    `ShareMovement.objects.filter(deal=deal).select_related("evidence", "tranche")` reads them; hand-written SQL
    built once per process (issue 13 item 1: the ORM built and compiled the three-table query on every read of
    the dividends and meetings). tests/escrow/queries/test_holdings_ledger_sql.py compares the two."""
    movement, evidence, tranche = loader(ShareMovement), loader(TransferEvidence), loader(Tranche)
    found = []
    for row in rows(_LEDGER_SQL, (deal.pk,)):
        m = movement(row)
        e = evidence(row[_AT_EVIDENCE:]) if row[_AT_EVIDENCE] is not None else None
        if e is not None:
            TransferEvidence.movement.field.set_cached_value(e, m)
        ShareMovement.evidence.related.set_cached_value(m, e)  # none: m.evidence raises, as select_related leaves it
        if m.tranche_id is not None:
            m.tranche = tranche(row[_AT_TRANCHE:])
        found.append(m)
    return found


_LEDGER_SQL = (
    f"SELECT {columns(ShareMovement, 'm')}, {columns(TransferEvidence, 'e')}, {columns(Tranche, 't')}"  # noqa: S608 (constant SQL)
    f" FROM {ShareMovement._meta.db_table} m"
    f" LEFT JOIN {TransferEvidence._meta.db_table} e ON e.movement_id = m.id"
    f" LEFT JOIN {Tranche._meta.db_table} t ON t.id = m.tranche_id"
    " WHERE m.deal_id = %s ORDER BY m.recorded_at, m.id"  # the model's order
)
_AT_EVIDENCE = width(ShareMovement)
_AT_TRANCHE = _AT_EVIDENCE + width(TransferEvidence)


def in_escrow_on(deal, day: date, ledger=None) -> int:
    """Shares in escrow at the end of `day` (SPA 3.2: the record date), from the ledger."""
    ledger = ledger if ledger is not None else _movements(deal)
    totals = defaultdict(int)
    for m in ledger.movements:
        if effective_day(m, ledger.days) <= day:
            totals[m.kind] += m.quantity
    return balances_of(totals)["in_escrow"]


def contract_now() -> datetime:
    """Now on the contract clock: Beijing's time of day on the contract date (the demo clock's date in the demo,
    escrow.models.clock), so a cut-off passes with the contract day everywhere."""
    clock = timezone.localtime(timezone.now(), BEIJING)
    return datetime.combine(contract_today(), clock.time(), tzinfo=BEIJING)


def default_cut_off(deal, meeting_day: date) -> datetime:
    """Issue 14 item 3: 17:00 Beijing time on the 5th business day before the meeting (the deal's calendar, P6)."""
    day = rules.default_cut_off_day(meeting_day, calendar_for(deal).is_business_day)
    return datetime.combine(day, CUT_OFF_TIME, tzinfo=BEIJING)


@dataclass
class DividendView:
    dividend: Dividend
    shares: int  # in escrow at the record date (frozen once passed through)
    provisional: bool  # the record date is still ahead: the figure may move
    cash: object = None  # Decimal: a cash dividend's entitlement
    new_shares: object = None  # ShareEntitlement: a stock dividend's
    allocation: dict = field(default_factory=dict)  # tranche year -> new shares (from the ledger once received)
    status: str = ""

    def as_dict(self) -> dict:
        d = self.dividend
        return {
            "id": d.pk,
            "kind": d.kind,
            "declared_on": d.declared_on.isoformat(),
            "record_date": d.record_date.isoformat(),
            "payment_date": d.payment_date.isoformat(),
            "per_share": str(d.per_share.normalize()),
            "currency": d.currency,
            "shares_in_escrow_at_record_date": self.shares,
            "provisional": self.provisional,
            "entitlement": str(self.cash) if self.cash is not None else None,
            "new_shares": self.new_shares.as_dict() if self.new_shares is not None else None,
            "stock_policy": d.stock_policy if d.kind == Dividend.Kind.SHARES else None,
            "allocation": {str(k): v for k, v in self.allocation.items()},
            "status": self.status,
            "passed_through": {
                "date": d.passed_on.isoformat(),
                "reference": d.pass_reference,
                "amount": str(d.paid_amount),
                "withheld": str(d.withholding_amount) if d.withholding_amount is not None else None,
                "withholding_note": d.withholding_note,
            }
            if d.passed_at
            else None,
            "receipt_confirmed_at": d.receipt_confirmed_at.isoformat() if d.receipt_confirmed_at else None,
            "clause": rules.CLAUSE,
        }


def dividend_status(dividend) -> str:
    if dividend.kind == Dividend.Kind.SHARES:  # its new shares stay in escrow with the tranches (EA 4.2: rebases)
        return "shares_in_escrow" if dividend.passed_at else "awaiting_shares"
    if dividend.receipt_confirmed_at:
        return "received"
    if dividend.passed_at:
        return "passed_through"
    return "awaiting_pass_through"


def new_shares_allocation(deal, dividend, new_shares: int, tranches=None) -> dict:
    """Year -> the new shares of a stock dividend as the agent's recording writes them (escrow.actions.holdings,
    the one rule for both): the dividend's policy over what remains in escrow per tranche now."""
    tranches = list(tranches if tranches is not None else deal.tranches.order_by("year"))
    if not new_shares:
        return {}
    figures = year_figures(deal, tranches)
    unreleased = [t.year for t in tranches if t.state != TrancheState.RELEASED]
    weights = rules.stock_dividend_weights(
        {y: f.in_escrow for y, f in figures.items()}, unreleased, dividend.stock_policy
    )
    return rules.allocate(new_shares, weights)


def _written(dividend, ledger) -> dict:
    """Year -> the rebase the agent wrote for a received stock dividend (the ledger's own figures)."""
    prefix = f"{STOCK_DIVIDEND_KEY}:{dividend.pk}:"
    return {m.tranche.year: m.quantity for m in ledger.movements if m.fact_key.startswith(prefix)}


def dividend_view(dividend, ledger=None, today=None, tranches=None) -> DividendView:
    deal = dividend.deal
    today = today or contract_today()
    ledger = ledger if ledger is not None else _movements(deal)
    shares = (
        dividend.entitled_shares
        if dividend.entitled_shares is not None
        else in_escrow_on(deal, dividend.record_date, ledger)
    )
    view = DividendView(
        dividend, shares, provisional=dividend.entitled_shares is None and dividend.record_date >= today
    )
    view.status = dividend_status(dividend)
    if dividend.kind == Dividend.Kind.CASH:
        view.cash = rules.cash_entitlement(shares, dividend.per_share)
    else:
        view.new_shares = rules.share_entitlement(shares, dividend.per_share)
        if dividend.passed_at:
            view.allocation = _written(dividend, ledger)
        elif view.new_shares.shares:
            view.allocation = new_shares_allocation(deal, dividend, view.new_shares.shares, tranches)
    return view


def dividends_for(deal) -> list:
    dividends = _of_deal(Dividend, deal)
    if not dividends:  # nothing to show: neither the ledger nor the years are read
        return []
    # The years only for a stock dividend whose new shares are still to come (new_shares_allocation).
    waiting = any(d.kind == Dividend.Kind.SHARES and not d.passed_at for d in dividends)
    ledger, tranches = _movements(deal), list(deal.tranches.order_by("year")) if waiting else None
    today = contract_today()
    return [dividend_view(d, ledger, today, tranches) for d in dividends]


@dataclass
class MeetingView:
    meeting: Meeting
    shares: int
    instruction: object  # the latest VotingInstruction or None
    instructions: list
    open: bool  # before the cut-off and no proxy lodged
    status: str

    def as_dict(self) -> dict:
        m = self.meeting
        return {
            "id": m.pk,
            "record_date": m.record_date.isoformat(),
            "meeting_date": m.meeting_date.isoformat(),
            "cut_off": m.cut_off.isoformat(),
            "resolutions": m.resolutions,
            "shares_in_escrow_at_record_date": self.shares,
            "instruction": {
                "choices": self.instruction.choices,
                "shares": self.instruction.shares,
                "given_at": self.instruction.given_at.isoformat(),
            }
            if self.instruction
            else None,
            "instructions_given": len(self.instructions),
            "proxy_lodged": {"date": m.lodged_on.isoformat(), "reference": m.lodged_reference} if m.lodged_at else None,
            "status": self.status,
            "clause": rules.CLAUSE,
        }


def meeting_view(meeting, ledger=None, now=None) -> MeetingView:
    now = now or contract_now()
    instructions = list(meeting.instructions.all())
    latest = instructions[-1] if instructions else None
    shares = in_escrow_on(meeting.deal, meeting.record_date, ledger)
    is_open = not meeting.lodged_at and now < meeting.cut_off
    if meeting.lodged_at:
        status = "proxy_lodged"
    elif is_open:
        status = "instructed" if latest else "awaiting_instruction"
    else:
        status = "instructed" if latest else "no_instruction"
    return MeetingView(meeting, shares, latest, instructions, is_open, status)


def meetings_for(deal) -> list:
    meetings = _of_deal(Meeting, deal)
    if not meetings:
        return []
    _with_instructions(meetings)
    ledger = _movements(deal)
    now = contract_now()
    return [meeting_view(m, ledger, now) for m in meetings]


# The deal's dividends and meetings, and the meetings' instructions, in their models' order (record date, meeting
# date, time given; then id): hand-written SQL built once per process (issue 13 item 1: the ORM built and compiled
# each query on every read of the page and the API). Each row's deal is the deal asked about, as the related
# manager sets it. tests/escrow/queries/test_holdings_ledger_sql.py compares them with the ORM reads they replaced.
_OF_DEAL = {
    model: f"SELECT {columns(model, 'x')} FROM {model._meta.db_table} x WHERE x.deal_id = %s ORDER BY "  # noqa: S608 (constant SQL)
    + ", ".join(f"x.{model._meta.get_field(name).column}" for name in model._meta.ordering)
    for model in (Dividend, Meeting)
}
_INSTRUCTIONS = (
    f"SELECT {columns(VotingInstruction, 'v')} FROM {VotingInstruction._meta.db_table} v"  # noqa: S608 (constant SQL)
    " WHERE v.meeting_id IN ({marks}) ORDER BY v.given_at, v.id"  # the model's order
)


def _of_deal(model, deal) -> list:
    load = loader(model)
    found = [load(row) for row in rows(_OF_DEAL[model], (deal.pk,))]
    for row in found:
        row.deal = deal
    return found


def _with_instructions(meetings):
    """Each meeting's `instructions.all()` answered from one read, as prefetch_related("instructions") leaves it."""
    by_meeting = {m.pk: [] for m in meetings}
    load = loader(VotingInstruction)
    marks = ", ".join(["%s"] * len(by_meeting))
    for row in rows(_INSTRUCTIONS.format(marks=marks), tuple(by_meeting)):
        instruction = load(row)
        by_meeting[instruction.meeting_id].append(instruction)
    for meeting in meetings:
        for instruction in by_meeting[meeting.pk]:
            instruction.meeting = meeting
        kept = VotingInstruction.objects.none()
        kept._result_cache, kept._prefetch_done = by_meeting[meeting.pk], True
        meeting.__dict__.setdefault("_prefetched_objects_cache", {})["instructions"] = kept
