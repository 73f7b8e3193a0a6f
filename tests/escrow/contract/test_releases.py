"""SPA 5.1 / 5.2 release arithmetic, rule by rule, and the RULES.md worked example."""

import json
from decimal import Decimal as D

import pytest

from escrow.contract.policies import Policies
from escrow.contract.releases import compute_releases, tranche_sizes

KAIXIN_TOTAL = 15_000_000
KAIXIN_TARGETS = [D("665000000"), D("732000000"), D("805000000"), D("885000000"), D("974000000")]
WORKED_ACTUALS = [D("598500000"), D("865000000"), D("805000000"), D("885000000"), D("974000000")]
HUNDREDS = [D(100)] * 5  # targets of 100 make hand computation easy; S = 100 with total 500


def releases(actuals, targets=HUNDREDS, total=500, **policies):
    return compute_releases(total, targets, [D(a) for a in actuals], Policies(**policies))


# --- SPA 5.1: tranches -------------------------------------------------------------------------


def test_kaixin_tranches_are_one_fifth():
    assert tranche_sizes(KAIXIN_TOTAL, 5) == [3_000_000] * 5


def test_uneven_total_is_conserved():
    assert tranche_sizes(14, 5) == [2, 3, 3, 3, 3]
    assert sum(tranche_sizes(1_000_003, 7)) == 1_000_003


@pytest.mark.parametrize("args", [(-1, 5), (10, 0), (10.0, 5)])
def test_tranche_sizes_rejects_bad_input(args):
    with pytest.raises(ValueError):
        tranche_sizes(*args)


def test_met_target_releases_whole_tranche():
    year = releases(["100"]).years[0]
    assert (year.own_release, year.deducted, year.total_release) == (100, 0, 100)
    assert year.explanations[0].clause == "SPA 5.1"


def test_exceeding_without_earlier_shortfall_releases_only_s():
    year = releases(["180"]).years[0]
    assert year.total_release == 100 and year.offset_shares == {} and year.excess == D(80)
    assert year.excess_used == 0  # nothing earlier to offset: the excess lapses


# --- SPA 5.2(1): deduction ---------------------------------------------------------------------


def test_missed_target_deducts_pro_rata():
    year = releases(["75"]).years[0]
    assert (year.own_release, year.deducted) == (75, 25)
    assert year.explanations[0].clause == "SPA 5.2(1)"


def test_zero_revenue_deducts_everything():
    schedule = releases(["0", "100", "100", "100", "100"])
    assert schedule.years[0].own_release == 0 and schedule.years[0].deducted == 100
    assert schedule.cancelled_at_expiry == 100


def test_deducted_shares_cancelled_only_at_expiry():
    partial = releases(["75", "100"])
    assert partial.cancelled_at_expiry is None  # years 3-5 unknown: no cancellation yet
    assert partial.still_in_escrow == 500 - 175
    complete = releases(["75", "100", "100", "100", "100"])
    assert complete.cancelled_at_expiry == 25 and complete.still_in_escrow == 0


# --- SPA 5.2(2): offsets only earlier years -----------------------------------------------------


def test_excess_never_offsets_a_later_year():
    schedule = releases(["150", "50", "100", "100", "100"])
    assert schedule.years[0].excess_used == 0 and schedule.years[1].offset_shares == {}
    assert schedule.cancelled_at_expiry == 50


def test_unused_excess_lapses_and_is_not_carried_forward():
    # Year 2 has 50 available but year 1 lacks only 10; year 3's later shortfall gets nothing.
    schedule = releases(["90", "200", "80", "100", "100"])
    year2 = schedule.years[1]
    assert year2.excess_credit_available == D(50) and year2.excess_used == D(10)
    assert year2.offset_shares == {1: 10}
    assert schedule.years[3].offset_shares == {} and schedule.cancelled_at_expiry == 20


def test_offset_spread_over_several_later_years():
    schedule = releases(["60", "120", "120", "120", "120"])  # 10 available each year, 40 missing
    assert [y.offset_shares for y in schedule.years[1:]] == [{1: 10}] * 4
    assert schedule.released_by_tranche[1] == 100 and schedule.cancelled_at_expiry == 0


# --- Worked example (RULES.md) under both P1 values ---------------------------------------------


def test_worked_example_default_policies():
    schedule = compute_releases(KAIXIN_TOTAL, KAIXIN_TARGETS, WORKED_ACTUALS)
    y1, y2, *rest = schedule.years
    assert (y1.own_release, y1.deducted, y1.total_release) == (2_700_000, 300_000, 2_700_000)
    assert (y2.own_release, y2.offset_shares, y2.total_release) == (3_000_000, {1: 300_000}, 3_300_000)
    assert y2.excess == D("133000000") and y2.excess_credit_available == D("66500000")
    assert y2.excess_used == D("66500000") and y2.credited == {1: D("66500000")}
    assert [y.total_release for y in rest] == [3_000_000] * 3
    assert schedule.cancelled_at_expiry == 0 and schedule.released_total == KAIXIN_TOTAL


def test_worked_example_six_k_reading():
    schedule = compute_releases(
        KAIXIN_TOTAL, KAIXIN_TARGETS, WORKED_ACTUALS, Policies(excess_credit="whole-excess-over-50pct")
    )
    assert schedule.years[1].offset_shares == {} and schedule.years[1].excess_credit_available == 0
    assert [y.total_release for y in schedule.years] == [2_700_000] + [3_000_000] * 4
    assert schedule.cancelled_at_expiry == 300_000


def test_worked_example_excess_year_base():
    # 3,000,000 x 66.5M / 732M = 272,540.98...: floor 272,540, half-up 272,541.
    floor = compute_releases(KAIXIN_TOTAL, KAIXIN_TARGETS, WORKED_ACTUALS, Policies(offset_base="excess-year"))
    half_up = compute_releases(
        KAIXIN_TOTAL, KAIXIN_TARGETS, WORKED_ACTUALS, Policies(offset_base="excess-year", rounding="half-up")
    )
    assert floor.years[1].offset_shares == {1: 272_540} and floor.cancelled_at_expiry == 27_460
    assert half_up.years[1].offset_shares == {1: 272_541} and half_up.cancelled_at_expiry == 27_459


def test_partial_knowledge_of_kaixin():
    schedule = compute_releases(KAIXIN_TOTAL, KAIXIN_TARGETS, WORKED_ACTUALS[:1])
    assert schedule.released_total == 2_700_000 and schedule.still_in_escrow == 12_300_000
    assert schedule.cancelled_at_expiry is None


# --- P1 excess_credit ---------------------------------------------------------------------------


def test_p1_half_of_excess():
    year2 = releases(["80", "130"]).years[1]
    assert year2.excess_credit_available == D(15) and year2.offset_shares == {1: 15} and year2.total_release == 115


def test_p1_whole_excess_only_over_50pct():
    rule = {"excess_credit": "whole-excess-over-50pct"}
    assert releases(["80", "130"], **rule).years[1].offset_shares == {}
    assert releases(["80", "150"], **rule).years[1].offset_shares == {}  # exactly 50%: not "more than"
    year2 = releases(["80", "160"], **rule).years[1]
    assert year2.excess_credit_available == D(60) and year2.excess_used == D(20)
    assert year2.offset_shares == {1: 20}


# --- P2 offset_base -----------------------------------------------------------------------------


def test_p2_shortfall_year_vs_excess_year():
    targets, total = [D(200), D(100)], 200  # S = 100 each; year 1 short 50 of 200, year 2 has 20 available
    shortfall = releases(["150", "140"], targets, total).years[1]
    excess = releases(["150", "140"], targets, total, offset_base="excess-year").years[1]
    assert shortfall.offset_shares == {1: 10}  # 20 / 200 x 100
    assert excess.offset_shares == {1: 20}  # 20 / 100 x 100
    assert shortfall.excess_used == excess.excess_used == D(20)


def test_p2_excess_year_needs_less_revenue_to_fill_gap():
    targets, total = [D(200), D(100)], 200
    year2 = releases(["150", "200"], targets, total, offset_base="excess-year").years[1]
    assert year2.offset_shares == {1: 25} and year2.excess_used == D(25)  # gap 1/4 x T_2 = 25


# --- P3 offset_order ----------------------------------------------------------------------------


def test_p3_earliest_first():
    year3 = releases(["90", "70", "130"]).years[2]  # 15 available; gaps 10 and 30
    assert year3.offset_shares == {1: 10, 2: 5}


def test_p3_largest_first():
    year3 = releases(["90", "70", "130"], offset_order="largest-first").years[2]
    assert year3.offset_shares == {2: 15}


def test_p3_largest_first_tie_goes_to_earliest():
    year3 = releases(["80", "80", "110"], offset_order="largest-first").years[2]
    assert year3.offset_shares == {1: 5}


def test_p3_largest_first_moves_on_when_filled():
    year3 = releases(["90", "70", "200"], offset_order="largest-first").years[2]  # 50 available
    assert year3.offset_shares == {2: 30, 1: 10} and list(year3.offset_shares) == [2, 1]


# --- P4 rounding --------------------------------------------------------------------------------


@pytest.mark.parametrize("revenue, floor_own, half_up_own", [("50", 1, 2), ("40", 1, 1), ("60", 1, 2), ("83.33", 2, 2)])
def test_p4_own_release(revenue, floor_own, half_up_own):
    total = 15  # S = 3
    assert releases([revenue], total=total).years[0].own_release == floor_own
    assert releases([revenue], total=total, rounding="half-up").years[0].own_release == half_up_own


def test_p4_floor_accumulates_credit_without_losing_shares():
    # S = 3, T = 100: year 1 earns f = 0.5; offsets of 5, 5, 20, 20 lift f to 0.55, 0.6, 0.8, 1.
    schedule = releases(["50", "110", "110", "140", "140"], total=15)
    assert schedule.years[0].own_release == 1  # floor(1.5)
    assert schedule.years[1].offset_shares == {} and schedule.years[1].credited == {1: D(5)}  # floor(1.65) = 1
    assert schedule.years[2].offset_shares == {}  # floor(1.8) = 1
    assert schedule.years[3].offset_shares == {1: 1}  # floor(2.4) = 2
    assert schedule.years[4].offset_shares == {1: 1}  # f = 1: exactly S
    assert schedule.released_by_tranche[1] == 3 and schedule.cancelled_at_expiry == 0


def test_p4_half_up_same_sequence():
    schedule = releases(["50", "110", "110", "140", "140"], total=15, rounding="half-up")
    assert schedule.years[0].own_release == 2  # 1.5 rounds up
    assert [y.offset_shares for y in schedule.years[1:]] == [{}, {}, {}, {1: 1}]
    assert schedule.released_by_tranche[1] == 3 and schedule.cancelled_at_expiry == 0


# --- P5 partial_release -------------------------------------------------------------------------


def test_p5_by_formula_needs_no_settlement():
    assert releases(["75"]).years[0].requires_settlement is False


def test_p5_settlement_only_flags_missed_year_but_keeps_quantity():
    schedule = releases(["75", "130"], partial_release="settlement-only")
    year1, year2 = schedule.years
    assert year1.requires_settlement is True and year1.own_release == 75
    assert year2.requires_settlement is False and year2.offset_shares == {1: 15}
    assert any("settlement" in e.figure for e in year1.explanations)


# --- Errors -------------------------------------------------------------------------------------


def test_negative_revenue_rejected():
    with pytest.raises(ValueError, match="revenue of year 2 cannot be negative"):
        releases(["100", "-1"])


def test_too_many_years_rejected():
    with pytest.raises(ValueError, match="6 revenues given but the deal has only 5"):
        releases(["100"] * 6)


@pytest.mark.parametrize("targets", [[D(0)], [D(100), D(-5)], []])
def test_bad_targets_rejected(targets):
    with pytest.raises(ValueError):
        compute_releases(100, targets, [])


def test_float_money_refused():
    with pytest.raises(TypeError):
        compute_releases(500, HUNDREDS, [99.5])


def test_numeric_strings_and_ints_accepted():
    schedule = compute_releases(500, [100] * 5, ["75.5", 100])
    assert schedule.years[0].own_release == 75 and schedule.years[0].actual == D("75.5")


# --- Output shape -------------------------------------------------------------------------------


def test_as_dict_is_json_ready():
    data = compute_releases(KAIXIN_TOTAL, KAIXIN_TARGETS, WORKED_ACTUALS).as_dict()
    text = json.dumps(data)
    assert data["years"][1]["offset_shares"] == {"1": 300_000}
    assert data["years"][1]["excess_used"] == "66500000" and data["policies"]["excess_credit"] == "half-of-excess"
    assert data["cancelled_at_expiry"] == 0 and "SPA 5.2(2)" in text


def test_every_year_explains_itself():
    for year in compute_releases(KAIXIN_TOTAL, KAIXIN_TARGETS, WORKED_ACTUALS).years:
        assert year.explanations and all(e.clause.startswith(("SPA", "EA")) for e in year.explanations)
