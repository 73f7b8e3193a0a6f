"""The seller's release statement (issue 12 item 8): per released year the quantity released, the calculation
in brief, the transfer agent's record (reference, date, agent, account, confirmation) and the shares still in
escrow after it; then the position on the day of the statement. Read from the ledger, the tranches and the
transfer evidence only (escrow.queries.transfers), rendered by escrow.documents.statement."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from escrow.contract.errors import InvalidInput
from escrow.contract.numbers import InputProblem, parse_iso_date
from escrow.documents import statement
from escrow.documents.facts import both, parties_of
from escrow.models import Deal, Role, ShareMovement, TrancheState
from escrow.notifications.notify import people_in_roles
from escrow.notifications.texts import Text
from escrow.queries.as_of import end_of_day, first_day, positions_as_of
from escrow.queries.clock import contract_today
from escrow.queries.fees import may_read_invoice
from escrow.queries.quantities import consideration_today
from escrow.queries.statement_reads import RIGHTS, statement_reads
from escrow.queries.steps import next_step
from escrow.queries.transfers import TransferRecord, release_record
from parties.language import language_of


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
    total_shares: int  # the agreement's consideration (SPA 1.1), as the calculation states it
    consideration_today: int  # the same on today's basis: deposited + rebased in the ledger (issue 14 item 2)
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
        consideration_today=consideration_today(deal),
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
        # Signed as it changes the shares in escrow: a rebase is signed already (issue 14 items 2, 4).
        balance += -quantity if kind in (ShareMovement.Kind.RELEASE, ShareMovement.Kind.RETURN) else quantity
        if kind == ShareMovement.Kind.RELEASE:
            after[tranche_id] = balance
    return after


def _balance_on(deal, tranche):
    moved = ShareMovement.objects.filter(deal=deal)
    if tranche.released_on:
        moved = moved.filter(recorded_at__date__lte=tranche.released_on)
    return moved.balances()["in_escrow"]


# --- issue 14 item 6: the statement per party and period ---
#
# `statement_for(deal, party_role, start, end) -> PeriodStatement`: what one party reads about a period of contract
# dates (Asia/Shanghai, both ends included). The positions at the start (the end of the day before `start`) and at
# the end come from escrow.queries.as_of.positions_as_of (the balances and penalty of deals_as_of); the movements
# are the ledger rows recorded in between (the same `recorded_at` rule as the snapshot), so opening in escrow + the
# movements = closing in escrow, to the share (RULES.md invariant; a rebase is signed). What is shown beside the
# positions depends on the role (SPA 9):
# - every role: the positions, the movements and the releases with their deductions and offsets (SPA 5.1, 5.2);
# - dividends passed through and votes instructed (SPA 3.2, EA 1.3): the seller whose rights they are, the escrow
#   agent who passes them through and lodges the proxy, and compliance;
# - the delay penalty accrued in the period (SPA 8.2): each liable party its own, the seller (to whom it is owed)
#   and compliance every party's;
# - escrow fee invoices issued or paid in the period (EA 4.4): as escrow.queries.fees.may_read_invoice allows;
# - upcoming deadlines after `end`: each open tranche's next step (as today), the fee invoices still unpaid and,
#   for the roles that see votes, the meetings' cut-offs.

STATEMENT_ROLES = (Role.ISSUER, Role.PURCHASER, Role.SELLER, Role.ESCROW_AGENT, Role.COMPLIANCE)
RIGHTS_READERS = frozenset({Role.SELLER, Role.ESCROW_AGENT, Role.COMPLIANCE})  # SPA 3.2, EA 1.3
PENALTY_READERS = frozenset({Role.SELLER, Role.COMPLIANCE})  # every liable party's share (SPA 8.2)


@dataclass(frozen=True)
class StatementMovement:
    recorded_at: datetime  # Beijing time
    kind: str
    year: int | None
    quantity: int  # signed as it changes the shares in escrow: + deposit, + or - rebase, - release, - return
    reference: str

    @property
    def kind_label(self):
        return ShareMovement.Kind(self.kind).label

    def as_dict(self) -> dict:
        return {
            "recorded_at": self.recorded_at.isoformat(),
            "kind": self.kind,
            "year": self.year,
            "change_in_escrow": self.quantity,
            "reference": self.reference,
        }


@dataclass(frozen=True)
class StatementRelease:
    year: int
    released_on: date | None
    released: int  # the ledger's release movements of the year in the period
    own_release: int | None  # SPA 5.2 as calculated
    deducted: int | None  # SPA 5.2(1): withheld for the shortfall
    offsets: dict  # SPA 5.2(2): earlier year -> shares released now by this year's excess
    reference: str

    def as_dict(self) -> dict:
        return {
            "year": self.year,
            "released_on": self.released_on.isoformat() if self.released_on else None,
            "released": self.released,
            "own_release": self.own_release,
            "deducted": self.deducted,
            "offsets": {str(k): v for k, v in self.offsets.items()},
            "reference": self.reference,
        }


@dataclass(frozen=True)
class StatementDeadline:
    due: date
    what: object  # lazy text: rendered in the reader's language
    clause: str
    year: int | None = None

    def as_dict(self) -> dict:
        return {"due": self.due.isoformat(), "what": str(self.what), "clause": self.clause, "year": self.year}


@dataclass(frozen=True)
class PeriodStatement:
    deal: object
    role: str
    start: date
    end: date
    opening: object  # escrow.queries.as_of.PositionAsOf at the end of start - 1
    closing: object  # ... at the end of `end`
    movements: tuple
    releases: tuple
    dividends: tuple  # Dividend rows passed through in the period (RIGHTS_READERS only)
    instructions: tuple  # VotingInstruction rows given in the period (RIGHTS_READERS only)
    proxies: tuple  # Meeting rows whose proxy was lodged in the period (RIGHTS_READERS only)
    penalty: dict  # liable party -> accrued in the period (capped charged amounts)
    invoices_issued: tuple
    invoices_paid: tuple
    deadlines: tuple
    # The deal's years, by year, as the statement read them (the page's release periods read them too); no output.
    tranches: tuple = field(default=(), repr=False, compare=False)

    @property
    def moved(self) -> int:
        return sum(m.quantity for m in self.movements)

    @property
    def reconciles(self) -> bool:
        return self.opening.balances.in_escrow + self.moved == self.closing.balances.in_escrow

    def as_dict(self) -> dict:
        return {
            "deal": self.deal.slug,
            "party_role": self.role,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "opening": self.opening.balances.as_dict(),
            "closing": self.closing.balances.as_dict(),
            "reconciles": self.reconciles,
            "movements": [m.as_dict() for m in self.movements],
            "releases": [r.as_dict() for r in self.releases],
            "dividends": [
                {
                    "id": d.pk,
                    "kind": d.kind,
                    "record_date": d.record_date.isoformat(),
                    "passed_on": d.passed_on.isoformat(),
                    "amount": str(d.paid_amount) if d.paid_amount is not None else None,
                    "withheld": str(d.withholding_amount) if d.withholding_amount is not None else None,
                    "currency": d.currency,
                    "reference": d.pass_reference,
                }
                for d in self.dividends
            ],
            "votes_instructed": [
                {
                    "meeting": i.meeting_id,
                    "meeting_date": i.meeting.meeting_date.isoformat(),
                    "given_at": i.given_at.isoformat(),
                    "shares": i.shares,
                    "choices": i.choices,
                }
                for i in self.instructions
            ],
            "proxies_lodged": [
                {"meeting": m.pk, "lodged_on": m.lodged_on.isoformat(), "reference": m.lodged_reference}
                for m in self.proxies
            ],
            "penalty_accrued": {party: str(amount) for party, amount in self.penalty.items()},
            "penalty_currency": self.deal.price_currency,
            "fees_invoiced": [_invoice_dict(i) for i in self.invoices_issued],
            "fees_paid": [_invoice_dict(i) for i in self.invoices_paid],
            "upcoming_deadlines": [d.as_dict() for d in self.deadlines],
        }


def _invoice_dict(invoice) -> dict:
    return {
        "number": invoice.number,
        "year": invoice.year,
        "issued_on": invoice.issued_on.isoformat(),
        "amount": str(invoice.amount),
        "currency": invoice.currency,
        "due_on": invoice.due_on.isoformat(),
        "paid_on": invoice.paid_on.isoformat() if invoice.paid_on else None,
        "payer": invoice.payer,
    }


SIGNS = {
    ShareMovement.Kind.DEPOSIT: 1,
    ShareMovement.Kind.REBASE: 1,
    ShareMovement.Kind.RELEASE: -1,
    ShareMovement.Kind.RETURN: -1,
}


def statement_for(deal, party_role, start: date, end: date, *, tranches=None) -> PeriodStatement:
    """The statement of `party_role` on `deal` for the contract dates `start` to `end` (both included).
    `tranches` may pass the deal's tranches already read, in year order."""

    beijing = ZoneInfo(settings.CONTRACT_TIME_ZONE)
    since, until = end_of_day(start - timedelta(days=1)), end_of_day(end)
    sees_rights = party_role in RIGHTS_READERS
    # One query (escrow.queries.statement_reads): the years unless passed; the ledger up to the end (the positions
    # count all of it, the movements are the period's part) and the penalty days up to it; the dividends and votes
    # for those who see them; the fee invoices.
    kinds = ("ledger", "penalty_days", "invoices", *(() if tranches is not None else ("tranches",)))
    kinds += RIGHTS if sees_rights else ()
    read = statement_reads(deal, start=start, end=end, since=since, until=until, kinds=kinds)
    tranches = list(tranches if tranches is not None else read["tranches"])
    ledger = [(m.kind, m.tranche_id, m.recorded_at, m.quantity, m.reference) for m in read["ledger"]]
    penalty_days = [
        (p.tranche_id, p.day, p.liable, p.missing_price, p.charged, p.running_total, p.cap, p.capped)
        for p in read["penalty_days"]
    ]
    opening, closing = positions_as_of(
        deal, (start - timedelta(days=1), end), tranches=tranches, movements=ledger, penalties=penalty_days
    )
    rows = [m for m in ledger if m[2] >= since]
    years = {t.pk: t.year for t in tranches}
    movements = tuple(
        StatementMovement(
            recorded_at.astimezone(beijing),
            kind,
            years[tranche_id] if tranche_id else None,
            SIGNS[kind] * quantity,
            reference,
        )
        for kind, tranche_id, recorded_at, quantity, reference in rows
    )
    releases = _releases(tranches, rows, start, end)
    dividends = instructions = proxies = unlodged = ()
    if sees_rights:
        # The meetings: those whose proxy was lodged in the period, and those not lodged yet (whose cut-off may be
        # a deadline ahead).
        dividends, instructions, meetings = tuple(read["dividends"]), tuple(read["instructions"]), read["meetings"]
        in_period = (m for m in meetings if m.lodged_on is not None and start <= m.lodged_on <= end)
        proxies = tuple(sorted(in_period, key=lambda m: m.lodged_on))
        unlodged = sorted((m for m in meetings if m.lodged_at is None), key=lambda m: m.cut_off)
    accrued = {
        party: closing.penalty_by_party.get(party, Decimal(0)) - opening.penalty_by_party.get(party, Decimal(0))
        for party in {*closing.penalty_by_party, *opening.penalty_by_party}
    }
    penalty = {
        party: amount
        for party, amount in sorted(accrued.items())
        if amount and (party_role in PENALTY_READERS or party == party_role)
    }
    invoices = [i for i in read["invoices"] if may_read_invoice(i, party_role)]
    issued = tuple(i for i in invoices if start <= i.issued_on <= end)
    paid = tuple(i for i in invoices if i.paid_on and start <= i.paid_on <= end)
    deadlines = _deadlines(tranches, invoices, end, unlodged)
    return PeriodStatement(
        deal,
        party_role,
        start,
        end,
        opening,
        closing,
        movements,
        releases,
        dividends,
        instructions,
        proxies,
        penalty,
        issued,
        paid,
        deadlines,
        tuple(tranches),
    )


def _releases(tranches, rows, start, end) -> tuple:
    """The years released in the period: a release movement recorded in it, or (a release of no shares moves
    nothing) the portal's release date in it. Deductions and offsets as the tranche's calculation stored them."""
    moved = defaultdict(int)
    for kind, tranche_id, _at, quantity, _reference in rows:
        if kind == ShareMovement.Kind.RELEASE and tranche_id:
            moved[tranche_id] += quantity
    found = []
    for t in tranches:
        in_period = t.pk in moved or (
            t.state == TrancheState.RELEASED and t.released_on and start <= t.released_on <= end
        )
        if not in_period:
            continue
        c = t.calculation or {}
        found.append(
            StatementRelease(
                year=t.year,
                released_on=t.released_on,
                released=moved.get(t.pk, 0),
                own_release=_int_or_none(c.get("own_release")),
                deducted=_int_or_none(c.get("deducted")),
                offsets={int(y): int(n) for y, n in (c.get("offset_shares") or {}).items() if int(n)},
                reference=t.transfer_reference,
            )
        )
    return tuple(found)


def _int_or_none(value):
    return None if value is None else int(value)


def _deadlines(tranches, invoices, end, unlodged) -> tuple:
    """What is due after `end`: each open tranche's next step, the unpaid fee invoices and the cut-offs of the
    meetings not lodged yet (`unlodged`, in cut-off order; empty for a role that does not see votes)."""
    found = []
    for t in tranches:
        if t.state == TrancheState.RELEASED:
            continue
        step = next_step(t)
        if step.due and step.due > end:
            found.append(StatementDeadline(step.due, step.description, step.clause, t.year))
    for i in invoices:
        if not i.paid_on and i.due_on > end:
            found.append(
                StatementDeadline(i.due_on, Text(_("Pay escrow fee invoice %(number)s"), number=i.number), "EA 4.4")
            )
    if unlodged:
        beijing = ZoneInfo(settings.CONTRACT_TIME_ZONE)
        for m in unlodged:
            cut_off = m.cut_off.astimezone(beijing).date()
            if cut_off > end:
                found.append(
                    StatementDeadline(
                        cut_off,
                        Text(_("Voting instructions for the meeting of %(day)s"), day=m.meeting_date),
                        "SPA 3.2, EA 1.3",
                    )
                )
    return tuple(sorted(found, key=lambda d: (d.due, d.year or 0)))


def last_full_month(today: date) -> tuple[date, date]:
    """The default period: the last full calendar month before `today` (contract dates, Beijing)."""
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def parse_period(raw_start, raw_end, *, today=None) -> tuple[date, date]:
    """The `start` and `end` query parameters of the statement page and API: ISO dates, start on or before end,
    end not after today (Beijing). Both absent: the last full calendar month. Raises InvalidInput (message in
    the active language) for anything else."""
    today = today or contract_today()
    blank = [v is None or (isinstance(v, str) and not v.strip()) for v in (raw_start, raw_end)]
    if all(blank):
        return last_full_month(today)
    if any(blank):
        raise InvalidInput(gettext("Give both the first and the last day of the period, or neither."))
    try:
        start, end = parse_iso_date(raw_start), parse_iso_date(raw_end)
    except InputProblem as problem:
        raise InvalidInput(problem.translated(gettext).message) from None
    if start > end:
        raise InvalidInput(gettext("The period's first day must be on or before its last day."))
    if end > today:
        raise InvalidInput(
            gettext("%(date)s is after today (%(today)s, Beijing time): a statement covers days that have passed.")
            % {"date": end.isoformat(), "today": today.isoformat()}
        )
    return start, end


# --- the statement in the reader's words (the page, the CSV and the PDF read the same sections) ---


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    header: list
    rows: list
    empty: str = ""


def statement_heading(s: PeriodStatement) -> list:
    """The statement's first lines, in the reader's language."""
    from escrow.contract.moments import beijing_clock
    from escrow.queries.history_words import role_label
    from escrow.queries.words import shares_text
    from parties.language import in_language

    deal = s.deal
    opening, closing = s.opening.balances.in_escrow, s.closing.balances.in_escrow
    return [
        gettext("Statement of %(deal)s for %(party)s, %(start)s to %(end)s")
        % {
            "deal": in_language(deal.name, deal.name_zh),
            "party": role_label(s.role),
            "start": s.start.isoformat(),
            "end": s.end.isoformat(),
        },
        gettext(
            "Days are Beijing contract dates, both included; generated %(when)s Beijing time (UTC+8) from the "
            "share ledger."
        )
        % {"when": beijing_clock(timezone.now())},
        gettext(
            "In escrow: %(opening)s at the start, %(moved)s moved in the period, %(closing)s at the end (%(check)s)."
        )
        % {
            "opening": shares_text(opening),
            "moved": ("+" if s.moved > 0 else "") + shares_text(s.moved),
            "closing": shares_text(closing),
            "check": gettext("reconciles to the ledger") if s.reconciles else gettext("DOES NOT RECONCILE"),
        },
    ]


def statement_sections(s: PeriodStatement) -> list:
    """The statement's tables in the reader's language: what the page, the CSV and the PDF show."""
    from escrow.contract.moments import beijing_clock
    from escrow.queries.history_words import role_label
    from escrow.queries.words import amount_text, money_text, shares_text

    def signed(n):
        return ("+" if n > 0 else "") + shares_text(n)

    def day(d):
        return d.isoformat() if d else "—"

    o, c = s.opening.balances, s.closing.balances
    sections = [
        Section(
            "positions",
            gettext("Positions (shares)"),
            [gettext("Item"), gettext("At the start"), gettext("At the end")],
            [
                [gettext("Deposited (EA 1.1)"), shares_text(o.deposited), shares_text(c.deposited)],
                [gettext("Rebased (splits, consolidations, stock dividends)"), signed(o.rebased), signed(c.rebased)],
                [gettext("Released to the seller (EA 3.2)"), shares_text(o.released), shares_text(c.released)],
                [gettext("Returned for cancellation (SPA 5.2(1))"), shares_text(o.returned), shares_text(c.returned)],
                [gettext("In escrow"), shares_text(o.in_escrow), shares_text(c.in_escrow)],
            ],
        ),
        Section(
            "movements",
            gettext("Movements"),
            [
                gettext("Recorded (Beijing time)"),
                gettext("Kind"),
                gettext("Year"),
                gettext("Change in escrow"),
                gettext("Reference"),
            ],
            [
                [beijing_clock(m.recorded_at), str(m.kind_label), m.year or "", signed(m.quantity), m.reference]
                for m in s.movements
            ],
            gettext("No share moved in the period."),
        ),
        Section(
            "releases",
            gettext("Releases, deductions and offsets (SPA 5.1, 5.2)"),
            [
                gettext("Year"),
                gettext("Released on"),
                gettext("Released"),
                gettext("Own release"),
                gettext("Deducted"),
                gettext("Offsets from later years"),
                gettext("Transfer reference"),
            ],
            [
                [
                    r.year,
                    day(r.released_on),
                    shares_text(r.released),
                    "—" if r.own_release is None else shares_text(r.own_release),
                    "—" if r.deducted is None else shares_text(r.deducted),
                    "; ".join(
                        gettext("year %(year)s: %(shares)s") % {"year": y, "shares": shares_text(n)}
                        for y, n in sorted(r.offsets.items())
                    )
                    or "—",
                    r.reference,
                ]
                for r in s.releases
            ],
            gettext("No release in the period."),
        ),
    ]
    if s.role in RIGHTS_READERS:
        sections += [
            Section(
                "dividends",
                gettext("Dividends passed through (SPA 3.2, EA 1.3)"),
                [
                    gettext("Record date"),
                    gettext("Paid to the seller on"),
                    gettext("Amount paid"),
                    gettext("Withheld"),
                    gettext("Reference"),
                ],
                [
                    [
                        day(d.record_date),
                        day(d.passed_on),
                        money_text(d.paid_amount, d.currency) if d.paid_amount is not None else "—",
                        money_text(d.withholding_amount, d.currency) if d.withholding_amount is not None else "—",
                        d.pass_reference,
                    ]
                    for d in s.dividends
                ],
                gettext("No dividend passed through in the period."),
            ),
            Section(
                "votes",
                gettext("Votes instructed and proxies lodged (SPA 3.2, EA 1.3)"),
                [gettext("Meeting date"), gettext("What"), gettext("When"), gettext("Shares"), gettext("Detail")],
                [
                    [
                        day(i.meeting.meeting_date),
                        gettext("Voting instruction"),
                        beijing_clock(i.given_at),
                        shares_text(i.shares),
                        "; ".join(f"{k}: {v}" for k, v in sorted(i.choices.items())),
                    ]
                    for i in s.instructions
                ]
                + [
                    [day(m.meeting_date), gettext("Proxy lodged"), day(m.lodged_on), "", m.lodged_reference]
                    for m in s.proxies
                ],
                gettext("No voting instruction or proxy in the period."),
            ),
        ]
    sections += [
        Section(
            "penalty",
            gettext("Delay penalty accrued in the period (SPA 8.2)"),
            [gettext("Liable party"), gettext("Accrued")],
            [[role_label(p), money_text(a, s.deal.price_currency)] for p, a in s.penalty.items()],
            gettext("No delay penalty accrued in the period for you."),
        ),
        Section(
            "fees",
            gettext("Escrow fee invoices issued or paid in the period (EA 4.4)"),
            [
                gettext("Invoice number"),
                gettext("Escrow year"),
                gettext("Date of issue"),
                gettext("Amount"),
                gettext("Due date"),
                gettext("Date paid"),
            ],
            [
                [
                    i.number,
                    i.year,
                    day(i.issued_on),
                    amount_text(i.amount, 2) + f" {i.currency}",
                    day(i.due_on),
                    day(i.paid_on),
                ]
                for i in sorted({*s.invoices_issued, *s.invoices_paid}, key=lambda i: i.year)
            ],
            gettext("No escrow fee invoice of yours was issued or paid in the period."),
        ),
        Section(
            "deadlines",
            gettext("Upcoming deadlines after the period"),
            [gettext("Due"), gettext("What"), gettext("Year"), gettext("Clause")],
            [[day(d.due), str(d.what), d.year or "", d.clause] for d in s.deadlines],
            gettext("No upcoming deadline."),
        ),
    ]
    return sections


def statement_csv(s: PeriodStatement) -> bytes:
    """The statement as CSV (utf-8 with a BOM so spreadsheets read Chinese), section after section."""
    import io

    from defusedcsv import csv

    from escrow.queries.exports import inert

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in statement_heading(s):
        writer.writerow([f"# {line}"])
    for section in statement_sections(s):
        writer.writerow([])
        writer.writerow([f"## {section.title}"])
        writer.writerow(section.header)
        writer.writerows([inert(cell) for cell in row] for row in section.rows)
    return buffer.getvalue().encode("utf-8-sig")


def statement_pdf(s: PeriodStatement) -> bytes:
    """The statement as a PDF in the reader's language, every font embedded (escrow.documents.period_statement)."""
    from escrow.documents import period_statement

    return period_statement.render(
        statement_heading(s),
        statement_sections(s),
        footer=f"{s.deal.slug} · {s.start.isoformat()} – {s.end.isoformat()}",
    )


def statement_filename(s: PeriodStatement, extension: str) -> str:
    return f"{s.deal.slug}-statement-{s.role}-{s.start:%Y%m%d}-{s.end:%Y%m%d}.{extension}"


def statement_attachment(spec: dict, user):
    """The monthly statement's PDF for the outbox (settings.OUTBOX_ATTACHMENTS; issue 14 item 6): (filename, bytes,
    MIME type), built as the email is sent, in the language the email was written in. Only the statement's own
    reader gets it (SPA 9): `user` must still be an active person of a current party in the statement's role,
    else None (the email goes without it; its link asks them to sign in, and the page checks the role)."""
    deal = Deal.objects.get(pk=spec["deal"])
    role = spec["role"]
    if user is None or role not in STATEMENT_ROLES or not people_in_roles(deal, (role,)).filter(pk=user.pk).exists():
        return None
    with translation.override(spec.get("language") or language_of(user)):
        statement = statement_for(deal, role, date.fromisoformat(spec["start"]), date.fromisoformat(spec["end"]))
        return statement_filename(statement, "pdf"), statement_pdf(statement), "application/pdf"


def release_periods(deal, *, tranches=None) -> list:
    """The standard statement at each release: (year, start, end) from the day after the previous release (the
    deal's first day in the portal for the first) to the release day (Beijing). `tranches` may pass the deal's
    tranches already read."""
    start, periods = first_day(deal), []
    if tranches is None:
        tranches = deal.tranches.filter(state=TrancheState.RELEASED, released_on__isnull=False)
    released = sorted(
        (t for t in tranches if t.state == TrancheState.RELEASED and t.released_on is not None),
        key=lambda t: (t.released_on, t.year),
    )
    for t in released:
        if t.released_on >= start:
            periods.append((t.year, start, t.released_on))
            start = t.released_on + timedelta(days=1)
    return periods
