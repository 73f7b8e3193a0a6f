"""SPA 5.2(2): a year's excess revenue offsets earlier shortfalls (policies P1-P4).

The state kept per tranche is its exact entitlement fraction; shares follow
from it by rounding the cumulative figure, so no rounding error accumulates.
"""

from dataclasses import dataclass
from fractions import Fraction

from escrow.contract.exact import group, round_shares, to_decimal
from escrow.contract.explain import Explanation

ONE = Fraction(1)
HALF = Fraction(1, 2)
OVER_50PCT = Fraction(3, 2)


class Tranche:
    """One tranche's running state: size S_j, target T_j, revenue R_j, fraction f_j, shares released."""

    def __init__(self, year: int, size: int, target: Fraction):
        self.year, self.size, self.target = year, size, target
        self.revenue = None
        self.fraction = Fraction(0)
        self.released = 0
        self.rounding = "floor"

    def entitlement(self) -> int:
        """SPA 5.2 + P4: cumulative whole shares earned, round(S_j x f_j)."""
        return round_shares(self.size * self.fraction, self.rounding)

    def settle_own(self, revenue: Fraction, rounding: str) -> int:
        """SPA 5.1 / 5.2(1): the year's own release from its own revenue, capped at S_j."""
        self.revenue, self.rounding = revenue, rounding
        self.fraction = min(ONE, revenue / self.target)
        self.released = self.entitlement()
        return self.released

    def gap(self) -> Fraction:
        """Fraction of the tranche still unearned."""
        return ONE - self.fraction

    def credit(self, fraction: Fraction) -> int:
        """Add an offset to f_j; return the shares newly released (growth of entitlement)."""
        self.fraction = min(ONE, self.fraction + fraction)
        before, self.released = self.released, self.entitlement()
        return self.released - before


@dataclass(frozen=True)
class Offset:
    """Revenue credited to one earlier year and the shares it frees now."""

    year: int
    credited: Fraction
    shares: int
    explanation: Explanation


def available_excess(excess: Fraction, target: Fraction, excess_credit: str) -> Fraction:
    """SPA 5.2(2) + P1: how much of a year's excess may offset earlier shortfalls."""
    if excess <= 0:
        return Fraction(0)
    if excess_credit == "half-of-excess":
        return excess * HALF
    # 6-K reading: the whole excess, but only when revenue beats the target by more than 50%.
    return excess if target + excess > target * OVER_50PCT else Fraction(0)


def offset_earlier(earlier: list, available: Fraction, excess_target: Fraction, policies) -> list:
    """SPA 5.2(2) + P2/P3: spend `available` on earlier shortfalls; unused excess lapses."""
    offsets = []
    for tranche in _order(earlier, policies.offset_order):
        if available <= 0:
            break
        base = tranche.target if policies.offset_base == "shortfall-year" else excess_target
        take = min(available, tranche.gap() * base)
        if take <= 0:
            continue
        available -= take
        shares = tranche.credit(take / base)
        offsets.append(Offset(tranche.year, take, shares, _explain(tranche, take, base, shares, policies)))
    return offsets


def _order(earlier: list, offset_order: str) -> list:
    # Only years with something left to offset; P3 decides who goes first.
    open_years = [t for t in earlier if t.gap() > 0]
    if offset_order == "earliest-first":
        return open_years
    return sorted(open_years, key=lambda t: (-(t.gap() * t.size), t.year))


def _explain(tranche: Tranche, take: Fraction, base: Fraction, shares: int, policies) -> Explanation:
    formula = (
        f"f_{tranche.year} = min(1, R/T + credited / T_base) (P2 {policies.offset_base}, "
        f"P3 {policies.offset_order}); release = {policies.rounding}(S x f) - already released"
    )
    inputs = {
        "year": tranche.year,
        "credited": to_decimal(take),
        "T_base": to_decimal(base),
        "S": tranche.size,
        "fraction": to_decimal(tranche.fraction),
    }
    figure = (
        f"{group(shares)} more shares for year {tranche.year}; "
        f"{group(tranche.released)} of {group(tranche.size)} released for it so far"
    )
    facts = {"shares": shares, "released": tranche.released, "size": tranche.size}
    return Explanation("SPA 5.2(2)", formula, inputs, figure, key="offset", facts=facts)
