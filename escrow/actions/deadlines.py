"""Deadlines that enforce themselves: the sweep (SPA 5.1, EA 1.1, EA 3.2, SPA 8.2, EA 5.2).

Beat only ticks; the sweep derives everything from facts in the database, so running it twice for
one day, from two beats, or from a task delivered twice, writes nothing twice:
- a year opens only from `scheduled` (re-read under the row lock), in batches;
- a reminder or missed-deadline notice has a dedupe key (tranche, step, deadline, milestone, person);
- a missed deadline is written to the history once (its key is in the entry, checked under the deal lock);
- a penalty day is unique per (tranche, day); a run catches up every day since the last one accrued;
- an escrow fee invoice is unique per (deal, escrow year), checked under the deal lock (EA 4.4, EA 2).
Set-based queries find due work, so a run with nothing due costs a fixed number of queries, and a
run with much due costs a fixed number per chunk, never per tranche.
"""

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Case, CharField, Exists, F, OuterRef, Q, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from escrow.actions.accrual import accrue_penalties
from escrow.actions.batch import collector_paused
from escrow.actions.fees import issue_due_fee_invoices
from escrow.actions.holdings import remind_vote_cut_offs
from escrow.actions.reports import YEAR_ENDED
from escrow.contract.calendar import deposit_due
from escrow.contract.errors import InvalidInput
from escrow.history import chain as history
from escrow.models import (
    Deal,
    HistoryAction,
    HistoryEntry,
    Instrument,
    Notification,
    Role,
    Signature,
    Tranche,
    TrancheState,
)
from escrow.models.bulk import any_of
from escrow.notifications.notify import Note, notify_many
from escrow.notifications.texts import LowerFirst, Text, in_english
from escrow.queries.clock import calendar_for, contract_today
from escrow.queries.steps import CONFIRM_DEPOSIT, DEADLINE_STATES, NextStep, deadline_step

S = TrancheState
OPEN_CHUNK = 2000  # years opened per transaction: a fixed number of statements each (about a second of locks)
# Reminders and missed-deadline notices per transaction: they lock nothing (a unique key makes a repeat harmless),
# so larger chunks only save statements and commits (issue 13 item 4); notify_many writes 2,000 notes per COPY.
NOTICE_CHUNK = 4000
MISSED_CHUNK = 2000  # missed deadlines recorded per transaction, their deals locked (as OPEN_CHUNK: about a second)
REMINDER_DAYS = (1, 3, 7)  # before each deadline; plus "missed" on the first day after it

# Reminder and missed-deadline notices, rendered in each reader's language by notify_many.
REMINDER = _("%(deal)s: %(step)s — due %(when)s, by %(due)s (%(clause)s)")
REMINDER_OF_YEAR = _("%(deal)s: year %(year)s: %(step)s — due %(when)s, by %(due)s (%(clause)s)")
MISSED = _("%(deal)s: deadline %(due)s missed — %(step)s (%(clause)s)")
MISSED_OF_YEAR = _("%(deal)s: year %(year)s: deadline %(due)s missed — %(step)s (%(clause)s)")
REMINDER_BODY = _("%(step)s. Deadline: %(due)s (%(clause)s).")
TODAY = _("today")
IN_DAYS = ngettext_lazy("in %(count)d day", "in %(count)d days", "count")  # made once: each call makes a class


@dataclass
class SweepReport:
    """What one run did (all zero on a repeat for the same day)."""

    today: date
    opened: int = 0
    notifications: int = 0
    missed: int = 0
    fee_invoices: int = 0
    penalty: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["today"] = self.today.isoformat()
        return data


def sweep(*, today: date | None = None) -> SweepReport:
    """One run: open ended years, remind and mark missed deadlines, issue the escrow fee invoice of each
    escrow year that has started, accrue penalty days through yesterday. Safe to repeat and to run
    concurrently; catches up any days the scheduler missed. A day after today's contract date is refused
    before anything is written (see `check_not_future`)."""
    today = check_not_future(today)
    report = SweepReport(today)
    report.opened, opened_notes = open_ended_years(today)
    report.notifications, report.missed = remind_and_mark(today)
    report.notifications += opened_notes
    report.notifications += remind_vote_cut_offs(today)  # issue 14 item 3 (SPA 3.2, EA 1.3)
    report.fee_invoices, fee_notes = issue_due_fee_invoices(today)  # EA 4.4, EA 2: each escrow year's first day
    report.notifications += fee_notes
    report.penalty = accrue_penalties(through=today - timedelta(days=1))
    return report


def check_not_future(day: date | None) -> date:
    """Clocks only move forward: the sweep runs for today's contract date (Asia/Shanghai, RULES.md
    "Deadlines") or catches up a past one, never a day still to come, which would open years, mark
    deadlines missed and accrue penalty days (SPA 5.1, 8.2) that no one can take back."""
    today = contract_today()
    if day is None:
        return today
    if day > today:
        raise InvalidInput(
            gettext(
                "Cannot sweep %(day)s: today's contract date (Asia/Shanghai) is %(today)s, and the sweep never "
                "runs ahead of it (what it writes cannot be undone). Give a date up to %(today)s, or none."
            )
            % {"day": day.isoformat(), "today": today.isoformat()},
            clause="SPA 5.1, 8.2",
        )
    return day


# --- SPA 5.1: the assessment year has ended ---


def open_ended_years(today: date) -> tuple:
    """SPA 5.1: every scheduled tranche whose year ended before `today` awaits its report (the batch
    form of actions.open_year, with the same history entry and notification key).
    Returns (tranches opened, notifications written)."""
    due = list(
        Tranche.objects.filter(state=S.SCHEDULED, period_end__lt=today, deal__state=Deal.State.IN_ESCROW)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    done = []
    for start in range(0, len(due), OPEN_CHUNK):
        with collector_paused():  # a chunk's thousands of rows make no cycles to collect (batch.collector_paused)
            done.append(_open_chunk(due[start : start + OPEN_CHUNK], today))
    return sum(d[0] for d in done), sum(d[1] for d in done)


class _Row(NamedTuple):
    """A deal or a tranche as a sweep chunk needs it (its history entry, its notice and the email's link), read
    as column values: building model objects was a fifth of the chunk's time (issue 13 item 4). Opening years
    and reminders use it; a tranche's deal, period end and release date are for the openings' entries."""

    pk: int
    name: str = ""
    slug: str = ""
    deal: object = None
    year: int = 0
    period_end: date | None = None
    release_due_date: date | None = None


@transaction.atomic
def _open_chunk(tranche_ids, today) -> tuple:
    """One chunk, in one transaction: the deals locked first (the order of every action, actions.base
    lock_tranche), then the tranches still scheduled moved and re-read in one UPDATE ... RETURNING (the row
    locks it takes are the ones `batch.lock_tranches` took; the deals' locks keep any other action off them)."""
    deals = {
        pk: _Row(pk, name=name, slug=slug)
        for pk, name, slug in Deal.objects.select_for_update()
        .filter(pk__in=Tranche.objects.filter(pk__in=any_of(tranche_ids)).values("deal_id"))
        .filter(state=Deal.State.IN_ESCROW)
        .order_by("pk")
        .values_list("pk", "name", "slug")
    }
    tranches = [
        _Row(pk, deal=deals[deal_id], year=year, period_end=end, release_due_date=due)
        for pk, deal_id, year, end, due in _opened(tranche_ids, list(deals), today)
    ]
    # SPA 5.1: the transition Tranche.open_for_report (scheduled -> awaiting_report; no side effect), as one UPDATE.
    history.record_many(
        [
            (
                t.deal,
                dict(
                    action=HistoryAction.YEAR_ENDED,
                    actor=None,
                    tranche=t,
                    from_state=S.SCHEDULED,
                    to_state=S.AWAITING_REPORT,
                    clause="SPA 5.1",
                    summary=f"Assessment year {t.year} ended on {t.period_end}; release due by {t.release_due_date}",
                    details={"period_end": t.period_end, "release_due_date": t.release_due_date, "by": "sweep"},
                ),
            )
            for t in tranches
        ]
    )
    notes = notify_many(
        Note(
            t.deal,
            (Role.AUDITOR, Role.ISSUER),
            tranche=t,
            key=f"year-ended:{t.pk}",
            clause="SPA 4.2, 5.1",
            subject=Text(YEAR_ENDED, deal=t.deal.name, year=t.year),
            due=t.release_due_date,
        )
        for t in tranches
    )
    return len(tranches), notes


_OPENED = ["id", "deal_id", "year", "period_end", "release_due_date"]


def _opened(tranche_ids, deal_ids, today) -> list:
    """Move the chunk's tranches still scheduled, whose year ended before `today`, of the locked deals in escrow,
    to awaiting_report; their (id, deal id, year, period end, release due date), in id order."""
    if not deal_ids:
        return []
    if connection.vendor != "postgresql":  # the SQLite demo: read, then update (no row locks there)
        rows = list(
            Tranche.objects.filter(
                pk__in=tranche_ids, deal_id__in=deal_ids, state=S.SCHEDULED, period_end__lt=today
            ).values_list("pk", "deal_id", "year", "period_end", "release_due_date")
        )
        Tranche.objects.filter(pk__in=[r[0] for r in rows]).update(state=S.AWAITING_REPORT)
        return sorted(rows)
    with connection.cursor() as cursor:
        cursor.execute(
            # The table and column names are the model's own and every value is a parameter.
            f"UPDATE {Tranche._meta.db_table} SET state = %s "  # noqa: S608
            "WHERE id = any(%s::bigint[]) AND deal_id = any(%s::bigint[]) AND state = %s AND period_end < %s "
            f"RETURNING {', '.join(_OPENED)}",
            [S.AWAITING_REPORT.value, list(tranche_ids), deal_ids, S.SCHEDULED.value, today],
        )
        return sorted(cursor.fetchall())


# --- reminders 7, 3, 1 days before each deadline; the missed deadline on the day after ---


@dataclass(frozen=True)
class Due:
    deal: object  # a Deal, or a _Row of one
    tranche: object  # a _Row of the tranche, None for a deal's deposit
    step: NextStep


def milestone(due: date, today: date):
    """The most urgent reminder reached: 7, 3 or 1 day(s) before, 'missed' after, None if too early.
    Only the most urgent is sent, so a sweep after a pause does not send stale reminders."""
    left = (due - today).days
    if left < 0:
        return "missed"
    return next((m for m in REMINDER_DAYS if left <= m), None)


def remind_and_mark(today: date):
    """Remind the people whose action is due (queries.next_step roles); on a missed deadline notify
    them and the seller (who is owed the penalty, SPA 8.2) and record it in the deal's history.
    Only what is not done yet is read: beat ticks every few minutes, and a deadline missed weeks ago
    must not be rebuilt on every tick (a repeat costs the same few queries whatever the number of deals)."""
    # Tens of thousands of notices alive at once make the collector walk the whole process again and again (a
    # third of the phase at 10,000 deals); they hold no cycles (batch.collector_paused).
    with collector_paused():
        return _remind_and_mark(today)


def _remind_and_mark(today):
    items = [d for d in _due_steps(today) if d.step.due and d.step.roles and milestone(d.step.due, today)]
    items = _not_done(items, today)
    notes, missed, shared = [], [], {}
    for item in items:
        mark = milestone(item.step.due, today)
        notes.append(_note(item, mark, today, shared))
        if mark == "missed":
            missed.append(item)
    sent = 0
    for i in range(0, len(notes), NOTICE_CHUNK):
        with transaction.atomic():
            sent += notify_many(notes[i : i + NOTICE_CHUNK])
    # Deadlines missed long ago are left out already (by `_unsent` in SQL, `_not_done` for the deposits), so no deal
    # is locked for them on a tick; `_mark_missed` checks again under the locks (a concurrent run may have written).
    marked = sum(_mark_missed(missed[i : i + MISSED_CHUNK]) for i in range(0, len(missed), MISSED_CHUNK))
    return sent, marked


def _missed_keys(deal_ids):
    if not deal_ids:
        return set()
    return set(
        HistoryEntry.objects.filter(deal_id__in=any_of(deal_ids), action=HistoryAction.DEADLINE_MISSED).values_list(
            "details__key", flat=True
        )
    )


# The deadline of each state's next step (queries.next_step, which the notes themselves come from; the SQL
# below only skips what is already sent, and tests/escrow/deadlines/test_repeated_tick.py checks that the two
# agree): (state, requires_settlement or None for any, action, the tranche column holding the deadline).
STEP_DEADLINES = [
    (S.AWAITING_REPORT, None, "file_report", "release_due_date"),
    (S.AWAITING_INSTRUCTION, True, "sign_settlement", "release_due_date"),
    (S.AWAITING_INSTRUCTION, None, "sign_joint_instruction", "release_due_date"),
    (S.INSTRUCTED, None, "prepare_release", "transfer_due_date"),
    (S.RELEASE_PREPARED, None, "approve_release", "transfer_due_date"),
]


def _due_steps(today):
    horizon = today + timedelta(days=max(REMINDER_DAYS))
    in_escrow = Deal.objects.filter(state=Deal.State.IN_ESCROW)
    due_soon = Q()
    for state, _settle, _action, column in STEP_DEADLINES:
        due_soon |= Q(state=state, **{f"{column}__lte": horizon})
    pending = _unsent(Tranche.objects.filter(deal__in=in_escrow).filter(due_soon), today)
    if pending:
        yield from _tranche_steps(Tranche.objects.filter(deal__in=in_escrow, pk__in=any_of(pending)))
    yield from _deposits_due(horizon)


def _tranche_steps(tranches):
    """Due items of the tranches (in their model's order, as `next_step` would give them), from rows: the step
    comes from `queries.steps.deadline_step`, the rule `next_step` applies too; the joint instruction's
    signatures are read in one query, for the tranches awaiting it."""
    rows = list(
        tranches.filter(state__in=DEADLINE_STATES).values_list(
            "pk",
            "year",
            "state",
            "release_due_date",
            "transfer_due_date",
            "calculation__requires_settlement",
            "deal_id",
            "deal__name",
            "deal__slug",
        )
    )
    signed = {}
    awaiting = [row[0] for row in rows if row[2] == S.AWAITING_INSTRUCTION]
    if awaiting:
        for tranche_id, role in Signature.objects.filter(
            instrument__tranche_id__in=any_of(awaiting),
            instrument__status=Instrument.Status.OPEN,
            instrument__kind=Instrument.Kind.JOINT_INSTRUCTION,
        ).values_list("instrument__tranche_id", "party__role"):
            signed.setdefault(tranche_id, set()).add(role)
    deals = {}
    for pk, year, state, release_due, transfer_due, settle, deal_id, name, slug in rows:
        if deal_id not in deals:
            deals[deal_id] = _Row(deal_id, name=name, slug=slug)
        step = deadline_step(
            state,
            requires_settlement=state == S.AWAITING_INSTRUCTION and bool(settle),
            signed_roles=signed.get(pk, ()),
            release_due_date=release_due,
            transfer_due_date=transfer_due,
        )
        yield Due(deals[deal_id], _Row(pk, year=year), step)


def _unsent(tranches, today) -> list:
    """Ids of the tranches whose notice for today is not done, by the same key as `_key` (step, deadline,
    milestone) computed in SQL. A missed deadline is done once it is in the history (recorded after its
    notices were sent, so the entry vouches for both): one anti-join on the entries' keys, whatever the
    number of deadlines missed long ago. A reminder (7, 3 or 1 day before) is done once a notification
    with its key exists: one index look-up per tranche due within the week."""
    due = Case(*(When(state=state, then=F(column)) for state, _s, _a, column in STEP_DEADLINES))
    action = Case(
        *(
            When(Q(state=state) & (Q(calculation__requires_settlement=True) if settle else Q()), then=Value(step))
            for state, settle, step, _column in STEP_DEADLINES
        )
    )
    # `milestone` in SQL: missed after the deadline, else the first of REMINDER_DAYS (ascending) reached.
    mark = Case(
        When(due__lt=today, then=Value("missed")),
        *(When(due__lte=today + timedelta(days=days), then=Value(str(days))) for days in REMINDER_DAYS),
    )
    key = Concat(
        Value("reminder:t"),
        Cast("pk", CharField()),
        Value(":"),
        "action",
        Value(":"),
        Cast("due", CharField()),  # ISO, as in `_key` (PostgreSQL's DateStyle ISO; SQLite stores the text)
        Value(":"),
        "mark",
        output_field=CharField(),
    )
    keyed = tranches.annotate(due=due, action=action).annotate(mark=mark).annotate(key=key)
    # NOT IN over the keys (none is NULL): a hashed set built once, whatever the planner estimates.
    recorded = (
        HistoryEntry.objects.filter(action=HistoryAction.DEADLINE_MISSED)
        .annotate(missed_key=KT("details__key"))
        .filter(missed_key__isnull=False)
        .values("missed_key")
    )
    sent = Notification.objects.filter(
        tranche_id=OuterRef("pk"), dedupe_key__startswith=Concat(OuterRef("key"), Value(":u"), output_field=CharField())
    )
    missed = keyed.filter(due__lt=today).exclude(key__in=recorded)
    reminded = keyed.filter(due__gte=today).filter(~Exists(sent))
    return [*missed.values_list("pk", flat=True), *reminded.values_list("pk", flat=True)]


def _deposits_due(horizon):
    """EA 1.1: deals still awaiting the deposit (calendar_for builds one calendar per code, with overrides)."""
    for deal in Deal.objects.filter(state=Deal.State.AWAITING_DEPOSIT, effective_date__lte=horizon):
        due = deposit_due(deal.effective_date, calendar_for(deal)).due
        yield Due(deal, None, NextStep((Role.ESCROW_AGENT,), "confirm_deposit", CONFIRM_DEPOSIT, due, "EA 1.1"))


def _not_done(items, today):
    """Drop the items whose notice is sent and, if missed, recorded (the tranches' are dropped in SQL
    already; the deposits' deadlines come from the calendar, so theirs are checked here, in two queries)."""
    deposits = {i.deal.pk for i in items if i.tranche is None}
    if not deposits:
        return items
    sent = {
        key.rsplit(":u", 1)[0]
        for key in Notification.objects.filter(
            deal_id__in=any_of(deposits), tranche=None, dedupe_key__startswith="reminder:d"
        ).values_list("dedupe_key", flat=True)
    }
    recorded = _missed_keys(deposits)
    return [
        i
        for i in items
        if i.tranche is not None
        or (key := _key(i, milestone(i.step.due, today))) not in sent
        or (key.endswith(":missed") and key not in recorded)
    ]


def _key(item: Due, mark) -> str:
    where = f"t{item.tranche.pk}" if item.tranche else f"d{item.deal.pk}"
    return f"reminder:{where}:{item.step.action}:{item.step.due}:{mark}"


def _note(item: Due, mark, today, shared) -> Note:
    """The notice of one item. What notices share (a step's lowered description, "in N days", the body of a
    step and deadline) is made once and kept in `shared`, so that each is rendered once per language and
    stored once in memory, not once per notice (texts.render and texts.as_data keep them by id: issue 13)."""
    step, deal = item.step, item.deal
    lower = shared.get(("lower", id(step.description)))
    if lower is None:  # `shared` keeps the LowerFirst, which keeps the description (so its id) alive
        lower = shared[("lower", id(step.description))] = LowerFirst(step.description)
    words = {"deal": deal.name, "step": lower, "due": step.due, "clause": step.clause}
    if item.tranche:
        words["year"] = item.tranche.year
    if mark == "missed":
        roles = tuple(dict.fromkeys((*step.roles, Role.SELLER)))
        subject = Text(MISSED_OF_YEAR if item.tranche else MISSED, **words)
    else:
        roles = step.roles
        left = (step.due - today).days
        if left not in shared:  # one lazy text per distinct day count, not one per note (issue 13: memory)
            shared[left] = Text(TODAY) if left == 0 else Text(IN_DAYS, count=left)
        subject = Text(REMINDER_OF_YEAR if item.tranche else REMINDER, when=shared[left], **words)
    said = ("body", id(step.description), step.due, step.clause)
    if said not in shared:
        shared[said] = Text(REMINDER_BODY, step=step.description, due=step.due, clause=step.clause)
    return Note(
        deal,
        roles,
        subject,
        _key(item, mark),
        clause=step.clause,
        body=shared[said],
        tranche=item.tranche,
        due=step.due,
    )


@transaction.atomic
def _mark_missed(items) -> int:
    """One history entry per missed deadline, checked and written under the deal locks."""
    deal_ids = sorted({i.deal.pk for i in items})
    list(Deal.objects.select_for_update().filter(pk__in=any_of(deal_ids)).order_by("pk").values_list("pk", flat=True))
    done = _missed_keys(deal_ids)  # again under the locks: a concurrent run may have written them
    new = [i for i in items if _key(i, "missed") not in done]
    said = {}  # the English of each step's description and roles, made once (issue 13 item 4)
    for i in new:
        if (id(i.step.description), i.step.roles) not in said:
            roles = ", ".join(in_english(Role(r).label) for r in i.step.roles)
            said[id(i.step.description), i.step.roles] = f"{in_english(i.step.description).lower()} ({roles})"
    history.record_many(
        [
            (
                i.deal,
                dict(
                    action=HistoryAction.DEADLINE_MISSED,
                    actor=None,
                    tranche=i.tranche,
                    clause=i.step.clause,
                    summary=f"Deadline {i.step.due} passed: {said[id(i.step.description), i.step.roles]}",
                    details={
                        "key": _key(i, "missed"),
                        "due": i.step.due,
                        "action": i.step.action,
                        "roles": list(i.step.roles),
                    },
                ),
            )
            for i in new
        ]
    )
    return len(new)
