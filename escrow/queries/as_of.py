"""The deal as of any past day (issue 14 item 1): the ledger and the history replayed up to the end of that day.

A contract date is a date in Asia/Shanghai (RULES.md "Deadlines"), so "as of 2026-06-30" means everything
recorded up to 2026-06-30 24:00 Beijing time (2026-06-30 16:00 UTC): an entry at 2026-12-01 01:00 Beijing
time belongs to 2026-12-01. Read-only; no writes, no locks.

The API (statements, issue 14 item 6, build on it):

- `deal_as_of(deal, day) -> DealSnapshot`: the snapshot (`deals_as_of(deal, days)`: one for each day, from one
  read of each table). `day` is a `date`; nothing checks its bounds
  here (a caller that takes the day from a person validates it first with `parse_as_of`).
- `parse_as_of(deal, raw, *, today=None) -> date | None`: the `as_of` query parameter of pages and the API.
  None for an absent or empty value; a date from the deal's creation (its Beijing date) to today's contract
  date; anything else raises `InvalidInput` whose message is in the active language.
- `end_of_day(day) -> datetime`: the aware instant that closes a contract date (exclusive bound).

Where each figure comes from (one query per table, whatever the length of the history: no N+1):

- balances (deposited, rebased, released, returned, in escrow) and each tranche's released and returned
  shares: the ledger (ShareMovement) rows recorded before the end of the day, counted by the one balance rule
  (escrow.models.ledger.balances_of). A movement is dated here by `recorded_at`, written in the same
  transaction as its history entry, so the balances agree with the states replayed beside them: this is the
  portal's record as it stood. The shares the agent legally held on a day (a dividend's or a meeting's record
  date, SPA 3.2) are another question, escrow.queries.holdings.in_escrow_on, which dates a movement by the
  transfer agent's date (TransferEvidence `transfer_date`) and a rebase by its effective date; both count with
  balances_of. They differ only while a fact is entered after the day it happened.
- the deal's and each tranche's state, audited revenue and release quantity: the deal's hash-chained history
  replayed (escrow.queries.reconcile.replay) over its entries up to the end of the day; a tranche with no
  state-changing entry yet is in its initial state, `scheduled` (the deal: `awaiting_deposit`).
- instruments and signatures: the instruments created by then, their status on that day (effective once
  their `effective_at` passed, superseded once the instrument replacing them existed), and the signatures
  made by then.
- holds (EA 3.3 disputes, SPA 8.1 suspensions, SPA 5.3 adjustments): those active at the end of the day,
  started on or before it and not ended on or before it (contract dates `started_on`, `ended_on`).
- the delay penalty (SPA 8.2, EA 5.2): the stored PenaltyDay rows of days on or before the day; per tranche
  the running total of its last such day, per liable party the sum of those days' capped `charged`
  amounts. Valuations are today's (a close entered later re-values past days: the figure is what those days
  are worth on today's prices, not what a page showed on that day).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from escrow.contract.errors import InvalidInput
from escrow.contract.numbers import InputProblem, parse_iso_date
from escrow.history.chain import chain_key_for
from escrow.models import (
    Deal,
    DealParty,
    HistoryAction,
    HistoryEntry,
    Hold,
    Instrument,
    PenaltyDay,
    ShareMovement,
    Signature,
    TrancheState,
)
from escrow.models.ledger import balances_of
from escrow.queries.clock import contract_today
from escrow.queries.deal_reads import tranches_of
from escrow.queries.reconcile import replay
from escrow.queries.rows import columns, loader, rows, width
from escrow.queries.rows import day as bound_day
from escrow.queries.rows import moment as bound_moment
from parties.models import Organisation, User

REPLAYED_FIELDS = ("seq", "at", "tranche_id", "action", "from_state", "to_state", "details", "actor_id")
PARTIES = ("issuer", "escrow_agent")  # SPA 8.2: the order totals per party are shown in (as the penalty pages)


def contract_zone() -> ZoneInfo:
    return ZoneInfo(settings.CONTRACT_TIME_ZONE)


def end_of_day(day: date) -> datetime:
    """The first instant after the contract date `day` (Asia/Shanghai): everything before it belongs to it."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=contract_zone())


def contract_date(moment: datetime) -> date:
    """The contract date (Asia/Shanghai) of an aware instant."""
    return timezone.localtime(moment, contract_zone()).date()


def first_day(deal) -> date:
    """The earliest day a snapshot can be asked for: the contract date the deal was created in the portal."""
    return contract_date(deal.created_at)


# --- validation of the `as_of` parameter (pages and API) ---


def parse_as_of(deal, raw, *, today=None) -> date | None:
    """The `as_of` query parameter: None when absent or empty, else a contract date from the deal's creation
    to today's contract date. Raises InvalidInput (message in the active language) for anything else."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        day = parse_iso_date(raw)
    except InputProblem as problem:
        raise InvalidInput(problem.translated(gettext).message) from None
    earliest, latest = first_day(deal), today or contract_today()
    if day < earliest:
        raise InvalidInput(
            gettext(
                "%(date)s is before the deal was created in the portal (%(earliest)s): choose a date from "
                "%(earliest)s to %(latest)s."
            )
            % {"date": day.isoformat(), "earliest": earliest.isoformat(), "latest": latest.isoformat()}
        )
    if day > latest:
        raise InvalidInput(
            gettext(
                "%(date)s is after today (%(latest)s, Beijing time): the deal can only be shown as it was, "
                "from %(earliest)s to %(latest)s."
            )
            % {"date": day.isoformat(), "earliest": earliest.isoformat(), "latest": latest.isoformat()}
        )
    return day


# --- the snapshot ---


@dataclass(frozen=True)
class Balances:
    """RULES.md invariant: in escrow + released + returned = deposited + rebased (a rebase for a split or
    consolidation, issue 14 item 4, signed: negative for a consolidation; or for a stock dividend, item 2), as
    ShareMovement's balances() counts it."""

    deposited: int = 0
    released: int = 0
    returned: int = 0
    rebased: int = 0

    @property
    def in_escrow(self) -> int:
        return self.as_dict()["in_escrow"]

    def as_dict(self) -> dict:
        return balances_of(
            {"deposit": self.deposited, "rebase": self.rebased, "release": self.released, "return": self.returned}
        )


@dataclass(frozen=True)
class SignatureAsOf:
    """A signature made by the end of the day (EA 3.1(b), EA 3.3, SPA 5.3)."""

    instrument_id: int
    party_role: str
    organisation: str
    signer: str
    signed_at: datetime

    def as_dict(self) -> dict:
        return {
            "instrument": self.instrument_id,
            "party_role": self.party_role,
            "organisation": self.organisation,
            "signer": self.signer,
            "signed_at": self.signed_at.isoformat(),
        }


@dataclass(frozen=True)
class InstrumentAsOf:
    """An instrument that existed by the end of the day, with its status and signatures on that day."""

    id: int
    kind: str
    quantity: int
    required_roles: tuple
    status: str  # Instrument.Status on that day
    created_at: datetime
    signatures: tuple = ()

    @property
    def kind_label(self):
        return Instrument.Kind(self.kind).label if self.kind in Instrument.Kind.values else self.kind

    @property
    def status_label(self):
        return Instrument.Status(self.status).label

    @property
    def signed_roles(self) -> list:
        return [s.party_role for s in self.signatures]

    @property
    def awaiting_roles(self) -> list:
        return [role for role in self.required_roles if role not in self.signed_roles]

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "quantity": self.quantity,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
            "required_roles": list(self.required_roles),
            "awaiting_roles": self.awaiting_roles,
            "signatures": [s.as_dict() for s in self.signatures],
        }


@dataclass(frozen=True)
class HoldAsOf:
    """A hold active at the end of the day: dispute (EA 3.3), suspension (SPA 8.1) or adjustment (SPA 5.3)."""

    id: int
    tranche_id: int
    kind: str
    kind_label: str
    reason: str
    started_on: date

    def as_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "reason": self.reason, "started_on": self.started_on.isoformat()}


@dataclass(frozen=True)
class PenaltyAsOf:
    """SPA 8.2: the capped penalty accrued for days on or before the snapshot's day."""

    total: Decimal = Decimal(0)
    cap: Decimal | None = None
    capped: bool = False
    accrued_through: date | None = None
    by_party: dict = field(default_factory=dict)  # liable party -> sum of the days' charged amounts
    liable_days: dict = field(default_factory=dict)  # liable party -> days of delay
    missing_price_days: int = 0

    def as_dict(self) -> dict:
        return {
            "total": str(self.total),
            "cap": None if self.cap is None else str(self.cap),
            "capped": self.capped,
            "accrued_through": self.accrued_through.isoformat() if self.accrued_through else None,
            "by_party": {party: str(amount) for party, amount in self.by_party.items()},
            "liable_days": dict(self.liable_days),
            "missing_price_days": self.missing_price_days,
        }


@dataclass(frozen=True)
class TrancheAsOf:
    """One tranche on the day: its state, figures as last recorded, movements, instruments, holds, penalty."""

    tranche: object  # the Tranche row, for what never changes (year, period, target); never its current state
    state: str
    audited_revenue: Decimal | None
    release_quantity: int | None
    released: int
    returned: int
    released_on: date | None
    instruments: tuple
    holds: tuple
    penalty: PenaltyAsOf

    @property
    def year(self) -> int:
        return self.tranche.year

    @property
    def state_label(self):
        return TrancheState(self.state).label if self.state in TrancheState.values else self.state

    @property
    def signatures(self) -> list:
        return [s for i in self.instruments for s in i.signatures]

    def as_dict(self) -> dict:
        return {
            "id": self.tranche.pk,
            "year": self.year,
            "state": self.state,
            "audited_revenue": None if self.audited_revenue is None else str(self.audited_revenue),
            "release_quantity": self.release_quantity,
            "released": self.released,
            "returned": self.returned,
            "released_on": self.released_on.isoformat() if self.released_on else None,
            "instruments": [i.as_dict() for i in self.instruments],
            "holds": [h.as_dict() for h in self.holds],
            "penalty": self.penalty.as_dict(),
        }


@dataclass(frozen=True)
class DealSnapshot:
    """The deal at the end of `day` (Beijing time). Read-only: nothing on it can be acted upon."""

    deal: object
    day: date
    state: str
    balances: Balances
    tranches: tuple
    penalty_by_party: dict = field(default_factory=dict)

    @property
    def end(self) -> datetime:
        return end_of_day(self.day)

    @property
    def state_label(self):
        return Deal.State(self.state).label if self.state in Deal.State.values else self.state

    @property
    def holds(self) -> list:
        return [h for t in self.tranches for h in t.holds]

    @property
    def signatures(self) -> list:
        return [s for t in self.tranches for s in t.signatures]

    @property
    def instrument_count(self) -> int:
        return sum(len(t.instruments) for t in self.tranches)

    @property
    def penalty_total(self) -> Decimal:
        return sum((t.penalty.total for t in self.tranches), Decimal(0))

    def tranche(self, year) -> TrancheAsOf | None:
        return next((t for t in self.tranches if t.year == year), None)

    def as_dict(self) -> dict:
        return {
            "as_of": self.day.isoformat(),
            "end_of_day": self.end.isoformat(),
            "state": self.state,
            "balances": self.balances.as_dict(),
            "penalty": {
                "total": str(self.penalty_total),
                "by_party": {party: str(amount) for party, amount in self.penalty_by_party.items()},
            },
            "tranches": [t.as_dict() for t in self.tranches],
        }


def deal_as_of(deal, day: date, *, tranches=None) -> DealSnapshot:
    """The deal at the end of contract date `day`: seven queries (tranches, ledger, history, instruments,
    signatures, holds, penalty days) whatever the number of entries. `tranches` may pass the deal's
    tranches already loaded (in year order)."""
    return deals_as_of(deal, (day,), tranches=tranches)[0]


def deals_as_of(deal, days, *, tranches=None) -> tuple:
    """The deal at the end of each of `days` (a DealSnapshot each, in the order given), from one read of each
    table up to the latest of them: the period statement's opening and closing cost the queries of one
    snapshot (issue 13 item 1). Each snapshot keeps only the rows recorded by the end of its own day."""
    tranches = list(tranches if tranches is not None else tranches_of(deal))
    ids = [t.pk for t in tranches]
    latest = max(days)
    movements = _movement_rows(deal, end_of_day(latest))
    entries = _entry_rows(deal, end_of_day(latest))
    instruments, signatures = _instrument_rows(ids, end_of_day(latest))
    holds = _hold_rows(ids, latest)
    penalties = _penalty_rows(ids, latest)
    return tuple(
        _snapshot(deal, day, tranches, movements, entries, instruments, signatures, holds, penalties) for day in days
    )


def _snapshot(deal, day, tranches, movements, entries, instruments, signatures, holds, penalties) -> DealSnapshot:
    """One day's snapshot from rows read up to that day or later: each kept only if recorded by the day's end."""
    end = end_of_day(day)
    deal_moves, tranche_moves = _movements([m for m in movements if m[2] < end])
    entries = [e for e in entries if e.at < end]
    history = replay(entries)
    instruments = _instruments(instruments, signatures, end, _withdrawn(entries))
    holds = _holds(holds, day)
    penalties, by_party = _penalties([row for row in penalties if row[1] <= day])
    rows = []
    for t in tranches:
        state = history.tranche_states.get(t.pk, (TrancheState.SCHEDULED, None))[0]
        revenue = history.revenues.get(t.pk, (None, None))[0]
        quantity = history.quantities.get(t.pk, (None, None))[0]
        moves = tranche_moves.get(t.pk, {})
        rows.append(
            TrancheAsOf(
                tranche=t,
                state=state,
                audited_revenue=None if revenue is None else Decimal(str(revenue)),
                release_quantity=quantity,
                released=moves.get(ShareMovement.Kind.RELEASE, 0),
                returned=moves.get(ShareMovement.Kind.RETURN, 0),
                released_on=t.released_on if state == TrancheState.RELEASED else None,
                instruments=tuple(instruments.get(t.pk, ())),
                holds=tuple(holds.get(t.pk, ())),
                penalty=penalties.get(t.pk, PenaltyAsOf()),
            )
        )
    return DealSnapshot(deal, day, history.deal_state, _balances(deal_moves), tuple(rows), by_party)


def _balances(deal_moves) -> Balances:
    return Balances(
        deposited=deal_moves.get(ShareMovement.Kind.DEPOSIT, 0),
        released=deal_moves.get(ShareMovement.Kind.RELEASE, 0),
        returned=deal_moves.get(ShareMovement.Kind.RETURN, 0),
        rebased=deal_moves.get(ShareMovement.Kind.REBASE, 0),
    )


@dataclass(frozen=True)
class PositionAsOf:
    """The deal's balances and each liable party's delay penalty at the end of `day`: the part of a DealSnapshot
    the period statement reads (its opening and closing), by the same rules and from the same rows."""

    day: date
    balances: Balances
    penalty_by_party: dict


def positions_as_of(deal, days, *, tranches=None, movements=None, penalties=None) -> tuple:
    """The balances and penalty by party at the end of each of `days` (a PositionAsOf each, in the order given):
    each the `balances` and `penalty_by_party` of `deals_as_of(deal, days)`, from its ledger and penalty-day reads
    only (two queries; issue 13 item 1: the period statement read the history, instruments, signatures and
    holds too, and used none of them). `movements` may pass the deal's ledger rows recorded before the end of
    the latest day, already read, as (kind, tranche id, recorded_at, quantity, ...) tuples; `penalties` the stored
    penalty days of its years up to the latest day, already read, as _penalty_rows gives them."""
    tranches = list(tranches if tranches is not None else tranches_of(deal))
    latest = max(days)
    if movements is None:
        movements = _movement_rows(deal, end_of_day(latest))
    if penalties is None:
        penalties = _penalty_rows([t.pk for t in tranches], latest)
    found = []
    for day in days:
        end = end_of_day(day)
        deal_moves, _ = _movements([m for m in movements if m[2] < end])
        _, by_party = _penalties([row for row in penalties if row[1] <= day])
        found.append(PositionAsOf(day, _balances(deal_moves), by_party))
    return tuple(found)


# --- one query each (up to the latest day), then kept day by day ---


# Each read is hand-written SQL built once per process (issue 13 item 1: built through the ORM they cost 11,000
# function calls a snapshot); the rows become objects through escrow.queries.rows (each field's converters), the
# same rows in the same order as the ORM queries they replaced (tests/escrow/queries/test_as_of_sql.py).
_MOVEMENTS = f"SELECT {columns(ShareMovement, 'm')} FROM {ShareMovement._meta.db_table} m WHERE m.deal_id = %s AND m.recorded_at < %s"  # noqa: E501, S608


def _movement_rows(deal, end) -> list:
    """(kind, tranche id, recorded_at, shares) of the deal's ledger rows recorded before `end`."""
    found = map(loader(ShareMovement), rows(_MOVEMENTS, (deal.pk, bound_moment(end))))
    return [(m.kind, m.tranche_id, m.recorded_at, m.quantity) for m in found]


_ENTRIES = (
    f"SELECT {columns(HistoryEntry, 'e')} FROM {HistoryEntry._meta.db_table} e"  # noqa: S608 (constant SQL)
    " JOIN escrow_historychain c ON c.id = e.chain_id WHERE c.key = %s AND e.at < %s ORDER BY e.seq"
)


def _entry_rows(deal, end) -> list:
    """The deal's own chain's entries made before `end`, in chain order."""
    return list(map(loader(HistoryEntry), rows(_ENTRIES, (chain_key_for(deal), bound_moment(end)))))


def _movements(rows):
    """({kind: shares} for the deal, {tranche id: {kind: shares}}) of these ledger rows."""
    by_deal, by_tranche = defaultdict(int), defaultdict(lambda: defaultdict(int))
    for kind, tranche_id, _at, quantity, *_ in rows:
        by_deal[kind] += quantity or 0
        if tranche_id is not None:
            by_tranche[tranche_id][kind] += quantity or 0
    return by_deal, by_tranche


def _withdrawn(entries) -> set:
    """Instruments superseded without a replacement by a report correction in these entries (issue 12 item 8:
    the REPORT_CORRECTED entry names the open instruments it superseded)."""
    withdrawn = set()
    for entry in entries:
        if entry.action == HistoryAction.REPORT_CORRECTED and isinstance(entry.details, dict):
            withdrawn.update(pk for pk in entry.details.get("instruments_superseded") or () if isinstance(pk, int))
    return withdrawn


_INSTRUMENTS = (
    f"SELECT {columns(Instrument, 'i')}, {columns(Instrument, 'n')} FROM escrow_instrument i"  # noqa: S608
    " LEFT JOIN escrow_instrument n ON n.id = i.superseded_by_id"
    " WHERE i.tranche_id IN ({ids}) AND i.created_at < %s ORDER BY i.created_at, i.id"
)
_SIGNATURES = (
    f"SELECT {columns(Signature, 'g')}, {columns(DealParty, 'p')}, {columns(Organisation, 'o')},"  # noqa: S608
    f" {columns(User, 'u')} FROM escrow_signature g JOIN escrow_dealparty p ON p.id = g.party_id"
    f" JOIN {Organisation._meta.db_table} o ON o.id = p.organisation_id"
    f" JOIN {User._meta.db_table} u ON u.id = g.signer_id"
    " WHERE g.instrument_id IN (SELECT x.id FROM escrow_instrument x WHERE x.tranche_id IN ({ids}))"
    " AND g.signed_at < %s ORDER BY g.signed_at, g.id"
)


def _instrument_rows(tranche_ids, end):
    """The instruments created before `end` (each with the instrument superseding it, if any) and the signatures
    made before it (two queries)."""
    if not tranche_ids:
        return [], []
    load, at = loader(Instrument), width(Instrument)
    instruments = []
    for row in rows(_INSTRUMENTS.format(ids=_marks(tranche_ids)), (*tranche_ids, bound_moment(end))):
        instrument = load(row)
        Instrument.superseded_by.field.set_cached_value(instrument, None if row[at] is None else load(row[at:]))
        instruments.append(instrument)
    load_signature, load_party, load_org, load_user = (
        loader(Signature),
        loader(DealParty),
        loader(Organisation),
        loader(User),
    )
    at_party = width(Signature)
    at_org, at_user = at_party + width(DealParty), at_party + width(DealParty) + width(Organisation)
    signatures = []
    for row in rows(_SIGNATURES.format(ids=_marks(tranche_ids)), (*tranche_ids, bound_moment(end))):
        signature, party, organisation = load_signature(row), load_party(row[at_party:]), load_org(row[at_org:])
        signer = str(load_user(row[at_user:]))
        signatures.append(
            SignatureAsOf(signature.instrument_id, party.role, organisation.name, signer, signature.signed_at)
        )
    return instruments, signatures


def _marks(ids) -> str:
    """One placeholder per id: an IN list both PostgreSQL and SQLite take."""
    return ", ".join(["%s"] * len(ids))


def _instruments(instruments, signatures, end, withdrawn=frozenset()) -> dict:
    """{tranche id: [InstrumentAsOf]} of the instruments created before `end`, with their signatures then."""
    signed = defaultdict(list)
    for s in signatures:
        if s.signed_at < end:
            signed[s.instrument_id].append(s)
    found = defaultdict(list)
    for i in instruments:
        if i.created_at >= end:
            continue
        found[i.tranche_id].append(
            InstrumentAsOf(
                id=i.pk,
                kind=i.kind,
                quantity=i.quantity,
                required_roles=tuple(i.required_roles or ()),
                status=_status_then(i, end, withdrawn),
                created_at=i.created_at,
                signatures=tuple(signed.get(i.pk, ())),
            )
        )
    return found


def _status_then(instrument, end, withdrawn) -> str:
    """An instrument's status at `end`: superseded once its replacement existed or a report correction by
    then withdrew it, effective once the last required signature was in (`effective_at`), else open."""
    replacement = instrument.superseded_by
    if (replacement is not None and replacement.created_at < end) or instrument.pk in withdrawn:
        return Instrument.Status.SUPERSEDED
    if instrument.effective_at is not None and instrument.effective_at < end:
        return Instrument.Status.EFFECTIVE
    return Instrument.Status.OPEN


_HOLDS = (
    f"SELECT {columns(Hold, 'h')} FROM {Hold._meta.db_table} h"  # noqa: S608 (constant SQL)
    " WHERE h.tranche_id IN ({ids}) AND h.started_on <= %s ORDER BY h.started_at, h.id"
)


def _hold_rows(tranche_ids, day) -> list:
    """The holds started on or before `day`."""
    if not tranche_ids:
        return []
    return list(map(loader(Hold), rows(_HOLDS.format(ids=_marks(tranche_ids)), (*tranche_ids, bound_day(day)))))


def _holds(rows, day) -> dict:
    """{tranche id: [HoldAsOf]} of the holds active at the end of `day`."""
    found = defaultdict(list)
    for hold in rows:
        if hold.started_on > day or (hold.ended_on is not None and hold.ended_on <= day):
            continue
        found[hold.tranche_id].append(
            HoldAsOf(hold.pk, hold.tranche_id, hold.kind, hold.get_kind_display(), hold.reason, hold.started_on)
        )
    return found


def _penalty_rows(tranche_ids, day) -> list:
    """The stored penalty days on or before `day`, by tranche and day."""
    if not tranche_ids:
        return []
    found = map(loader(PenaltyDay), rows(_PENALTY_DAYS.format(ids=_marks(tranche_ids)), (*tranche_ids, bound_day(day))))
    return [
        (p.tranche_id, p.day, p.liable, p.missing_price, p.charged, p.running_total, p.cap, p.capped) for p in found
    ]


_PENALTY_DAYS = (
    f"SELECT {columns(PenaltyDay, 'd')} FROM {PenaltyDay._meta.db_table} d"  # noqa: S608 (constant SQL)
    " WHERE d.tranche_id IN ({ids}) AND d.day <= %s ORDER BY d.tranche_id, d.day"
)


def _penalties(rows):
    """({tranche id: PenaltyAsOf}, {party: charged}) over these stored days, in one pass."""
    per_tranche, by_party = {}, defaultdict(Decimal)
    sums = defaultdict(lambda: {"by_party": defaultdict(Decimal), "days": defaultdict(int), "missing": 0})
    last = {}
    for tranche_id, the_day, liable, missing, charged, running_total, cap, capped in rows:
        last[tranche_id] = (the_day, running_total, cap, capped)
        if not liable:
            continue
        s = sums[tranche_id]
        s["days"][liable] += 1
        if missing:
            s["missing"] += 1
            continue
        s["by_party"][liable] += charged or Decimal(0)
        by_party[liable] += charged or Decimal(0)
    for tranche_id, (the_day, running_total, cap, capped) in last.items():
        s = sums[tranche_id]
        per_tranche[tranche_id] = PenaltyAsOf(
            total=running_total,
            cap=cap,
            capped=capped,
            accrued_through=the_day,
            by_party=_in_order(s["by_party"]),
            liable_days=_in_order(s["days"]),
            missing_price_days=s["missing"],
        )
    return per_tranche, _in_order(by_party)


def _in_order(by_party) -> dict:
    rank = {party: i for i, party in enumerate(PARTIES)}
    return dict(sorted(by_party.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0])))


__all__ = [
    "Balances",
    "DealSnapshot",
    "HoldAsOf",
    "InstrumentAsOf",
    "PenaltyAsOf",
    "PositionAsOf",
    "SignatureAsOf",
    "TrancheAsOf",
    "contract_date",
    "deal_as_of",
    "deals_as_of",
    "end_of_day",
    "first_day",
    "parse_as_of",
    "positions_as_of",
]
