"""Hypothesis: the SPA 5.2 invariants hold for any revenues and any policies (RULES.md invariants)."""

from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from escrow.contract.policies import Policies
from escrow.contract.releases import compute_releases, tranche_sizes

POLICY_CHOICES = {
    "excess_credit": ("half-of-excess", "whole-excess-over-50pct"),
    "offset_base": ("shortfall-year", "excess-year"),
    "offset_order": ("earliest-first", "largest-first"),
    "rounding": ("floor", "half-up"),
    "partial_release": ("by-formula", "settlement-only"),
}


@st.composite
def deals(draw):
    """A deal with 1-6 tranches, cent targets, revenues 0..2x target, some years possibly unaudited."""
    n = draw(st.integers(1, 6))
    total = draw(st.one_of(st.integers(0, 50), st.integers(0, 20_000_000)))
    target_cents = draw(st.lists(st.integers(1, 10**11), min_size=n, max_size=n))
    known = draw(st.integers(0, n))
    actual_cents = [draw(st.integers(0, 2 * t)) for t in target_cents[:known]]
    policies = Policies(**{k: draw(st.sampled_from(v)) for k, v in POLICY_CHOICES.items()})
    cents = lambda values: [Decimal(v).scaleb(-2) for v in values]  # noqa: E731
    return total, cents(target_cents), cents(actual_cents), policies


def oracle_fractions(targets, actuals, policies, sizes):
    """Independent re-statement of SPA 5.2 entitlement fractions f_j (exact)."""
    T = [Fraction(t) for t in targets]
    R = [Fraction(a) for a in actuals]
    f = []
    for y, r in enumerate(R):
        f.append(min(Fraction(1), r / T[y]))
        excess = max(Fraction(0), r - T[y])
        if policies.excess_credit == "half-of-excess":
            pool = excess / 2
        else:
            pool = excess if r > T[y] * Fraction(3, 2) else Fraction(0)
        order = list(range(y))
        if policies.offset_order == "largest-first":
            order.sort(key=lambda j: (-(1 - f[j]) * sizes[j], j))
        for j in order:
            base = T[j] if policies.offset_base == "shortfall-year" else T[y]
            take = min(pool, (1 - f[j]) * base)
            f[j] += take / base
            pool -= take
    return f


@settings(max_examples=400, deadline=None)
@given(deals())
def test_invariants(deal):
    total, targets, actuals, policies = deal
    schedule = compute_releases(total, targets, actuals, policies)
    sizes = tranche_sizes(total, len(targets))
    counts = [schedule.released_total, schedule.still_in_escrow]
    for year in schedule.years:
        counts += [year.own_release, year.deducted, year.total_release, *year.offset_shares.values()]
        assert year.own_release + year.deducted == year.tranche_shares == sizes[year.year - 1]
        assert year.total_release == year.own_release + sum(year.offset_shares.values())
        assert all(j < year.year for j in year.offset_shares)  # offsets only earlier years
        assert year.excess_used <= year.excess_credit_available
    # Whole, non-negative share counts only.
    assert all(type(c) is int and c >= 0 for c in counts)
    # Conservation: in escrow + released + cancelled = total, at every stage.
    cancelled = schedule.cancelled_at_expiry
    assert schedule.released_total == sum(y.total_release for y in schedule.years)
    assert schedule.released_total + schedule.still_in_escrow + (cancelled or 0) == total
    if len(actuals) == len(targets):
        assert cancelled == total - sum(y.total_release for y in schedule.years)
        assert schedule.still_in_escrow == 0
    else:
        assert cancelled is None
    # Released per tranche = own + every later offset, never above S_j.
    for j, released in schedule.released_by_tranche.items():
        own = schedule.years[j - 1].own_release if j <= len(actuals) else 0
        later = sum(y.offset_shares.get(j, 0) for y in schedule.years)
        assert released == own + later <= sizes[j - 1]


@settings(max_examples=300, deadline=None)
@given(deals())
def test_entitlement_matches_independent_oracle(deal):
    total, targets, actuals, policies = deal
    schedule = compute_releases(total, targets, actuals, policies)
    sizes = tranche_sizes(total, len(targets))
    for j, f in enumerate(oracle_fractions(targets, actuals, policies, sizes), 1):
        released, exact = schedule.released_by_tranche[j], sizes[j - 1] * f
        if f == 1:
            assert released == sizes[j - 1]  # a fully offset year released exactly S_j
        if policies.rounding == "floor":
            assert released <= exact < released + 1  # never beyond entitlement, never a share short
        else:
            assert abs(released - exact) <= Fraction(1, 2)
