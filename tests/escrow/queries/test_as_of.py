"""The deal as of any past day (issue 14 item 1): Kaixin's year 1 walked day by day through the real actions,
then read back as of a day before the deposit, between the report and the release, during a suspension and
after the release. Contract dates are Beijing dates (RULES.md "Deadlines")."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from escrow.actions.deadlines import sweep
from escrow.actions.prices import import_prices, parse_price_csv
from escrow.contract.errors import InvalidInput
from escrow.models import Deal, HistoryEntry
from escrow.queries.as_of import deal_as_of, deals_as_of, end_of_day, parse_as_of, positions_as_of
from escrow.queries.penalties import deal_penalties
from tests.conftest import open_and_file
from tests.escrow.as_of_world import (
    CREATED,
    DEPOSITED,
    LIFTED,
    RELEASED,
    REPORTED,
    SIGNED,
    SUSPENDED,
    TOTAL,
    on,
    walk_year_one,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def walked(django_user_model):
    return walk_year_one(django_user_model)


def test_before_the_deposit_nothing_is_in_escrow_and_every_year_is_scheduled(walked):
    deal, _ = walked
    snap = deal_as_of(deal, date(2026, 12, 4))
    assert snap.state == Deal.State.AWAITING_DEPOSIT
    assert snap.balances.as_dict() == {"deposited": 0, "rebased": 0, "released": 0, "returned": 0, "in_escrow": 0}
    assert [t.state for t in snap.tranches] == ["scheduled"] * 5
    assert snap.signatures == [] and snap.holds == [] and snap.penalty_total == 0
    assert snap.tranche(1).release_quantity is None and snap.tranche(1).audited_revenue is None


def test_the_deposit_day_holds_every_share(walked):
    deal, _ = walked
    snap = deal_as_of(deal, DEPOSITED)
    assert snap.state == Deal.State.IN_ESCROW
    expected = {"deposited": TOTAL, "rebased": 0, "released": 0, "returned": 0, "in_escrow": TOTAL}
    assert snap.balances.as_dict() == expected


def test_between_the_report_and_the_signatures_the_instruction_awaits_both(walked):
    deal, _ = walked
    year1 = deal_as_of(deal, REPORTED).tranche(1)
    assert year1.state == "awaiting_instruction"
    assert str(year1.audited_revenue) == "665000000" and year1.release_quantity == 3_000_000
    [instruction] = year1.instruments
    assert (instruction.status, instruction.signatures, instruction.awaiting_roles) == (
        "open",
        (),
        ["issuer", "purchaser"],
    )
    assert [t.state for t in deal_as_of(deal, REPORTED).tranches[1:]] == ["scheduled"] * 4


def test_signed_then_suspended_then_lifted(walked):
    deal, people = walked
    signed = deal_as_of(deal, SIGNED)
    assert signed.tranche(1).state == "instructed"
    assert sorted(s.party_role for s in signed.signatures) == ["issuer", "purchaser"]
    assert {s.signer for s in signed.signatures} == {str(people["issuer"]), str(people["purchaser"])}
    assert signed.tranche(1).instruments[0].status == "effective" and signed.holds == []

    suspended = deal_as_of(deal, SUSPENDED)
    assert suspended.tranche(1).state == "suspended"
    [hold] = suspended.holds
    assert (hold.kind, hold.started_on, hold.reason) == ("suspension", SUSPENDED, "Seller breached the non-compete")

    lifted = deal_as_of(deal, LIFTED)
    assert lifted.tranche(1).state == "instructed" and lifted.holds == []


def test_the_release_belongs_to_its_beijing_day_not_its_utc_day(walked):
    deal, _ = walked
    assert end_of_day(RELEASED - timedelta(days=1)).isoformat() == "2027-01-26T00:00:00+08:00"
    eve = deal_as_of(deal, RELEASED - timedelta(days=1))  # the approval came at 2027-01-25 17:00 UTC
    assert eve.tranche(1).state == "release_prepared"
    assert eve.balances.released == 0 and eve.balances.in_escrow == TOTAL
    after = deal_as_of(deal, RELEASED)
    assert after.tranche(1).state == "released" and after.tranche(1).released == 3_000_000
    assert after.tranche(1).released_on == RELEASED
    assert after.balances.as_dict() == {
        "deposited": TOTAL,
        "rebased": 0,
        "released": 3_000_000,
        "returned": 0,
        "in_escrow": TOTAL - 3_000_000,
    }
    assert len(after.signatures) == 2


def test_the_latest_snapshot_agrees_with_the_rows(walked):
    deal, _ = walked
    with on(date(2027, 3, 1)):
        snap = deal_as_of(deal, date(2027, 3, 1))
    assert [t.state for t in snap.tranches] == list(deal.tranches.order_by("year").values_list("state", flat=True))
    assert snap.balances.as_dict() == deal.movements.balances()


def test_query_count_does_not_grow_with_the_history(walked):
    """One pass per table: a day with a handful of entries and a day with every entry of year 1 read alike."""
    deal, _ = walked

    def read(day):
        with CaptureQueriesContext(connection) as queries:
            deal_as_of(deal, day)
        return len(queries), HistoryEntry.objects.filter(deal=deal, at__lt=end_of_day(day)).count()

    (early, few), (late, many) = read(CREATED), read(RELEASED)
    assert many > few + 10
    assert early == late == 7  # tranches, ledger, history, instruments, signatures, holds, penalty days


# --- the `as_of` parameter ---


def test_as_of_is_validated_against_the_deals_life(walked):
    deal, _ = walked
    today = date(2027, 3, 1)
    assert parse_as_of(deal, None, today=today) is None and parse_as_of(deal, " ", today=today) is None
    assert parse_as_of(deal, "2027-01-25", today=today) == date(2027, 1, 25)
    assert parse_as_of(deal, CREATED.isoformat(), today=today) == CREATED
    with pytest.raises(InvalidInput, match="before the deal was created in the portal \\(2026-12-02\\)"):
        parse_as_of(deal, "2026-12-01", today=today)
    with pytest.raises(InvalidInput, match="after today \\(2027-03-01, Beijing time\\)"):
        parse_as_of(deal, "2027-03-02", today=today)
    with pytest.raises(InvalidInput, match=r"2027/01/25"):
        parse_as_of(deal, "2027/01/25", today=today)


def test_the_refusal_is_in_the_readers_language(walked):
    deal, _ = walked
    with translation.override("zh-hans"), pytest.raises(InvalidInput) as refused:
        parse_as_of(deal, "2026-11-30", today=date(2027, 3, 1))
    assert "2026-11-30" in refused.value.message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.value.message)


# --- the penalty to date (SPA 8.2, EA 5.2) ---


def test_the_penalty_to_date_sums_the_days_on_or_before_it(deposited, people):
    """Year 1's report is in on 2027-01-20 and nobody signs by the SPA 5.1 deadline (2027-01-29): from
    2027-01-30 the issuer is liable for USD 750 a day (0.01% of 3,000,000 shares at USD 2.50). Swept through
    2027-02-09; as of 2027-02-05 the penalty is the seven days from 2027-01-30."""
    lines = ["ticker,date,close"] + [f"KXIN,{date(2027, 1, 1) + timedelta(days=i)},2.5000" for i in range(29)]
    with on(date(2027, 1, 30), hour=9):
        import_prices(people["issuer"], parse_price_csv("\n".join(lines) + "\n", today=date(2027, 1, 30)))
    with on(date(2027, 1, 20)):
        open_and_file(deposited, people, 1, "665000000", today=date(2027, 1, 20))
    with on(date(2027, 2, 10)):
        sweep(today=date(2027, 2, 10))
    deal = Deal.objects.get(pk=deposited.pk)
    assert deal_as_of(deal, date(2027, 1, 29)).penalty_total == 0
    year1 = deal_as_of(deal, date(2027, 2, 5)).tranche(1)
    assert year1.penalty.total == Decimal("5250") and year1.penalty.accrued_through == date(2027, 2, 5)
    assert year1.penalty.by_party == {"issuer": Decimal("5250")} and year1.penalty.liable_days == {"issuer": 7}
    assert deal_as_of(deal, date(2027, 2, 5)).penalty_by_party == {"issuer": Decimal("5250")}
    latest = deal_as_of(deal, date(2027, 2, 10))
    assert latest.penalty_total == deal_penalties(deal).total
    assert latest.penalty_by_party == deal_penalties(deal).by_party
    days = [date(2027, 1, 29) + timedelta(days=i) for i in range(13)]
    _positions_agree_with_snapshots(deal, days)


# --- the period statement's opening and closing (issue 13 item 1: two queries instead of a whole snapshot) ---


def _positions_agree_with_snapshots(deal, days):
    snapshots = deals_as_of(deal, days)
    with CaptureQueriesContext(connection) as queries:
        positions = positions_as_of(deal, days)
    assert len(queries) == 3  # the tranches, the ledger, the penalty days
    for snapshot, position in zip(snapshots, positions, strict=True):
        assert position.day == snapshot.day
        assert position.balances == snapshot.balances
        assert position.penalty_by_party == snapshot.penalty_by_party
        assert list(position.penalty_by_party) == list(snapshot.penalty_by_party)  # the same order


def test_positions_are_the_snapshots_balances_and_penalty(walked):
    days = [CREATED, DEPOSITED, REPORTED, SIGNED, SUSPENDED, LIFTED, RELEASED, RELEASED + timedelta(days=1)]
    days += [day - timedelta(days=1) for day in days]
    deal, _ = walked
    _positions_agree_with_snapshots(Deal.objects.get(pk=deal.pk), days)
