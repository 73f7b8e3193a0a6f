"""escrow.queries.as_of's reads written in SQL (issue 13 item 1): the ledger, the history, the instruments with the
instrument superseding each, the signatures, the holds and the penalty days read by hand-written SQL are the rows
the ORM queries they replaced (kept below) read, and every snapshot and position built from them is the same, for
each day of a walked year (deposit, report, signatures, a suspension, the release) and of a penalty run. Runs on
PostgreSQL and SQLite."""

from datetime import date, timedelta

import pytest

from escrow.actions.deadlines import sweep
from escrow.actions.prices import import_prices, parse_price_csv
from escrow.history.chain import chain_key_for
from escrow.models import Deal, HistoryEntry, Hold, Instrument, PenaltyDay, ShareMovement, Signature
from escrow.queries import as_of
from tests.conftest import open_and_file
from tests.escrow.as_of_world import CREATED, RELEASED, on, walk_year_one

pytestmark = pytest.mark.django_db


# The ORM reads replaced.
def old_movement_rows(deal, end):
    rows = ShareMovement.objects.filter(deal=deal, recorded_at__lt=end).order_by()
    return list(rows.values_list("kind", "tranche_id", "recorded_at", "quantity"))


def old_entry_rows(deal, end):
    return list(
        HistoryEntry.objects.filter(chain__key=chain_key_for(deal), at__lt=end)
        .order_by("seq")
        .only(*as_of.REPLAYED_FIELDS)
    )


def old_instrument_rows(tranche_ids, end):
    instruments = list(
        Instrument.objects.filter(tranche_id__in=tranche_ids, created_at__lt=end)
        .select_related("superseded_by")
        .only(
            "id",
            "tranche_id",
            "kind",
            "quantity",
            "required_roles",
            "status",
            "created_at",
            "effective_at",
            "superseded_by__created_at",
        )
        .order_by("created_at", "pk")
    )
    signatures = [
        as_of.SignatureAsOf(s.instrument_id, s.party.role, s.party.organisation.name, str(s.signer), s.signed_at)
        for s in Signature.objects.filter(instrument__tranche_id__in=tranche_ids, signed_at__lt=end)
        .select_related("party__organisation", "signer")
        .order_by("signed_at", "pk")
    ]
    return instruments, signatures


def old_hold_rows(tranche_ids, day):
    return list(Hold.objects.filter(tranche_id__in=tranche_ids, started_on__lte=day).order_by("started_at", "pk"))


def old_penalty_rows(tranche_ids, day):
    rows = (
        PenaltyDay.objects.filter(tranche_id__in=tranche_ids, day__lte=day)
        .order_by("tranche_id", "day")
        .values_list("tranche_id", "day", "liable", "missing_price", "charged", "running_total", "cap", "capped")
    )
    return list(rows)


def instrument_facts(i):
    replacement = i.superseded_by
    return (i.pk, i.tranche_id, i.kind, i.quantity, i.required_roles, i.status, i.created_at, i.effective_at), (
        None if replacement is None else replacement.created_at
    )


def assert_same_reads(deal, days):
    ids = list(deal.tranches.order_by("year").values_list("pk", flat=True))
    met = set()
    for day in days:
        end = as_of.end_of_day(day)
        movements = as_of._movement_rows(deal, end)
        assert sorted(movements) == sorted(old_movement_rows(deal, end)), day
        entries = as_of._entry_rows(deal, end)
        assert [[getattr(e, name) for name in as_of.REPLAYED_FIELDS] for e in entries] == [
            [getattr(e, name) for name in as_of.REPLAYED_FIELDS] for e in old_entry_rows(deal, end)
        ], day
        for tranche_ids in (ids, ids[:1], []):
            instruments, signatures = as_of._instrument_rows(tranche_ids, end)
            old_instruments, old_signatures = old_instrument_rows(tranche_ids, end)
            assert [instrument_facts(i) for i in instruments] == [instrument_facts(i) for i in old_instruments], day
            assert signatures == old_signatures, day
            holds = as_of._hold_rows(tranche_ids, day)
            old_holds = old_hold_rows(tranche_ids, day)
            assert [as_of._holds(holds, day)] == [as_of._holds(old_holds, day)], day
            assert [(h.pk, h.tranche_id, h.started_on, h.ended_on) for h in holds] == [
                (h.pk, h.tranche_id, h.started_on, h.ended_on) for h in old_holds
            ], day
            assert as_of._penalty_rows(tranche_ids, day) == old_penalty_rows(tranche_ids, day), day
            met |= {name for name, found in (("signatures", signatures), ("holds", holds)) if found}
            met |= {"penalty days"} if as_of._penalty_rows(tranche_ids, day) else set()
            met |= {"superseded"} if any(i.superseded_by for i in instruments) else set()
        met |= {"movements"} if movements else set()
    return met


def snapshots_and_positions(deal, days):
    deal = Deal.objects.get(pk=deal.pk)
    return as_of.deals_as_of(deal, days), as_of.positions_as_of(deal, days)


def assert_same_snapshots(deal, days, monkeypatch):
    fast = snapshots_and_positions(deal, days)
    for name, old in (
        ("_movement_rows", old_movement_rows),
        ("_entry_rows", old_entry_rows),
        ("_instrument_rows", old_instrument_rows),
        ("_hold_rows", old_hold_rows),
        ("_penalty_rows", old_penalty_rows),
    ):
        monkeypatch.setattr(as_of, name, old)
    assert fast == snapshots_and_positions(deal, days)


def test_the_walked_year_reads_what_the_orm_read(django_user_model, monkeypatch):
    deal, _ = walk_year_one(django_user_model)
    days = [CREATED + timedelta(days=i) for i in range((RELEASED - CREATED).days + 3)]
    met = assert_same_reads(deal, days)
    assert {"signatures", "holds", "movements"} <= met
    assert_same_snapshots(deal, days, monkeypatch)


def test_the_penalty_days_read_what_the_orm_read(deposited, people, monkeypatch):
    lines = ["ticker,date,close"] + [f"KXIN,{date(2027, 1, 1) + timedelta(days=i)},2.5000" for i in range(29)]
    with on(date(2027, 1, 30), hour=9):
        import_prices(people["issuer"], parse_price_csv("\n".join(lines) + "\n", today=date(2027, 1, 30)))
    with on(date(2027, 1, 20)):
        open_and_file(deposited, people, 1, "665000000", today=date(2027, 1, 20))
    with on(date(2027, 2, 10)):
        sweep(today=date(2027, 2, 10))
    days = [date(2027, 1, 28) + timedelta(days=i) for i in range(15)]
    assert "penalty days" in assert_same_reads(deposited, days)
    assert_same_snapshots(deposited, days, monkeypatch)
