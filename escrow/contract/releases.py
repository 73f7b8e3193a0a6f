"""Release arithmetic of SPA 5.1 / 5.2 by cumulative entitlement (RULES.md "Recommended way").

Per tranche j the engine keeps an exact entitlement fraction
f_j = min(1, R_j / T_j + credited offsets); the shares released for j so far are
always round(S_j x f_j), and every release is the growth of that figure. So
rounding never creates or loses a share, and a fully offset year has
released exactly S_j.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from escrow.contract.exact import group, to_decimal, to_fraction
from escrow.contract.explain import Explanation, jsonable
from escrow.contract.offsets import Tranche, available_excess, offset_earlier
from escrow.contract.policies import Policies


@dataclass
class YearRelease:
    """What one assessment year releases, and why (SPA 5.1, 5.2)."""

    year: int
    target: Decimal
    actual: Decimal
    tranche_shares: int
    own_release: int
    deducted: int
    offset_shares: dict  # earlier year -> shares released now for it
    total_release: int
    excess: Decimal
    excess_credit_available: Decimal
    excess_used: Decimal
    requires_settlement: bool
    explanations: list = field(default_factory=list)
    credited: dict = field(default_factory=dict)  # earlier year -> revenue (Decimal) credited now

    def as_dict(self) -> dict:
        """JSON-ready form (ints stay ints, Decimals become strings)."""
        data = {k: jsonable(v) for k, v in self.__dict__.items() if k != "explanations"}
        data["explanations"] = [e.as_dict() for e in self.explanations]
        return data


@dataclass
class ReleaseSchedule:
    """All known years' releases plus the totals that must add up (SPA 5.2(1))."""

    years: list
    total_shares: int
    policies: Policies
    cancelled_at_expiry: int | None
    released_total: int
    still_in_escrow: int
    explanations: list = field(default_factory=list)
    released_by_tranche: dict = field(default_factory=dict)  # tranche -> shares released for it so far

    def as_dict(self) -> dict:
        """JSON-ready form for pages and the API."""
        return {
            "total_shares": self.total_shares,
            "policies": self.policies.as_dict(),
            "cancelled_at_expiry": self.cancelled_at_expiry,
            "released_total": self.released_total,
            "still_in_escrow": self.still_in_escrow,
            "released_by_tranche": jsonable(self.released_by_tranche),
            "years": [y.as_dict() for y in self.years],
            "explanations": [e.as_dict() for e in self.explanations],
        }


def tranche_sizes(total_shares: int, tranches: int) -> list:
    """SPA 5.1: one-fifth each; S_j = total*j//n - total*(j-1)//n conserves odd totals exactly."""
    if not isinstance(total_shares, int) or total_shares < 0:
        raise ValueError("total_shares must be a whole number >= 0")
    if not isinstance(tranches, int) or tranches < 1:
        raise ValueError("tranches must be a whole number >= 1")
    return [total_shares * j // tranches - total_shares * (j - 1) // tranches for j in range(1, tranches + 1)]


def compute_releases(
    total_shares: int,
    targets: Sequence,
    actuals: Sequence,
    policies: Policies = Policies(),
    sizes: Sequence | None = None,
) -> ReleaseSchedule:
    """SPA 5.1, 5.2: releases for every audited year, in year order, under the deal's policies.

    `targets` has one entry per tranche; `actuals` holds the audited revenues known
    so far (it may be shorter). Raises ValueError for negative revenue, a
    non-positive target, or more actuals than tranches. `sizes` gives each tranche's size when a split
    or consolidation rebased them (escrow.contract.corporate_actions); the total is then their sum.
    """
    target_fr, actual_fr = _validate(targets, actuals)
    if sizes is None:
        sizes = tranche_sizes(total_shares, len(target_fr))
    else:
        sizes = [int(s) for s in sizes]
        if len(sizes) != len(target_fr) or any(s < 0 for s in sizes):
            raise ValueError("one size >= 0 per tranche is needed")
        total_shares = sum(sizes)
    tranches = [Tranche(j + 1, s, t) for j, (s, t) in enumerate(zip(sizes, target_fr, strict=True))]
    years = [_year(tranches, y, actual, policies) for y, actual in enumerate(actual_fr, 1)]
    return _schedule(total_shares, tranches, years, len(actual_fr) == len(target_fr), policies)


def _validate(targets, actuals):
    target_fr = [to_fraction(t, f"target of year {i}") for i, t in enumerate(targets, 1)]
    actual_fr = [to_fraction(a, f"revenue of year {i}") for i, a in enumerate(actuals, 1)]
    if not target_fr:
        raise ValueError("at least one target is needed (SPA 4.1)")
    if len(actual_fr) > len(target_fr):
        raise ValueError(
            f"{len(actual_fr)} revenues given but the deal has only {len(target_fr)} assessment years (SPA 1.4)"
        )
    for i, t in enumerate(target_fr, 1):
        if t <= 0:
            raise ValueError(f"target of year {i} must be > 0 (SPA 4.1), got {to_decimal(t)}")
    for i, a in enumerate(actual_fr, 1):
        if a < 0:
            raise ValueError(f"revenue of year {i} cannot be negative, got {to_decimal(a)}")
    return target_fr, actual_fr


def _year(tranches, y: int, actual: Fraction, policies: Policies) -> YearRelease:
    tranche = tranches[y - 1]
    own = tranche.settle_own(actual, policies.rounding)
    excess = max(Fraction(0), actual - tranche.target)
    available = available_excess(excess, tranche.target, policies.excess_credit)
    offsets = offset_earlier(tranches[: y - 1], available, tranche.target, policies)
    used = sum((o.credited for o in offsets), Fraction(0))
    explanations = [_own_explanation(tranche, own, policies)]
    if excess:
        explanations.append(_excess_explanation(tranche, excess, available, used, policies))
    explanations += [o.explanation for o in offsets]
    missed = actual < tranche.target
    settlement = policies.partial_release == "settlement-only" and missed
    if missed:
        explanations.append(_partial_explanation(tranche, settlement, policies))
    offset_shares = {o.year: o.shares for o in offsets if o.shares}
    return YearRelease(
        year=y,
        target=to_decimal(tranche.target),
        actual=to_decimal(actual),
        tranche_shares=tranche.size,
        own_release=own,
        deducted=tranche.size - own,
        offset_shares=offset_shares,
        total_release=own + sum(offset_shares.values()),
        excess=to_decimal(excess),
        excess_credit_available=to_decimal(available),
        excess_used=to_decimal(used),
        requires_settlement=settlement,
        explanations=explanations,
        credited={o.year: to_decimal(o.credited) for o in offsets},
    )


def _own_explanation(tranche: Tranche, own: int, policies: Policies) -> Explanation:
    inputs = {
        "S": tranche.size,
        "T": to_decimal(tranche.target),
        "R": to_decimal(tranche.revenue),
        "rounding": policies.rounding,
    }
    if tranche.revenue >= tranche.target:
        return Explanation(
            "SPA 5.1", "R >= T: release the whole tranche S", inputs, f"{group(own)} shares released", key="own_full"
        )
    formula = f"Deductible = (T - R) / T x S; own release = {policies.rounding}(S x R / T) (P4)"
    figure = (
        f"{group(own)} shares released, {group(tranche.size - own)} deducted "
        "(kept in escrow; cancelled at expiry unless offset)"
    )
    facts = {"own": own, "deducted": tranche.size - own}
    return Explanation("SPA 5.2(1)", formula, inputs, figure, key="own_partial", facts=facts)


def _excess_explanation(tranche, excess, available, used, policies) -> Explanation:
    if policies.excess_credit == "half-of-excess":
        formula = "available = 50% x (R - T) (P1 half-of-excess)"
    else:
        formula = "available = (R - T) if R > 1.5 x T, else 0 (P1 whole-excess-over-50pct)"
    figure = (
        f"RMB {to_decimal(available):,} available, {to_decimal(used):,} used on earlier shortfalls; "
        f"{to_decimal(available - used):,} lapses (offsets only earlier years, never carried forward)"
    )
    inputs = {
        "R": to_decimal(tranche.revenue),
        "T": to_decimal(tranche.target),
        "excess": to_decimal(excess),
        "excess_credit": policies.excess_credit,
    }
    facts = {"available": to_decimal(available), "used": to_decimal(used), "lapsed": to_decimal(available - used)}
    return Explanation("SPA 5.2(2)", formula, inputs, figure, key="excess", facts=facts)


def _partial_explanation(tranche, settlement: bool, policies) -> Explanation:
    if settlement:
        figure = "target missed: release only under a settlement signed by all parties (P5 settlement-only)"
    else:
        figure = "target missed: the audited revenue report starts the release; quantity per SPA 5.2 (P5 by-formula)"
    inputs = {
        "R": to_decimal(tranche.revenue),
        "T": to_decimal(tranche.target),
        "partial_release": policies.partial_release,
    }
    key = "missed_settlement" if settlement else "missed_by_formula"
    return Explanation("EA 3.1(a); SPA 5.2", "R < T: partial release", inputs, figure, key=key)


def _schedule(total, tranches, years, complete: bool, policies) -> ReleaseSchedule:
    released = sum(y.total_release for y in years)
    cancelled = total - released if complete else None
    still = total - released - (cancelled or 0)
    by_tranche = {t.year: t.released for t in tranches}
    if complete:
        figure = f"{group(cancelled)} shares returned to Party A for cancellation at expiry"
    else:
        figure = f"{len(tranches) - len(years)} year(s) not yet audited: {group(still)} shares still in escrow"
    explanation = Explanation(
        "SPA 5.2(1)",
        "cancelled at expiry = total - all released; in escrow + released + cancelled = total",
        {"total": total, "released": released, "years_audited": len(years), "tranches": len(tranches)},
        figure,
        key="totals_complete" if complete else "totals_open",
        facts={"cancelled": cancelled or 0, "still": still, "years_left": len(tranches) - len(years)},
    )
    return ReleaseSchedule(years, total, policies, cancelled, released, still, [explanation], by_tranche)
