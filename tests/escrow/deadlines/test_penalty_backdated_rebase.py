"""SPA 8.2, P7 across a rebase recorded after its day (issue 14): the escrow agent confirms a consolidation five
days after its effective date, or records a stock dividend's new shares as received on an earlier day, when the
sweep has already stored penalty days from that day on the old share count. The recording action puts those
stored days on the new basis (the ledger's size of each day, escrow.queries.quantities.sizes_on) and revalues the
deal at once, with a history entry naming the rebase; the money per day is the old-basis money (the same holding
valued on the same basis), exactly, since these rebases divide evenly."""

from datetime import date
from decimal import Decimal

import pytest

from escrow import actions
from escrow.actions import holdings as act
from escrow.contract.penalty import PenaltyDayInput, accrue
from escrow.models import HistoryAction, HistoryEntry, PenaltyDay, PenaltyPosition
from tests.conftest import tranche

from .conftest import days, on
from .test_penalty_accrual import _prices, _sweep

pytestmark = pytest.mark.django_db

EFFECTIVE = date(2027, 2, 1)  # a Monday; the sweep has stored 01-30 to 02-05 when the rebase is recorded
RECORDED = date(2027, 2, 6)  # five days later
MONEY = Decimal("0.00000001")


@pytest.fixture
def late(deposited, people):
    """Year 1 with no report (SPA 5.1 deadline 2027-01-29): closes of 2.50 per old share to 01-29, swept every
    day to 02-05 on the nominal 3,000,000 shares."""
    t1 = tranche(deposited, 1)
    actions.open_year(t1.pk, today=date(2026, 12, 1))
    _prices(date(2027, 1, 1), date(2027, 1, 29))
    for day in days(date(2027, 1, 31), RECORDED):
        _sweep(day)
    assert set(_rows(t1)) == set(days(date(2027, 1, 30), date(2027, 2, 5)))
    return t1


def _rows(t):
    return {r.day: r for r in PenaltyDay.objects.filter(tranche=t).order_by("day")}


def _revaluations(t):
    return list(HistoryEntry.objects.filter(tranche=t, action=HistoryAction.PENALTY_REVALUED).order_by("seq"))


def _consolidate(deal, people, new, old, effective=EFFECTIVE, hour=11):
    with on(RECORDED, hour=hour):
        actions.propose_corporate_action(
            people["issuer"], deal, ratio_new=new, ratio_old=old, effective_date=effective, fraction_policy="round-up"
        )
        actions.confirm_corporate_action(people["agent1"], deal)


def _old_basis(rows, deal, closes=None):
    """The same days on the pre-rebase basis: 3,000,000 shares, closes as entered (2.50 to 01-29)."""
    closes = closes or {d: Decimal("2.5") for d in days(date(2027, 1, 1), date(2027, 1, 29)) if d.weekday() < 5}
    return accrue(
        [PenaltyDayInput(day, 3_000_000, r.liable or None, "") for day, r in rows.items()],
        closes,
        deal.penalty_cap_valuation,
    )


def _same_money(rows, old_basis):
    assert [r.amount for r in rows.values()] == [Decimal(r.amount).quantize(MONEY) for r in old_basis.rows]
    assert rows[max(rows)].running_total == old_basis.total.quantize(MONEY)


def test_a_consolidation_confirmed_five_days_late_puts_the_stored_days_on_the_new_count(late, people):
    deal = late.deal
    _consolidate(deal, people, 1, 30)
    rows = _rows(late)
    for day, row in rows.items():
        assert row.shares == (3_000_000 if day < EFFECTIVE else 100_000), day
    after = rows[date(2027, 2, 3)]
    # The 01-29 close put on the new basis (x30): 100,000 x 75 = 7,500,000, the old holding's value, not 30x it.
    assert (after.price, after.price_date, after.amount) == (Decimal("75"), date(2027, 1, 29), Decimal("750"))
    _same_money(rows, _old_basis(rows, deal))
    assert rows[max(rows)].running_total == Decimal("750") * 7

    (entry,) = _revaluations(late)
    assert "the 1-for-30 consolidation effective 2027-02-01 was confirmed by agent1" in entry.summary
    assert entry.details["days"] == [["2027-02-01", "2027-02-05"]]
    assert entry.details["rebases"][0]["ratio_new"] == 1 and entry.details["rebases"][0]["ratio_old"] == 30
    assert entry.details["before"]["total"] == entry.details["after"]["total"]

    # The next sweep adds its day and revalues nothing: the tranche is clean again.
    report = _sweep(date(2027, 2, 7))
    assert (report.penalty["days_written"], report.penalty["days_revalued"]) == (1, 0)
    assert _rows(late)[date(2027, 2, 6)].shares == 100_000 and len(_revaluations(late)) == 1


def test_closes_of_the_new_line_entered_before_the_confirmation_are_not_valued_30_times(late, people):
    """The market prices the consolidated share from 02-01 (75.00); entered before the agent confirms, they value
    the stored 3,000,000 old shares 30x too high until the confirmation puts those days on 100,000 shares."""
    _prices(EFFECTIVE, date(2027, 2, 5), close="75.0000", at=RECORDED, hour=11)
    _sweep(RECORDED, hour=12)
    assert _rows(late)[date(2027, 2, 3)].amount == Decimal("22500")  # the bug the confirmation repairs
    _consolidate(late.deal, people, 1, 30, hour=13)
    rows = _rows(late)
    after = rows[date(2027, 2, 3)]
    assert (after.shares, after.price, after.price_date, after.amount) == (
        100_000,
        Decimal("75"),
        date(2027, 2, 3),
        Decimal("750"),
    )
    _same_money(rows, _old_basis(rows, late.deal))
    (*_, entry) = _revaluations(late)
    assert "consolidation effective 2027-02-01 was confirmed" in entry.summary


def test_a_split_confirmed_late_doubles_the_stored_shares_and_halves_the_close(late, people):
    _consolidate(late.deal, people, 2, 1)
    rows = _rows(late)
    after = rows[date(2027, 2, 5)]
    assert (after.shares, after.price, after.amount) == (6_000_000, Decimal("1.25"), Decimal("750"))
    assert rows[date(2027, 1, 31)].shares == 3_000_000
    _same_money(rows, _old_basis(rows, late.deal))
    assert "the 2-for-1 split effective 2027-02-01" in _revaluations(late)[0].summary


def test_a_stock_dividend_received_on_an_earlier_day_grows_the_stored_days(late, people):
    """10% new shares, recorded on 02-06 as received on 02-01: an 11-for-10 split from 02-01 for the basis."""
    deal = late.deal
    with on(RECORDED, hour=11):
        dividend = act.record_dividend(
            people["issuer"],
            deal,
            kind="shares",
            declared_on=date(2027, 1, 20),
            record_date=EFFECTIVE,
            payment_date=EFFECTIVE,
            per_share="0.1",
        )
        act.record_dividend_pass_through(
            people["agent1"], deal, dividend.pk, paid_on=EFFECTIVE, reference="TA-SD", amount="1,500,000"
        )
    rows = _rows(late)
    for day, row in rows.items():
        assert row.shares == (3_000_000 if day < EFFECTIVE else 3_300_000), day
    after = rows[date(2027, 2, 2)]
    assert (after.price, after.amount) == (Decimal("2.2727"), Decimal("750"))  # 2.50 x 10/11, valued exactly
    _same_money(rows, _old_basis(rows, deal))
    (entry,) = _revaluations(late)
    assert "the stock dividend's new shares received into escrow on 2027-02-01 (11 for 10) were recorded" in (
        entry.summary
    )


def test_a_rebase_dated_after_the_last_stored_day_changes_nothing_stored(late, people):
    before = {day: (r.shares, r.amount, r.running_total) for day, r in _rows(late).items()}
    _consolidate(late.deal, people, 1, 30, effective=RECORDED)  # stored through 02-05; effective 02-06
    assert {day: (r.shares, r.amount, r.running_total) for day, r in _rows(late).items()} == before
    assert _revaluations(late) == []
    _sweep(date(2027, 2, 7))
    new = _rows(late)[RECORDED]
    assert (new.shares, new.price, new.amount) == (100_000, Decimal("75"), Decimal("750"))
    assert _revaluations(late) == []


def test_the_rebase_makes_the_late_tranche_dirty_for_the_next_sweep(late, people, monkeypatch):
    """Had the action not revalued at once, the rebase written after the tranche's last computation makes the next
    sweep revalue it, with the same history entry."""
    from escrow.actions import accrual

    monkeypatch.setattr(accrual, "accrue_penalties", lambda **kwargs: {})
    _consolidate(late.deal, people, 1, 30)
    monkeypatch.undo()
    assert _revaluations(late) == [] and _rows(late)[date(2027, 2, 3)].shares == 100_000  # shares moved, money not
    with on(RECORDED, hour=12):
        report = accrual.accrue_penalties(through=date(2027, 2, 5))
    assert report["revaluations_recorded"] == 1
    rows = _rows(late)
    assert rows[date(2027, 2, 3)].price == Decimal("75") and rows[date(2027, 2, 3)].amount == Decimal("750")
    _same_money(rows, _old_basis(rows, late.deal))
    assert "the 1-for-30 consolidation effective 2027-02-01 was confirmed by agent1" in _revaluations(late)[0].summary


def test_a_released_fixed_quantity_is_rebased_as_one_holding_under_the_rebase_rounding(deposited):
    """A fixed quantity meets a back-dated rebase only once released (the confirmation and the receipt are refused
    while it is fixed and unreleased), and the ledger never rebases released shares: its stored days from the
    effective date are rebased as one holding, rounded as the rebase rounds (the action's fractional shares
    policy; a stock dividend's new shares are whole, floored)."""
    from escrow.contract.corporate_actions import Ratio, stock_dividend_ratio
    from escrow.queries.penalties import rebased_day_shares

    t1 = tranche(deposited, 1)
    t1.release_quantity = 2_700_001
    day = date(2027, 2, 3)
    assert rebased_day_shares(t1, day, 2_700_001, Ratio(1, 30), "round-up") == 90_001  # 90,000.03 rounded up
    assert rebased_day_shares(t1, day, 2_700_001, Ratio(1, 30), "floor") == 90_000
    assert rebased_day_shares(t1, day, 2_700_001, stock_dividend_ratio("0.1"), "floor") == 2_970_001


# --- a fixed quantity released between the rebase's effective date and its confirmation (issue 14 gap) ---


def _release_year_one(deal, people, released):
    """Year 1's report filed on 01-27 (the quantity fixed in old shares), the instruction signed on 01-28 and
    02-02, the release approved on `released`: no sweep runs meanwhile, so no penalty day is stored yet."""
    from tests.conftest import make_pdf

    from .test_year_one_walk import _sign

    t1 = tranche(deal, 1)
    with on(date(2026, 12, 1)):
        actions.open_year(t1.pk, today=date(2026, 12, 1))
    _prices(date(2027, 1, 1), date(2027, 1, 29))
    with on(date(2027, 1, 27)):
        actions.file_report(
            people["auditor"], t1.pk, audited_revenue="665000000", pdf=make_pdf("Year 1"), original_name="r1.pdf"
        )
    with on(date(2027, 1, 28)):
        _sign(deal, "issuer", people)
    with on(date(2027, 2, 2)):
        _sign(deal, "purchaser", people)
    _release(deal, people, released)
    t1 = tranche(deal, 1)
    assert t1.released_on == released and t1.release_quantity is not None
    assert not PenaltyDay.objects.filter(tranche=t1).exists()
    return t1


def test_new_days_of_a_fixed_quantity_released_after_the_effective_date_are_on_the_rebased_count(deposited, people):
    """SPA 8.2, P7: year 1's quantity is fixed in old shares and released on 02-04; the 1-for-30 consolidation
    effective 02-01 is confirmed on 02-06, before any sweep stored the days 01-30 to 02-03. Those days are new when
    valued: from 02-01 their closes are on the new basis (x30), so their shares must be too, the released quantity
    rebased as one holding under the action's own rounding (what `rebased_day_shares` gives a stored day), and the
    money per day is the old-basis money."""
    from escrow.contract.corporate_actions import Ratio, rebase_holding

    released = date(2027, 2, 4)
    t1 = _release_year_one(deposited, people, released)
    quantity = t1.release_quantity
    _consolidate(deposited, people, 1, 30)  # on 02-06: year 1 is released, so the confirmation is allowed
    _sweep(date(2027, 2, 7))
    rows = _rows(t1)
    assert list(rows) == list(days(date(2027, 1, 30), date(2027, 2, 3)))
    rebased = rebase_holding(quantity, Ratio(1, 30), "round-up").after
    for day, row in rows.items():
        assert row.shares == (quantity if day < EFFECTIVE else rebased), day
    after = rows[date(2027, 2, 3)]
    assert (after.price, after.price_date) == (Decimal("75"), date(2027, 1, 29))
    closes = {d: Decimal("2.5") for d in days(date(2027, 1, 1), date(2027, 1, 29)) if d.weekday() < 5}
    old_basis = accrue(
        [PenaltyDayInput(day, quantity, r.liable or None, "") for day, r in rows.items()],
        closes,
        deposited.penalty_cap_valuation,
    )
    assert quantity % 30 == 0  # the consolidation divides it evenly: the same holding, the same money
    _same_money(rows, old_basis)
    # Stored on the rebased count, the days stay as they are: the next sweep has nothing to add or revalue.
    report = _sweep(date(2027, 2, 8))
    assert (report.penalty["days_written"], report.penalty["days_revalued"]) == (0, 0)
    assert {d: r.shares for d, r in _rows(t1).items()} == {d: r.shares for d, r in rows.items()}


# --- the mirror case: a quantity fixed after a late rebase, with days before its effective date not stored ---


def _mirror(deal, people, monkeypatch, *, release=False):
    """Year 1 opened on 12-01, closes of 2.50 per old share to 01-29, and no sweep from then on (a scheduler
    down since the year ended). The 1-for-30 consolidation effective 02-01 is confirmed on 02-06 without its
    immediate revaluation (as had the action not revalued at once: the days 01-30 to 02-05 stay unstored), then
    year 1's report is filed on 02-07: the engine fixes the quantity on the rebased sizes, 100,000 new shares
    (on target). With `release`, the instruction is signed and the release approved on 02-10."""
    from escrow.actions import accrual
    from tests.conftest import make_pdf

    from .test_year_one_walk import _sign

    t1 = tranche(deal, 1)
    with on(date(2026, 12, 1)):
        actions.open_year(t1.pk, today=date(2026, 12, 1))
    _prices(date(2027, 1, 1), date(2027, 1, 29))
    monkeypatch.setattr(accrual, "accrue_penalties", lambda **kwargs: {})
    _consolidate(deal, people, 1, 30)
    monkeypatch.undo()
    with on(date(2027, 2, 7)):
        actions.file_report(
            people["auditor"], t1.pk, audited_revenue="665000000", pdf=make_pdf("Year 1"), original_name="r1.pdf"
        )
    if release:
        with on(date(2027, 2, 8)):
            _sign(deal, "issuer", people)
            _sign(deal, "purchaser", people)
        _release(deal, people, date(2027, 2, 10))
    t1 = tranche(deal, 1)
    assert t1.release_quantity == 100_000  # 3,000,000 / 30: the quantity is on the new basis
    assert not PenaltyDay.objects.filter(tranche=t1).exists()
    return t1


@pytest.mark.parametrize("release", [False, True], ids=["unreleased", "released"])
def test_a_quantity_fixed_after_a_late_rebase_values_the_days_before_it_on_the_old_basis(
    deposited, people, monkeypatch, release
):
    """SPA 8.2, P7 (issue 14, the mirror of the release case above): the days 01-30 and 01-31, before the
    consolidation's effective date, are first valued after the quantity was fixed on the new basis; their
    closes are on the old basis (2.50), so their shares must be too: 100,000 new shares are 3,000,000 old ones
    (not 100,000 old shares at 2.50, 30x too little: 25.00 a day instead of 750). Every liable day is worth the old
    holding, 750 a day; the catch-up sweep stores them so (released: the first sweep runs after the release), with
    the running state of the last day, and the next sweep changes nothing."""
    t1 = _mirror(deposited, people, monkeypatch, release=release)
    last = date(2027, 2, 9) if release else date(2027, 2, 7)
    _sweep(date(2027, 2, 11) if release else date(2027, 2, 8))  # the first sweep since 12-01: a catch-up
    rows = _rows(t1)
    assert list(rows) == list(days(date(2027, 1, 30), last))
    for day, row in rows.items():
        assert row.shares == (3_000_000 if day < EFFECTIVE else 100_000), day
    before, after = rows[date(2027, 1, 31)], rows[date(2027, 2, 3)]
    assert (before.price, before.price_date, before.amount) == (Decimal("2.5"), date(2027, 1, 29), Decimal("750"))
    assert (after.price, after.price_date, after.amount) == (Decimal("75"), date(2027, 1, 29), Decimal("750"))
    _same_money(rows, _old_basis(rows, deposited))
    state = PenaltyPosition.objects.get(tranche_id=t1.pk)
    assert (state.last_day, state.total, state.cap, state.capped) == (
        last,
        rows[last].running_total,
        rows[last].cap,
        rows[last].capped,
    )
    report = _sweep(date(2027, 2, 12))
    assert report.penalty["days_revalued"] == 0
    assert {d: (r.shares, r.amount) for d, r in _rows(t1).items() if d <= last} == {
        d: (r.shares, r.amount) for d, r in rows.items()
    }


def test_the_mirror_rule_puts_a_quantity_back_on_the_old_basis_to_the_nearest_whole_share():
    """`fixed_quantity_on(..., undone=)`: exact for a consolidation; where a split or stock dividend does not divide
    the quantity, the nearest whole old share, which is the holding the rebase turned into it."""
    from escrow.contract.corporate_actions import Ratio, rebase_holding, stock_dividend_ratio
    from escrow.queries.penalties import fixed_quantity_on

    assert fixed_quantity_on(100_000, [], [Ratio(1, 30)]) == 3_000_000
    assert fixed_quantity_on(90_001, [], [Ratio(1, 30)]) == 2_700_030
    ten_percent = stock_dividend_ratio("0.1")
    assert fixed_quantity_on(2_970_001, [], [ten_percent]) == 2_700_001  # 2,700,000.909...
    assert rebase_holding(2_700_001, ten_percent, "floor").after == 2_970_001
    assert fixed_quantity_on(5_400_001, [], [Ratio(2, 1)]) == 2_700_001  # 2,700,000.5, half up
    # Undone, then rebased forward (a rebase recorded after the release, effective by the day): in that order.
    assert fixed_quantity_on(100_000, [(Ratio(2, 1), "floor")], [Ratio(1, 30)]) == 6_000_000


def _release(deal, people, day):
    """Year 1 released on `day` through the officers' four eyes (EA 3.2), the call-back confirmed."""
    from tests.conftest import PASSWORD
    from tests.escrow.call_backs import confirm_call_back

    with on(day):
        t1 = tranche(deal, 1)
        digest = t1.instruments.get(kind="joint_instruction", status="effective").document.sha256
        actions.prepare_release(people["agent1"], t1.pk, expected_sha256=digest, password=PASSWORD)
        confirm_call_back(deal, people, t1)
        actions.approve_release(
            people["agent2"], t1.pk, expected_sha256=digest, transfer_reference="TA-2027-1", password=PASSWORD
        )
