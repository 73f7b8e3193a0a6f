"""Issue 13 item 1: the deal as of a day reads its seven tables with hand-written SQL (escrow.queries.as_of:
_movement_rows, _entry_rows, _instrument_rows, _hold_rows, _penalty_rows; escrow.queries.deal_reads.tranches_of).
Each is compared here with the ORM query it replaced (kept below), on Kaixin's year 1 walked day by day
(deposit, report, signatures, a suspension lifted, a superseded instruction, a release) with penalty days, for
every day of the walk and after it; on PostgreSQL and SQLite alike."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from escrow.history.chain import chain_key_for
from escrow.models import HistoryEntry, Hold, Instrument, PenaltyDay, ShareMovement, Signature
from escrow.queries import as_of
from escrow.queries.as_of import REPLAYED_FIELDS, SignatureAsOf, deal_as_of, end_of_day
from escrow.queries.deal_reads import tranches_of
from tests.escrow.as_of_world import CREATED, DEPOSITED, LIFTED, RELEASED, REPORTED, SIGNED, SUSPENDED, walk_year_one

pytestmark = pytest.mark.django_db
DAYS = (CREATED, DEPOSITED, REPORTED, SIGNED, SUSPENDED, LIFTED, RELEASED, RELEASED + timedelta(days=400))


# The ORM versions these replaced, as they were.
def old_movement_rows(deal, end):
    rows = ShareMovement.objects.filter(deal=deal, recorded_at__lt=end).order_by()
    return list(rows.values_list("kind", "tranche_id", "recorded_at", "quantity"))


def old_entries(deal, end):
    return list(
        HistoryEntry.objects.filter(chain__key=chain_key_for(deal), at__lt=end).order_by("seq").only(*REPLAYED_FIELDS)
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
        SignatureAsOf(s.instrument_id, s.party.role, s.party.organisation.name, str(s.signer), s.signed_at)
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


def loaded(obj):
    """The fields an object was read with (the deferred ones left out, as .only() leaves them) and their values."""
    deferred = obj.get_deferred_fields()
    return type(obj), [
        (f.attname, getattr(obj, f.attname)) for f in obj._meta.concrete_fields if f.attname not in deferred
    ]


@pytest.fixture
def walked(django_user_model):
    deal, _people = walk_year_one(django_user_model)
    year1, year2 = tranches_of(deal)[:2]
    # a superseded instruction (its replacement's creation is read with it) and penalty days of both kinds
    first, *others = Instrument.objects.filter(tranche=year1).order_by("created_at")
    Instrument.objects.filter(pk=first.pk).update(superseded_by=(others or [first])[0])
    for n, (liable, missing, charged) in enumerate(
        [("issuer", False, Decimal("12.34567891")), ("escrow_agent", False, Decimal("1")), ("issuer", True, None)]
    ):
        PenaltyDay.objects.create(
            tranche=year2,
            day=RELEASED + timedelta(days=n),
            liable=liable,
            reason="late",
            missing_price=missing,
            charged=charged,
            running_total=Decimal("13.34567891"),
            cap=Decimal("5000.5"),
            capped=n == 2,
        )
    return deal


def test_each_read_is_the_orms(walked, django_assert_num_queries):
    deal = walked
    tranches = tranches_of(deal)
    assert [loaded(t) for t in tranches] == [loaded(t) for t in deal.tranches.order_by("year")]
    assert all(t.deal is deal for t in tranches)
    ids = [t.pk for t in tranches]
    seen = set()
    for day in DAYS:
        end = end_of_day(day)
        assert sorted(as_of._movement_rows(deal, end)) == sorted(old_movement_rows(deal, end))
        assert [loaded(e) for e in as_of._entry_rows(deal, end)] == [loaded(e) for e in old_entries(deal, end)]
        instruments, signatures = as_of._instrument_rows(ids, end)
        old_instruments, old_signatures = old_instrument_rows(ids, end)
        assert [loaded(i) for i in instruments] == [loaded(i) for i in old_instruments]
        with django_assert_num_queries(0):
            replaced = [None if i.superseded_by is None else loaded(i.superseded_by) for i in instruments]
        assert replaced == [None if i.superseded_by is None else loaded(i.superseded_by) for i in old_instruments]
        assert signatures == old_signatures
        holds = as_of._hold_rows(ids, day)
        assert [loaded(h) for h in holds] == [loaded(h) for h in old_hold_rows(ids, day)]
        assert [h.get_kind_display() for h in holds] == [h.get_kind_display() for h in old_hold_rows(ids, day)]
        assert as_of._penalty_rows(ids, day) == old_penalty_rows(ids, day)
        seen.update(
            name
            for name, found in (
                ("signatures", signatures),
                ("holds", holds),
                ("penalty days", as_of._penalty_rows(ids, day)),
                ("superseded", [r for r in replaced if r]),
            )
            if found
        )
    assert seen == {"signatures", "holds", "penalty days", "superseded"}  # the walk reaches each kind of row
    assert as_of._instrument_rows([], end_of_day(DAYS[-1])) == ([], [])
    assert as_of._hold_rows([], DAYS[-1]) == as_of._penalty_rows([], DAYS[-1]) == []


def test_the_snapshot_is_the_same_with_the_tranches_passed_in(walked):
    for day in DAYS:
        assert deal_as_of(walked, day) == deal_as_of(walked, day, tranches=list(walked.tranches.order_by("year")))
    assert deal_as_of(walked, date(2027, 1, 23)).tranche(1).holds
