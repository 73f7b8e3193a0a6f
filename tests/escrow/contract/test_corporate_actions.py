"""Splits and consolidations (RULES.md "The shares through five years"; EA 4.2; SPA 8.2 prices)."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escrow.contract.corporate_actions import (
    FLOOR,
    ROUND_UP,
    Ratio,
    allocate,
    price_on_new_basis,
    rebase_escrow,
    rebase_holding,
    rebase_sizes,
    stock_dividend_ratio,
)
from escrow.contract.releases import tranche_sizes

KAIXIN = tranche_sizes(15_000_000, 5)


def test_ratio_reads_new_old():
    assert Ratio.parse("1:30") == Ratio(1, 30)
    assert Ratio(1, 30).kind == "consolidation" and Ratio(2, 1).kind == "split"
    assert Ratio(1, 30).factor == Fraction(1, 30)
    assert str(Ratio(2, 1)) == "2:1"


@pytest.mark.parametrize("text", ["", "1", "1:0", "0:3", "a:b", "-1:3", "3:3", "1.5:3"])
def test_ratio_refuses_nonsense(text):
    with pytest.raises(ValueError):
        Ratio.parse(text)


def test_kaixin_2025_consolidation_rounds_each_holder_up():
    """1 Dec 2025, 1-for-30, fractional entitlements rounded up to a whole share."""
    held = rebase_holding(31, Ratio(1, 30), ROUND_UP)
    assert (held.after, held.rounded_up, held.remainder) == (2, Fraction(29, 30), 0)
    assert rebase_holding(29, Ratio(1, 30), ROUND_UP).after == 1
    assert rebase_holding(0, Ratio(1, 60), ROUND_UP).after == 0


def test_floor_reports_the_remainder():
    held = rebase_holding(31, Ratio(1, 30), FLOOR)
    assert (held.after, held.remainder, held.rounded_up) == (1, Fraction(1, 30), 0)


def test_unknown_policy_refused():
    with pytest.raises(ValueError):
        rebase_holding(10, Ratio(1, 2), "half-up")


def test_one_for_thirty_mid_escrow():
    """Year 1 released 2,700,000 of its 3,000,000 (300,000 deducted stay in escrow); then 1-for-30."""
    in_escrow = {1: 300_000, 2: 3_000_000, 3: 3_000_000, 4: 3_000_000, 5: 3_000_000}
    rebase = rebase_escrow(in_escrow, Ratio(1, 30), ROUND_UP)
    assert rebase.holding.before == 12_300_000
    assert rebase.holding.after == 410_000
    assert rebase.after == {1: 10_000, 2: 100_000, 3: 100_000, 4: 100_000, 5: 100_000}
    assert rebase.changes == {1: -290_000, 2: -2_900_000, 3: -2_900_000, 4: -2_900_000, 5: -2_900_000}
    sizes = rebase_sizes(dict(enumerate(KAIXIN, 1)), {1: 2_700_000}, rebase.after)
    # Released stays as it was; the future tranches are rebased.
    assert sizes == {1: 2_710_000, 2: 100_000, 3: 100_000, 4: 100_000, 5: 100_000}


def test_one_for_thirty_with_fractions_round_up_and_floor():
    in_escrow = {1: 7, 2: 3_000_001, 3: 3_000_001}
    up = rebase_escrow(in_escrow, Ratio(1, 30), ROUND_UP)
    # 6,000,009 / 30 = 200,000.3: the agent, one holder, gets 200,001.
    assert up.holding.after == 200_001 and up.holding.rounded_up == Fraction(7, 10)
    assert sum(up.after.values()) == 200_001
    # exact parts 7/30, 100000 + 1/30, 100000 + 1/30: the one unit goes to the largest fraction (year 1).
    assert up.after == {1: 1, 2: 100_000, 3: 100_000}
    down = rebase_escrow(in_escrow, Ratio(1, 30), FLOOR)
    assert down.holding.after == 200_000 and down.holding.remainder == Fraction(3, 10)
    assert down.after == {1: 0, 2: 100_000, 3: 100_000}
    assert down.as_dict()["remainder"] == "3/10"


def test_two_for_one_split_mid_escrow():
    in_escrow = {1: 0, 2: 1_500_000, 3: 3_000_000, 4: 3_000_000, 5: 3_000_000}
    rebase = rebase_escrow(in_escrow, Ratio(2, 1), FLOOR)
    assert rebase.after == {1: 0, 2: 3_000_000, 3: 6_000_000, 4: 6_000_000, 5: 6_000_000}
    assert rebase.holding.remainder == 0 and rebase.holding.after == 21_000_000
    assert rebase.changes == {2: 1_500_000, 3: 3_000_000, 4: 3_000_000, 5: 3_000_000}
    sizes = rebase_sizes(dict(enumerate(KAIXIN, 1)), {1: 3_000_000, 2: 1_500_000}, rebase.after)
    assert sizes == {1: 3_000_000, 2: 4_500_000, 3: 6_000_000, 4: 6_000_000, 5: 6_000_000}


def test_allocation_ties_go_to_the_earlier_tranche():
    exact = {1: Fraction(1, 2), 2: Fraction(1, 2), 3: Fraction(1, 2)}
    assert allocate(2, exact) == {1: 1, 2: 1, 3: 0}
    with pytest.raises(ValueError):
        allocate(4, exact)


def test_prices_on_the_same_basis():
    """SPA 8.2: a close before a 1-for-30 consolidation is worth 30x per new share."""
    assert price_on_new_basis(Decimal("0.10"), Ratio(1, 30)) == Decimal("3")
    assert price_on_new_basis(Decimal("4.00"), Ratio(2, 1)) == Decimal("2")
    # the same holding valued on either basis: 3,000,000 x 0.10 == 100,000 x 3.00
    assert 3_000_000 * Decimal("0.10") == 100_000 * price_on_new_basis(Decimal("0.10"), Ratio(1, 30))


ratios = st.tuples(st.integers(1, 100), st.integers(1, 100)).filter(lambda r: r[0] != r[1]).map(
    lambda r: Ratio(*r)
) | st.sampled_from([Ratio(1, 30), Ratio(2, 1), Ratio(1, 60)])
holdings = st.lists(st.integers(0, 20_000_000), min_size=1, max_size=6).map(lambda xs: dict(enumerate(xs, 1)))


@given(holdings, ratios, st.sampled_from([ROUND_UP, FLOOR]))
def test_conservation(parts, ratio, policy):
    """sum of the rebased tranche remainders == the rebased balance; floor's remainder reported."""
    rebase = rebase_escrow(parts, ratio, policy)
    exact_total = sum(parts.values()) * ratio.factor
    assert sum(rebase.after.values()) == rebase.holding.after
    assert rebase.holding.after + rebase.holding.remainder - rebase.holding.rounded_up == exact_total
    if policy == FLOOR:
        assert 0 <= rebase.holding.remainder < 1 and rebase.holding.rounded_up == 0
    else:
        assert 0 <= rebase.holding.rounded_up < 1 and rebase.holding.remainder == 0
    for k, exact in rebase.exact.items():
        assert exact - 1 < rebase.after[k] < exact + 1 and rebase.after[k] >= 0
    # the ledger: before + changes == after, tranche by tranche
    assert sum(parts.values()) + sum(rebase.changes.values()) == rebase.holding.after


@given(
    holdings, st.dictionaries(st.integers(1, 6), st.integers(0, 5_000_000)), ratios, st.sampled_from([ROUND_UP, FLOOR])
)
def test_released_unchanged(parts, released, ratio, policy):
    sizes = {k: released.get(k, 0) + v for k, v in parts.items()}
    rebase = rebase_escrow(parts, ratio, policy)
    after = rebase_sizes(sizes, {k: released.get(k, 0) for k in parts}, rebase.after)
    for k in parts:
        assert after[k] - rebase.after[k] == released.get(k, 0)


@given(st.integers(0, 10**9), ratios)
def test_split_then_inverse_consolidation_is_exact_without_fractions(quantity, ratio):
    up = rebase_holding(quantity * ratio.old, ratio, FLOOR)
    assert up.remainder == 0 and up.after == quantity * ratio.new
    back = rebase_holding(up.after, Ratio(ratio.old, ratio.new), FLOOR)
    assert back.after == quantity * ratio.old


def test_a_stock_dividend_is_a_split_for_the_share_basis():
    """SPA 3.2, SPA 8.2, P7: r new shares per share is a (1 + r)-for-1 split, exactly (no float)."""
    assert stock_dividend_ratio(Decimal("0.1")) == Ratio(11, 10) and stock_dividend_ratio("0.05") == Ratio(21, 20)
    assert stock_dividend_ratio("1") == Ratio(2, 1)  # one new share per share: a 2-for-1 split
    assert Ratio.of_factor(Fraction(22, 20)) == Ratio(11, 10)
    for wrong in ("0", "-0.1"):
        with pytest.raises(ValueError):
            stock_dividend_ratio(wrong)
    with pytest.raises(TypeError):
        stock_dividend_ratio(0.1)


def test_a_close_before_a_stock_dividend_is_valued_exactly_on_the_grown_count():
    """SPA 8.2: 3,300,000 shares after a 10% stock dividend x a 2.50 close from before it is 7,500,000, the
    3,000,000 old shares' value, to the last digit (10/11 of 2.50 has no finite decimal: kept as a Fraction)."""
    from datetime import date

    from escrow.contract.penalty import PenaltyDayInput, PriceBook, accrue

    day, close = date(2027, 2, 1), Decimal("2.50")
    book = PriceBook({date(2027, 1, 29): close}).with_rebases([(day, stock_dividend_ratio("0.1").factor)])
    assert book.exact_close_on(day) == (Fraction(25, 11), date(2027, 1, 29))
    assert book.close_on(day)[0] == Decimal("2.272727272727")  # shown; the value uses the exact close
    assert book.close_on(date(2027, 1, 31)) == (close, date(2027, 1, 29))  # before the dividend: as entered
    grown = accrue([PenaltyDayInput(d, 3_300_000, "issuer", "") for d in (day, date(2027, 2, 2))], book)
    old = accrue([PenaltyDayInput(d, 3_000_000, "issuer", "") for d in (day, date(2027, 2, 2))], {day: close})
    assert [r.market_value for r in grown.rows] == [Decimal("7500000")] * 2
    assert (grown.total, grown.cap) == (old.total, old.cap) == (Decimal("1500"), Decimal("375000"))
