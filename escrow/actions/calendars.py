"""Calendar overrides (P6): days the holidays package does not know yet, set by staff.

The State Council announces each year's holidays and weekend make-up working days late in the year
before; until the package carries them, staff enter the days here. Every deal on that calendar reads
them at once (escrow.queries.clock.calendar_for), so each change goes into the reference history.

An override moves the deadlines counted in business days on that calendar: the EA 1.1 deposit of a deal
still awaiting it, and the EA 3.2 transfer of a tranche whose documents are complete and that is not
released yet. In the same transaction each is recomputed; a date that moves is stored (EA 3.2), written
to the deal's history with the dates before and after and the override that moved it, and the parties who
must act are told in their own language. SPA 5.1's 60 calendar days do not move.
"""

from datetime import date, timedelta

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from escrow.actions.base import record
from escrow.contract.calendar import deposit_due, is_known_calendar, transfer_due
from escrow.contract.errors import InvalidInput
from escrow.history.chain import REFERENCE_CHAIN, record_reference_event
from escrow.models import CalendarOverride, Deal, HistoryAction, Role, Tranche, TrancheState
from escrow.notifications.notify import notify_roles
from escrow.notifications.texts import Text
from escrow.queries.clock import build_calendar, forget_calendar
from escrow.usecases.permissions import require_staff

CLAUSE = "EA 1.1; EA 3.2 (P6)"
NOTE_LENGTH = CalendarOverride._meta.get_field("note").max_length
ONE_DAY = timedelta(days=1)  # the start day of a count is not counted (EA 1.1, EA 3.2)


def check_calendar_code(code) -> str:
    """The P6 code in its stored form (upper case); InvalidInput for a code the holidays package does not know."""
    code = str(code or "").strip().upper()
    if not code or not is_known_calendar(code):
        raise InvalidInput(
            _(
                "Unknown calendar code %(code)s (P6): give a country or market code the holidays "
                "package knows, e.g. CN, HK or NASDAQ."
            )
            % {"code": code or "—"}
        )
    return code


@transaction.atomic
def set_calendar_override(actor, calendar, day, is_business_day, note=""):
    """P6: make `day` a working day (True) or a day off (False) on `calendar`; creates or changes the override.
    The history entry keeps the value before and after; calendars are rebuilt once the change commits. The
    EA 1.1 and EA 3.2 deadlines it moves are recomputed in the same transaction (`recompute_deadlines`); the
    deal history entries written are on the returned override's `recomputed`."""
    calendar = check_calendar_code(calendar)
    if not isinstance(day, date):
        raise InvalidInput(_("Give the day as a date (YYYY-MM-DD)."))
    if not isinstance(is_business_day, bool):
        raise InvalidInput(_("Say whether the day is a working day (true) or a day off (false)."))
    note = " ".join(str(note or "").split())
    if len(note) > NOTE_LENGTH:
        raise InvalidInput(_("The note is longer than %(limit)s characters.") % {"limit": NOTE_LENGTH})
    override = CalendarOverride.objects.select_for_update().filter(calendar=calendar, day=day).first()
    require_staff(actor, "change_calendar_override" if override else "set_calendar_override")
    before = _state(override)
    if override is None:
        override = CalendarOverride(calendar=calendar, day=day)
    override.is_business_day, override.note = is_business_day, note
    after = _state(override)
    if before == after:
        return override
    old_calendar = build_calendar(calendar)
    override.save()
    kind = "a working day" if override.is_business_day else "a day off"
    entry = record_reference_event(
        HistoryAction.CALENDAR_OVERRIDE_SET,
        actor=actor,
        clause=CLAUSE,
        summary=f"{calendar} calendar: {day.isoformat()} is {kind}" + (f" ({note})" if note else ""),
        details={"calendar": calendar, "day": day, "before": before, "after": after},
    )
    cause = {
        "calendar": calendar,
        "day": day,
        "before": before,
        "after": after,
        "reference_entry": {"chain": REFERENCE_CHAIN, "seq": entry.seq, "hash": entry.hash},
    }
    transaction.on_commit(lambda: forget_calendar(calendar))  # first: the calendar is new before anyone is told
    override.recomputed = recompute_deadlines(actor, old_calendar, build_calendar(calendar), cause)
    return override


def _state(override):
    if override is None:
        return None
    return {"is_business_day": override.is_business_day, "note": override.note}


def recompute_deadlines(actor, old, new, cause) -> list:
    """EA 1.1, EA 3.2 (P6): every business-day deadline on the changed calendar, counted again with `new`
    (the calendar with the override; `old` without it). Deals are locked in id order, then their tranches
    (the order every action uses). Returns the deal history entries written, one per deadline that moved."""
    deposits = [
        d.pk
        for d in Deal.objects.filter(calendar__iexact=new.code, state=Deal.State.AWAITING_DEPOSIT)
        if deposit_due(d.effective_date, old).due != deposit_due(d.effective_date, new).due
    ]
    transfers = [
        t.pk
        for t in _running_transfers(Tranche.objects.filter(deal__calendar__iexact=new.code))
        if transfer_due(t.documents_complete_on, new).due != t.transfer_due_date
    ]
    if not deposits and not transfers:
        return []
    deal_ids = set(deposits) | set(Tranche.objects.filter(pk__in=transfers).values_list("deal_id", flat=True))
    locked = {d.pk: d for d in Deal.objects.select_for_update().filter(pk__in=deal_ids).order_by("pk")}
    entries = [_deposit_moved(actor, locked[pk], old, new, cause) for pk in deposits]
    for tranche in _running_transfers(Tranche.objects.select_for_update().filter(pk__in=transfers)):
        tranche.deal = locked[tranche.deal_id]
        entries.append(_transfer_moved(actor, tranche, old, new, cause))
    return [e for e in entries if e is not None]


def _running_transfers(tranches):
    """EA 3.2 deadlines that still run: documents complete, not released (a hold keeps its deadline)."""
    return (
        tranches.filter(documents_complete_on__isnull=False, transfer_due_date__isnull=False)
        .exclude(state=TrancheState.RELEASED)
        .order_by("deal_id", "pk")
    )


def _deposit_moved(actor, deal, old, new, cause):
    if deal.state != Deal.State.AWAITING_DEPOSIT:  # re-read under the lock
        return None
    start = deal.effective_date
    before, after = deposit_due(start, old).due, deposit_due(start, new)
    if after.due == before:
        return None
    entry = record(
        deal,
        action=HistoryAction.DEADLINE_RECOMPUTED,
        actor=actor,
        clause="EA 1.1 (P6)",
        summary=f"EA 1.1 deposit deadline moved from {before} to {after.due}: {_why(cause)}",
        details=_details("deposit_due", "EA 1.1", start, before, after, old, new, cause),
    )
    rule = Text(gettext_lazy("15 business days after the effective date %(start)s, EA 1.1"), start=start)
    notify_roles(
        deal,
        [Role.ISSUER, Role.ESCROW_AGENT],
        key=f"deadline-recomputed:{entry.pk}",
        clause="EA 1.1",
        due=after.due,
        subject=Text(
            gettext_lazy("%(deal)s: the shares are now due in escrow by %(after)s (was %(before)s)"),
            deal=deal.name,
            after=after.due,
            before=before,
        ),
        body=_body(cause, rule, start, after.due, new),
    )
    return entry


def _transfer_moved(actor, tranche, old, new, cause):
    start, before = tranche.documents_complete_on, tranche.transfer_due_date
    after = transfer_due(start, new)
    if after.due == before:  # re-read under the lock
        return None
    tranche.transfer_due_date = after.due
    tranche.save(update_fields=["transfer_due_date"])
    deal = tranche.deal
    entry = record(
        deal,
        action=HistoryAction.DEADLINE_RECOMPUTED,
        actor=actor,
        tranche=tranche,
        clause="EA 3.2 (P6)",
        summary=f"EA 3.2 transfer deadline of year {tranche.year} moved from {before} to {after.due}: {_why(cause)}",
        details=_details("transfer_due_date", "EA 3.2", start, before, after, old, new, cause),
    )
    rule = Text(gettext_lazy("10 business days after all documents were received on %(start)s, EA 3.2"), start=start)
    notify_roles(
        deal,
        [Role.ESCROW_AGENT],
        tranche=tranche,
        key=f"deadline-recomputed:{entry.pk}",
        clause="EA 3.2",
        due=after.due,
        subject=Text(
            gettext_lazy("%(deal)s: year %(year)s transfer now due by %(after)s (was %(before)s)"),
            deal=deal.name,
            year=tranche.year,
            after=after.due,
            before=before,
        ),
        body=_body(cause, rule, start, after.due, new),
    )
    return entry


def _why(cause):
    kind = "a working day" if cause["after"]["is_business_day"] else "a day off"
    note = cause["after"]["note"]
    return f"{cause['calendar']} calendar: {cause['day'].isoformat()} is now {kind}" + (f" ({note})" if note else "")


def _details(name, clause, start, before, after, old, new, cause):
    """What the deal's history keeps: the deadline before and after, how it is counted now, which years of
    the count were still unannounced (P6) before and after, and the override with its reference entry."""
    return {
        "deadline": name,
        "clause": clause,
        "start": start,
        "before": before,
        "after": after.due,
        "provisional_years_before": list(old.provisional_years(start + ONE_DAY, before)),
        "provisional_years_after": list(new.provisional_years(start + ONE_DAY, after.due)),
        "explanation": after.explanation.as_dict(),
        "override": cause,
    }


def _body(cause, rule, start, due, cal):
    kind = gettext_lazy("a working day") if cause["after"]["is_business_day"] else gettext_lazy("a day off")
    body = Text(
        gettext_lazy(
            "Staff changed the %(calendar)s business-day calendar: %(day)s is now %(kind)s. The deadline "
            "(%(rule)s) was counted again: it is now %(due)s."
        ),
        calendar=cause["calendar"],
        day=cause["day"],
        kind=kind,
        rule=rule,
        due=due,
    )
    years = cal.provisional_years(start + ONE_DAY, due)
    if not years:
        return body
    return Text(
        gettext_lazy("%(body)s It is still provisional: the holiday notice for %(years)s is not in the calendar yet."),
        body=body,
        years=", ".join(map(str, years)),
    )
