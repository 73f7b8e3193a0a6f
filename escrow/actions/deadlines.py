"""Deadlines that enforce themselves: the sweep (SPA 5.1, EA 1.1, EA 3.2, SPA 8.2, EA 5.2).

Beat only ticks; the sweep derives everything from facts in the database, so running it twice for
one day, from two beats, or from a task delivered twice, writes nothing twice:
- a year opens only from `scheduled` (re-read under the row lock), in batches;
- a reminder or missed-deadline notice has a dedupe key (tranche, step, deadline, milestone, person);
- a missed deadline is written to the history once (its key is in the entry, checked under the deal lock);
- a penalty day is unique per (tranche, day); a run catches up every day since the last one accrued.
Set-based queries find due work, so a run with nothing due costs a fixed number of queries, and a
run with much due costs a fixed number per chunk, never per tranche.
"""

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from escrow.actions.accrual import accrue_penalties
from escrow.actions.batch import lock_tranches
from escrow.actions.reports import YEAR_ENDED
from escrow.contract.calendar import deposit_due
from escrow.contract.errors import InvalidInput
from escrow.history import chain as history
from escrow.models import Deal, HistoryAction, HistoryEntry, Role, Tranche, TrancheState
from escrow.notifications.notify import Note, notify_many
from escrow.notifications.texts import LowerFirst, Text, in_english
from escrow.queries.clock import calendar_for, contract_today
from escrow.queries.steps import CONFIRM_DEPOSIT, NextStep, next_step, signed_roles_of, tranches_with_context

S = TrancheState
CHUNK = 1000  # tranches per transaction: locks are held briefly, progress is kept chunk by chunk
REMINDER_DAYS = (1, 3, 7)  # before each deadline; plus "missed" on the first day after it

# Reminder and missed-deadline notices, rendered in each reader's language by notify_many.
REMINDER = _("%(deal)s: %(step)s — due %(when)s, by %(due)s (%(clause)s)")
REMINDER_OF_YEAR = _("%(deal)s: year %(year)s: %(step)s — due %(when)s, by %(due)s (%(clause)s)")
MISSED = _("%(deal)s: deadline %(due)s missed — %(step)s (%(clause)s)")
MISSED_OF_YEAR = _("%(deal)s: year %(year)s: deadline %(due)s missed — %(step)s (%(clause)s)")
REMINDER_BODY = _("%(step)s. Deadline: %(due)s (%(clause)s).")


@dataclass
class SweepReport:
    """What one run did (all zero on a repeat for the same day)."""

    today: date
    opened: int = 0
    notifications: int = 0
    missed: int = 0
    penalty: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["today"] = self.today.isoformat()
        return data


def sweep(*, today: date | None = None) -> SweepReport:
    """One run: open ended years, remind and mark missed deadlines, accrue penalty days through
    yesterday. Safe to repeat and to run concurrently; catches up any days the scheduler missed.
    A day after today's contract date is refused before anything is written (see `check_not_future`)."""
    today = check_not_future(today)
    report = SweepReport(today)
    report.opened, opened_notes = open_ended_years(today)
    report.notifications, report.missed = remind_and_mark(today)
    report.notifications += opened_notes
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
    done = [_open_chunk(due[i : i + CHUNK], today) for i in range(0, len(due), CHUNK)]
    return sum(d[0] for d in done), sum(d[1] for d in done)


@transaction.atomic
def _open_chunk(tranche_ids, today) -> tuple:
    tranches = lock_tranches(tranche_ids, state=S.SCHEDULED, period_end__lt=today, deal__state=Deal.State.IN_ESCROW)
    for tranche in tranches:
        tranche.open_for_report()  # side-effect free: checks the source state, sets the column in memory
    # Every transition above has one target, so a single UPDATE writes them all.
    Tranche.objects.filter(pk__in=[t.pk for t in tranches]).update(state=S.AWAITING_REPORT)
    history.record_many(
        [
            (
                t.deal,
                dict(
                    action=HistoryAction.YEAR_ENDED,
                    actor=None,
                    tranche=t,
                    from_state=S.SCHEDULED,
                    to_state=t.state,
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


# --- reminders 7, 3, 1 days before each deadline; the missed deadline on the day after ---


@dataclass(frozen=True)
class Due:
    deal: Deal
    tranche: Tranche | None
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
    them and the seller (who is owed the penalty, SPA 8.2) and record it in the deal's history."""
    items = [d for d in _due_steps(today) if d.step.due and d.step.roles and milestone(d.step.due, today)]
    notes, missed = [], []
    for item in items:
        mark = milestone(item.step.due, today)
        notes.append(_note(item, mark, today))
        if mark == "missed":
            missed.append(item)
    sent = 0
    for i in range(0, len(notes), CHUNK):
        with transaction.atomic():
            sent += notify_many(notes[i : i + CHUNK])
    # Read without locks first: deadlines missed long ago are already in the history, and locking
    # their deals on every tick would stall the parties' actions for nothing.
    done = _missed_keys({i.deal.pk for i in missed})
    missed = [i for i in missed if _key(i, "missed") not in done]
    marked = sum(_mark_missed(missed[i : i + CHUNK]) for i in range(0, len(missed), CHUNK))
    return sent, marked


def _missed_keys(deal_ids):
    return set(
        HistoryEntry.objects.filter(deal_id__in=deal_ids, action=HistoryAction.DEADLINE_MISSED).values_list(
            "details__key", flat=True
        )
    )


def _due_steps(today):
    horizon = today + timedelta(days=max(REMINDER_DAYS))
    in_escrow = Deal.objects.filter(state=Deal.State.IN_ESCROW)
    tranches = tranches_with_context(in_escrow).filter(
        Q(state__in=[S.AWAITING_REPORT, S.AWAITING_INSTRUCTION], release_due_date__lte=horizon)
        | Q(state__in=[S.INSTRUCTED, S.RELEASE_PREPARED], transfer_due_date__lte=horizon)
    )
    for tranche in tranches:
        yield Due(tranche.deal, tranche, next_step(tranche, signed_roles=signed_roles_of(tranche)))
    yield from _deposits_due(horizon)


def _deposits_due(horizon):
    """EA 1.1: deals still awaiting the deposit (calendar_for builds one calendar per code, with overrides)."""
    for deal in Deal.objects.filter(state=Deal.State.AWAITING_DEPOSIT, effective_date__lte=horizon):
        due = deposit_due(deal.effective_date, calendar_for(deal)).due
        yield Due(deal, None, NextStep((Role.ESCROW_AGENT,), "confirm_deposit", CONFIRM_DEPOSIT, due, "EA 1.1"))


def _key(item: Due, mark) -> str:
    where = f"t{item.tranche.pk}" if item.tranche else f"d{item.deal.pk}"
    return f"reminder:{where}:{item.step.action}:{item.step.due}:{mark}"


def _note(item: Due, mark, today) -> Note:
    step, deal = item.step, item.deal
    words = {"deal": deal.name, "step": LowerFirst(step.description), "due": step.due, "clause": step.clause}
    if item.tranche:
        words["year"] = item.tranche.year
    if mark == "missed":
        roles = tuple(dict.fromkeys((*step.roles, Role.SELLER)))
        subject = Text(MISSED_OF_YEAR if item.tranche else MISSED, **words)
    else:
        roles = step.roles
        left = (step.due - today).days
        when = (
            Text(_("today"))
            if left == 0
            else Text(ngettext_lazy("in %(count)d day", "in %(count)d days", "count"), count=left)
        )
        subject = Text(REMINDER_OF_YEAR if item.tranche else REMINDER, when=when, **words)
    body = Text(REMINDER_BODY, step=step.description, due=step.due, clause=step.clause)
    return Note(
        deal, roles, subject, _key(item, mark), clause=step.clause, body=body, tranche=item.tranche, due=step.due
    )


@transaction.atomic
def _mark_missed(items) -> int:
    """One history entry per missed deadline, checked and written under the deal locks."""
    deal_ids = sorted({i.deal.pk for i in items})
    list(Deal.objects.select_for_update().filter(pk__in=deal_ids).order_by("pk").values_list("pk", flat=True))
    done = _missed_keys(deal_ids)  # again under the locks: a concurrent run may have written them
    new = [i for i in items if _key(i, "missed") not in done]
    history.record_many(
        [
            (
                i.deal,
                dict(
                    action=HistoryAction.DEADLINE_MISSED,
                    actor=None,
                    tranche=i.tranche,
                    clause=i.step.clause,
                    summary=f"Deadline {i.step.due} passed: {in_english(i.step.description).lower()} "
                    f"({', '.join(in_english(Role(r).label) for r in i.step.roles)})",
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
