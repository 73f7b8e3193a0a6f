"""The sweep's batch steps write what the single-deal code writes (issue 13 item 4: the years open by one
UPDATE ... RETURNING and the notices are built from column values, not model objects; the fee step's next looks
come from what it read under the lock, not from a second read)."""

import gc
from datetime import date

import pytest
from django.db import transaction

from bench.world import populate
from escrow.actions.batch import collector_paused
from escrow.actions.deadlines import open_ended_years, sweep
from escrow.actions.reports import open_year
from escrow.models import Deal, HistoryEntry, Notification, OutboxMessage, Tranche
from escrow.queries.fees import next_fee_checks

from .conftest import on

pytestmark = pytest.mark.django_db
OPENS = date(2026, 12, 1)  # the bench world's year 1 ended on 2026-11-30 (SPA 5.1)


class _RolledBack(Exception):
    pass


def _written(tranche):
    """What opening `tranche`'s year wrote: its state, its history entry and its notices with their emails."""
    entry = HistoryEntry.objects.filter(tranche=tranche, action="year_ended").values(
        "seq", "at", "actor_id", "acting_for", "action", "from_state", "to_state", "clause", "summary", "details"
    )
    notes = Notification.objects.filter(tranche=tranche).order_by("dedupe_key")
    emails = OutboxMessage.objects.filter(notification__tranche=tranche).order_by("notification__dedupe_key")
    return (
        Tranche.objects.get(pk=tranche.pk).state,
        list(entry),
        list(
            notes.values_list("user_id", "deal_id", "subject", "body", "clause", "dedupe_key", "created_at", "message")
        ),
        list(emails.values_list("to_email", "subject", "body", "html_body", "created_at")),
    )


def test_a_year_opened_by_the_sweep_reads_as_open_year_wrote_it(require_postgres):
    deals = populate(3, prefix="same", ticker="SAME")
    tranche = Tranche.objects.get(deal=deals[1], year=1)
    with on(OPENS):
        try:
            with transaction.atomic():
                open_year(tranche.pk, today=OPENS)
                single = _written(tranche)
                raise _RolledBack
        except _RolledBack:
            pass
        assert open_ended_years(OPENS) == (3, 6)  # three years, an auditor and an issuer told of each
    state, entries, notes, emails = _written(tranche)
    assert state == single[0] == "awaiting_report"
    assert entries[0].pop("details") == {**single[1][0].pop("details"), "by": "sweep"}
    assert entries == single[1]
    assert notes == single[2] and len(notes) == 2
    assert emails == single[3] and len(emails) == 2


def test_a_year_of_a_deal_not_in_escrow_or_already_open_is_left_alone(require_postgres):
    deals = populate(3, prefix="left", ticker="LEFT")
    Deal.objects.filter(pk=deals[0].pk).update(state=Deal.State.CLOSED)
    Tranche.objects.filter(deal=deals[1], year=1).update(state="awaiting_report")
    with on(OPENS):
        assert open_ended_years(OPENS) == (1, 2)
        assert open_ended_years(OPENS) == (0, 0)
    states = dict(Tranche.objects.filter(deal__in=deals, year=1).values_list("deal_id", "state"))
    assert states == {deals[0].pk: "scheduled", deals[1].pk: "awaiting_report", deals[2].pk: "awaiting_report"}
    assert HistoryEntry.objects.filter(action="year_ended").count() == 1


def test_the_fee_steps_next_looks_are_the_ones_read_again(require_postgres):
    deals = populate(4, prefix="looks", ticker="LOOK")
    ids = [d.pk for d in deals]
    for day in (date(2026, 11, 19), date(2026, 12, 2)):
        with on(day):
            assert sweep(today=day).fee_invoices == 4
        assert dict(Deal.objects.filter(pk__in=ids).values_list("pk", "fee_check_on")) == next_fee_checks(ids, day)
    assert set(Deal.objects.filter(pk__in=ids).values_list("fee_check_on", flat=True)) == {date(2027, 12, 2)}


def test_the_cycle_collector_is_back_as_it_was_after_a_chunk():
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), collector_paused():
        assert not gc.isenabled()
        1 / 0  # noqa: B018 (a chunk that fails)
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # the caller's choice stands
    finally:
        gc.enable()
