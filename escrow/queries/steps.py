"""Reads for pages, API and tasks: what is due, from whom, by when. No writes here."""

from dataclasses import dataclass, replace
from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from escrow.contract.calendar import deposit_due
from escrow.models import (
    Deal,
    DealParty,
    HistoryAction,
    HistoryEntry,
    Instrument,
    Role,
    Signature,
    Tranche,
    TrancheState,
)
from escrow.notifications.texts import Text
from escrow.queries.clock import calendar_for, provisional_deadline, transfer_provisional
from escrow.queries.deals import viewer_party
from escrow.queries.rows import columns, loader, rows, width

S = TrancheState
CONFIRM_DEPOSIT = _("Confirm the consideration shares were issued in the agent's name")
# Issue 12 item 4: what happened, and when, once nothing is left to do. Days are ISO 8601 (YYYY-MM-DD).
RELEASED = _("Released %(shares)s shares on %(day)s")
RELEASED_AND_CLOSED = _(
    "Released %(shares)s shares on %(day)s; the escrow closed on %(closed)s and %(returned)s shares went back "
    "to the issuer for cancellation"
)
CLOSED = _("The escrow closed on %(day)s: %(shares)s shares went back to the issuer for cancellation")


@dataclass(frozen=True)
class NextStep:
    """Who must act next on a tranche or deal, what they must do, by when, under which clause."""

    roles: tuple
    action: str  # a ROLE_ACTIONS key, or "" when nobody can act (e.g. waiting for the year to end)
    description: object  # lazy: str() renders it in the reader's language (a page, the API, a reminder)
    due: date | None
    clause: str
    # P6: an escrow.queries.clock.ProvisionalDeadline when `due` is a business-day deadline counted over a
    # year whose holiday notice is not in the calendar yet (its `reason` says so); None when `due` is firm.
    provisional: object = None
    # Issue 12 item 4: nothing is left to do (released, or the escrow closed); `description` says what happened
    # and when, and `due` is None: a past date is no deadline.
    done: bool = False


def next_step_for_deal(deal, cal=None) -> NextStep | None:
    if deal.state == Deal.State.CLOSED:
        return NextStep(
            (),
            "",
            Text(CLOSED, day=_closing(deal, "day"), shares=_closing(deal, "shares")),
            None,
            "SPA 5.2(1)",
            done=True,
        )
    if deal.state == Deal.State.AWAITING_DEPOSIT:
        cal = cal or calendar_for(deal)
        due = deposit_due(deal.effective_date, cal).due
        provisional = provisional_deadline(cal, deal.effective_date, due, deadline="deposit_due", clause="EA 1.1")
        return NextStep((Role.ESCROW_AGENT,), "confirm_deposit", CONFIRM_DEPOSIT, due, "EA 1.1", provisional)
    return None


def next_step(tranche, *, signed_roles=None, cal=None) -> NextStep:
    """The one next step of a tranche, from its state (DESIGN.md "The life of a tranche"). `cal`: the deal's
    calendar when the caller has it (a list of many deals), for the EA 3.2 deadline's provisional mark."""
    state = tranche.state
    if state == S.SCHEDULED:
        return NextStep(
            (), "", Text(_("Assessment year ends on %(day)s"), day=tranche.period_end), tranche.period_end, "SPA 1.4"
        )
    if state in DEADLINE_STATES:
        step = deadline_step(
            state,
            requires_settlement=state == S.AWAITING_INSTRUCTION
            and bool(tranche.calculation.get("requires_settlement")),
            signed_roles=signed_roles or (),
            release_due_date=tranche.release_due_date,
            transfer_due_date=tranche.transfer_due_date,
        )
        if state in (S.INSTRUCTED, S.RELEASE_PREPARED):
            return replace(step, provisional=transfer_provisional(tranche, cal))
        return step
    if state == S.DISPUTED:
        return NextStep(
            (Role.ISSUER, Role.PURCHASER, Role.SELLER, Role.ESCROW_AGENT),
            "propose_settlement",
            _("Settle the dispute in writing, signed by all parties, or file an award"),
            None,
            "EA 3.3",
        )
    if state == S.SUSPENDED:
        return NextStep(
            (Role.ISSUER,), "lift_suspension", _("Lift the suspension when the breach is resolved"), None, "SPA 8.1"
        )
    if state == S.RELEASED:
        return _released(tranche)
    # REPORT_FILED lasts inside the filing's transaction only (the quantity is computed at once, SPA 5.2).
    return NextStep((), "", _("The quantity is being computed"), None, "SPA 5.2")


# The steps that have a deadline (a tranche awaiting a party's action), for `deadline_step`. Their descriptions are
# made once: a sweep renders thousands of them, one string per language (issue 13 item 4).
FILE_REPORT = _("File the audited revenue report")
SIGN_SETTLEMENT = _("Agree and sign a settlement of the partial quantity (P5)")
SIGN_JOINT_INSTRUCTION = _("Sign the joint written instruction")
PREPARE_RELEASE = _("Prepare the transfer (officer 1)")
APPROVE_RELEASE = _("Approve the transfer (a second, different officer)")
DEADLINE_STATES = (S.AWAITING_REPORT, S.AWAITING_INSTRUCTION, S.INSTRUCTED, S.RELEASE_PREPARED)


def deadline_step(state, *, requires_settlement, signed_roles, release_due_date, transfer_due_date) -> NextStep:
    """The next step of a tranche in one of DEADLINE_STATES, from plain column values (the sweep reads rows, not
    model objects: issue 13 item 4); `next_step` adds the EA 3.2 deadline's provisional mark, which needs the
    deal's calendar. `signed_roles`: the roles that signed the open joint instruction."""
    if state == S.AWAITING_REPORT:
        return NextStep((Role.AUDITOR,), "file_report", FILE_REPORT, release_due_date, "SPA 4.2, EA 3.1(a)")
    if state == S.AWAITING_INSTRUCTION:
        if requires_settlement:
            return NextStep(
                (Role.ISSUER, Role.PURCHASER, Role.SELLER, Role.ESCROW_AGENT),
                "sign_settlement",
                SIGN_SETTLEMENT,
                release_due_date,
                "EA 3.1(a), EA 3.3",
            )
        missing = tuple(r for r in (Role.ISSUER, Role.PURCHASER) if r not in signed_roles)
        return NextStep(
            missing, "sign_joint_instruction", SIGN_JOINT_INSTRUCTION, release_due_date, "EA 3.1(b), SPA 5.1"
        )
    if state == S.INSTRUCTED:
        return NextStep((Role.ESCROW_AGENT,), "prepare_release", PREPARE_RELEASE, transfer_due_date, "EA 3.2")
    if state == S.RELEASE_PREPARED:
        return NextStep((Role.ESCROW_AGENT,), "approve_release", APPROVE_RELEASE, transfer_due_date, "EA 3.2")
    raise ValueError(f"{state!r} has no deadline step")


def _released(tranche) -> NextStep:
    """Issue 12 item 4: a released year has nothing left to do; it says what was released and when, and once
    the escrow has closed, what went back for cancellation (SPA 5.2(1))."""
    shares, day = f"{tranche.release_quantity or 0:,}", tranche.released_on
    deal = tranche.deal
    if deal.state == Deal.State.CLOSED:
        text = Text(
            RELEASED_AND_CLOSED,
            shares=shares,
            day=day,
            closed=_closing(deal, "day"),
            returned=_closing(deal, "shares"),
        )
        return NextStep((), "", text, None, "EA 3.2, SPA 5.2(1)", done=True)
    return NextStep((), "", Text(RELEASED, shares=shares, day=day), None, "EA 3.2", done=True)


def closing_of(deal):
    """The history entry of the escrow's end (SPA 5.2(1)), read once per deal object; None before it."""
    if "_closing_entry" not in deal.__dict__:
        deal._closing_entry = (
            HistoryEntry.objects.filter(deal=deal, action=HistoryAction.RETURNED_FOR_CANCELLATION)
            .order_by("seq")
            .last()
        )
    return deal._closing_entry


def _closing_part(deal, part) -> str:
    entry = closing_of(deal)
    if entry is None:
        return "—"
    if part == "day":
        return str(timezone.localtime(entry.at, ZoneInfo(settings.CONTRACT_TIME_ZONE)).date())
    return f"{(entry.details or {}).get('quantity', 0):,}"


# Read only when a text is shown, so listing many closed deals' years asks nothing of the history.
_closing = lazy(_closing_part, str)


def open_instruments(tranche):
    return tranche.instruments.filter(status=Instrument.Status.OPEN).prefetch_related("signatures__party")


def tranches_with_context(deals):
    """Tranches of the given deals with what next_step needs, in a fixed number of queries."""
    # Each tranche's open instruments in the model's order within a tranche (created_at): sorting by its
    # "tranche" first would join the tranche and the deal to sort rows that the prefetch groups by tranche anyway.
    signatures = Prefetch(
        "instruments",
        queryset=Instrument.objects.filter(status=Instrument.Status.OPEN)
        .prefetch_related("signatures__party")
        .order_by("created_at"),
        to_attr="open_instruments",
    )
    return Tranche.objects.filter(deal__in=deals).select_related("deal").prefetch_related(signatures)


def tranches_of(deal) -> list:
    """`tranches_with_context([deal]).order_by("year")` for one deal, read with hand-written SQL built once per
    process (issue 13 item 1: the ORM built and compiled the three prefetching queries on every read of
    /api/deals/<ref>/tranches/): the deal's years, their open instruments in the order they were created, and
    those instruments' signatures with each signing party. Each year's deal is the deal asked about (the
    select_related deal, the same row). tests/escrow/queries/test_tranches_of_sql.py compares the two."""
    load = loader(Tranche)
    tranches = [load(row) for row in rows(_TRANCHES_SQL, (deal.pk,))]
    by_tranche = {t.pk: [] for t in tranches}
    for t in tranches:
        t.deal = deal
    if by_tranche:
        load = loader(Instrument)
        marks = ", ".join(["%s"] * len(by_tranche))
        found = rows(_OPEN_INSTRUMENTS_SQL.format(marks=marks), (Instrument.Status.OPEN, *by_tranche))
        for row in found:
            instrument = load(row)
            by_tranche[instrument.tranche_id].append(instrument)
    for t in tranches:
        t.open_instruments = by_tranche[t.pk]
    _with_signatures([i for t in tranches for i in t.open_instruments])
    return tranches


def _with_signatures(instruments):
    """Each instrument's `signatures.all()` with every signature's party, from one read, as
    prefetch_related("signatures__party") leaves them."""
    signatures = {i.pk: [] for i in instruments}
    if signatures:
        signature, party = loader(Signature), loader(DealParty)
        marks = ", ".join(["%s"] * len(signatures))
        for row in rows(_SIGNATURES_SQL.format(marks=marks), tuple(signatures)):
            s = signature(row)
            s.party = party(row[_AT_PARTY:])
            signatures[s.instrument_id].append(s)
    for instrument in instruments:
        kept = Signature.objects.none()
        kept._result_cache, kept._prefetch_done = signatures[instrument.pk], True
        instrument.__dict__.setdefault("_prefetched_objects_cache", {})["signatures"] = kept


_TRANCHES_SQL = f"SELECT {columns(Tranche, 't')} FROM {Tranche._meta.db_table} t WHERE t.deal_id = %s ORDER BY t.year"  # noqa: S608 (constant SQL)
_OPEN_INSTRUMENTS_SQL = (
    f"SELECT {columns(Instrument, 'i')} FROM {Instrument._meta.db_table} i"  # noqa: S608 (constant SQL)
    " WHERE i.status = %s AND i.tranche_id IN ({marks}) ORDER BY i.created_at"
)
_SIGNATURES_SQL = (
    f"SELECT {columns(Signature, 's')}, {columns(DealParty, 'p')} FROM {Signature._meta.db_table} s"  # noqa: S608 (constant SQL)
    f" JOIN {DealParty._meta.db_table} p ON p.id = s.party_id"
    " WHERE s.instrument_id IN ({marks}) ORDER BY s.signed_at"  # the model's order
)
_AT_PARTY = width(Signature)


def signed_roles_of(tranche):
    instruments = getattr(tranche, "open_instruments", None)
    if instruments is None:
        instruments = list(open_instruments(tranche))
    return {
        s.party.role for i in instruments if i.kind == Instrument.Kind.JOINT_INSTRUCTION for s in i.signatures.all()
    }


class CalendarCache:
    """calendar_for, asked once per calendar code while one page or reply lists many deals (the shared
    cache is then read once per code, not once per deal)."""

    def __init__(self):
        self._by_code = {}

    def get(self, deal):
        if deal.calendar not in self._by_code:
            self._by_code[deal.calendar] = calendar_for(deal)
        return self._by_code[deal.calendar]


def role_on(user, deal):
    party = viewer_party(user, deal)  # the party escrow.queries.deals.deal_for kept for this person
    return party.role if party else None
