"""Dividends and votes on the escrowed shares (SPA 3.2, EA 1.3; issue 14 items 2, 3): the pure arithmetic."""

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escrow.contract.calendar import BusinessCalendar
from escrow.contract.holdings import (
    allocate,
    cash_entitlement,
    check_instruction,
    check_resolutions,
    default_cut_off_day,
    parse_per_share,
    share_entitlement,
    stock_dividend_weights,
)


def test_cash_entitlement_after_a_partial_release_is_on_what_stayed_in_escrow():
    """SPA 3.2: 15,000,000 deposited, year 1 released 2,700,000: the record date after it counts 12,300,000."""
    assert cash_entitlement(12_300_000, Decimal("0.05")) == Decimal("615000")
    assert cash_entitlement(12_300_000, "0.00125") == Decimal("15375")
    assert cash_entitlement(0, "1") == 0


def test_share_entitlement_keeps_whole_shares_and_reports_the_fraction():
    got = share_entitlement(12_300_001, Decimal("0.05"))
    assert got.shares == 615_000 and got.fraction == Fraction(1, 20)
    assert got.as_dict() == {"shares": 615000, "fraction": "0.05"}


def test_per_share_amounts_are_exact_and_positive():
    assert parse_per_share("0.00125") == Decimal("0.00125")
    for bad in ("0", "-1", "abc", "0.000000001"):
        with pytest.raises(ValueError):
            parse_per_share(bad)
    with pytest.raises(TypeError):
        parse_per_share(0.5)


def test_largest_remainder_allocation():
    assert allocate(10, [(2, 1), (3, 1), (4, 1)]) == {2: 4, 3: 3, 4: 3}  # ties: the earlier year first
    assert allocate(615_000, [(2, 3_000_000), (3, 3_000_000), (4, 3_000_000), (5, 3_000_000), (1, 300_000)]) == {
        2: 150_000,
        3: 150_000,
        4: 150_000,
        5: 150_000,
        1: 15_000,
    }
    assert allocate(0, [(1, 5)]) == {1: 0}
    assert allocate(7, [(1, 0), (2, 3)]) == {1: 0, 2: 7}
    with pytest.raises(ValueError):
        allocate(1, [(1, 0)])
    with pytest.raises(ValueError):
        allocate(1, [(1, -1)])


@given(
    total=st.integers(min_value=0, max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=8).filter(any),
)
def test_the_allocation_sums_exactly_and_is_fair(total, weights):
    """Property: never a share lost or made; each part within one share of its exact proportion."""
    pairs = list(enumerate(weights))
    parts = allocate(total, pairs)
    assert sum(parts.values()) == total
    whole = sum(weights)
    for key, weight in pairs:
        exact = Fraction(total * weight, whole)
        assert parts[key] >= 0 and exact - 1 < parts[key] < exact + 1
        if weight == 0:
            assert parts[key] == 0


def test_new_shares_follow_the_policy():
    """SPA 3.2 / issue 14 item 2: pro rata to what remains in escrow per tranche (year 1 released 2,700,000 of
    its 3,000,000: its 300,000 deducted shares stay in escrow and get their new shares; a year emptied none)."""
    in_escrow = {1: 300_000, 2: 3_000_000, 3: 3_000_000, 4: 3_000_000, 5: 3_000_000}
    unreleased = [2, 3, 4, 5]
    assert stock_dividend_weights(in_escrow, unreleased) == list(in_escrow.items())
    assert stock_dividend_weights({**in_escrow, 1: 0}, unreleased) == [(y, 3_000_000) for y in unreleased]
    assert stock_dividend_weights(in_escrow, unreleased, "next-tranche") == [(2, 12_300_000)]
    assert stock_dividend_weights(in_escrow, unreleased, "last-tranche") == [(5, 12_300_000)]
    assert stock_dividend_weights({1: 300_000}, [], "last-tranche") == [(1, 300_000)]  # all released: pro rata
    assert allocate(1_230_000, stock_dividend_weights(in_escrow, unreleased)) == {
        1: 30_000,
        2: 300_000,
        3: 300_000,
        4: 300_000,
        5: 300_000,
    }
    with pytest.raises(ValueError):
        stock_dividend_weights(in_escrow, unreleased, "whatever")


def test_cut_off_is_five_china_business_days_before_the_meeting():
    cal = BusinessCalendar("CN")
    # Meeting Thursday 2026-10-15: back over the National Day week (1-7 Oct off) and the 2026 make-up days.
    day = default_cut_off_day(date(2026, 10, 15), cal.is_business_day)
    assert cal.business_days_between(day, date(2026, 10, 14)) == 4 and cal.is_business_day(day)
    assert default_cut_off_day(date(2026, 6, 19), lambda d: d.weekday() < 5) == date(2026, 6, 12)


def test_resolutions_and_instructions():
    assert check_resolutions(["Elect the directors", "Appoint the auditor"]) == [
        {"number": 1, "text": "Elect the directors"},
        {"number": 2, "text": "Appoint the auditor"},
    ]
    with pytest.raises(ValueError):
        check_resolutions([])
    with pytest.raises(ValueError):
        check_resolutions(["ok", " "])
    assert check_instruction([1, 2], {"2": "against", 1: "for"}) == {"1": "for", "2": "against"}
    with pytest.raises(ValueError):
        check_instruction([1, 2], {1: "for"})
    with pytest.raises(ValueError):
        check_instruction([1], {1: "maybe"})
