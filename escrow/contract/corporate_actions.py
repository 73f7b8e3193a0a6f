"""Splits and consolidations during the escrow (RULES.md "The shares through five years"; EA 4.2).

A corporate action changes the issuer's share count by a ratio `new:old` from its effective date: a
1-for-30 consolidation is 1:30 (30 old shares become 1 new share), a 2-for-1 split is 2:1. Every
quantity still in escrow and every future tranche size is rebased exactly; released quantities stay as
they were (they are the seller's, not the escrow's).

Fractional shares follow a policy entered with the action (the issuer's own terms for it):
- `round-up`: each holder's fractional entitlement is rounded up to one whole share (Kaixin's
  consolidations of 25 Oct 2024, 1-for-60, and 1 Dec 2025, 1-for-30, CUSIP G5223X167);
- `floor`: the entitlement is rounded down and the fraction of a share is reported as the remainder
  (the issuer settles it as its terms say, usually in cash); never silently lost.

Holder-level rounding and the tranches (a reading where the contract is silent): the escrow agent is
ONE holder of record (EA 1.1), so the policy rounds the agent's whole escrow balance once, never each
tranche. The tranches are the contract's bookkeeping inside that one holding: their rebased remainders
are then allocated by the largest-remainder method (each tranche gets the floor of its exact share,
then the units left go one each to the largest fractional parts, ties to the earlier tranche), so they
sum to the rebased balance exactly and no tranche moves by more than one share from its exact figure.

Prices (SPA 8.2): a close dated before the effective date is on the old basis; compared with a rebased
quantity it is multiplied by old/new (`price_on_new_basis`), so market value = shares x close is the
same holding valued on the same basis whichever side of the date the close falls.

A stock dividend (SPA 3.2, EA 1.3) of r new shares per share is, for the share basis, a (1+r)-for-1 split
(`stock_dividend_ratio`): each old share becomes 1+r shares and the market prices the share accordingly, so a
close from before it is put on the new basis by the same rule (SPA 8.2, P7: the value of the shares in escrow
is unchanged by the dividend). Its effective date is the day its new shares are received into escrow, the day
its rebases count from (escrow.queries.quantities.rebase_sources).

Plain Python, no Django: Fraction for the arithmetic, ints for shares, Decimal for prices.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from escrow.contract.exact import to_decimal, to_fraction

ROUND_UP = "round-up"
FLOOR = "floor"
FRACTION_POLICIES = (ROUND_UP, FLOOR)


@dataclass(frozen=True)
class Ratio:
    """`new` shares for every `old` shares: 1:30 is a 1-for-30 consolidation, 2:1 a 2-for-1 split."""

    new: int
    old: int

    def __post_init__(self):
        for name in ("new", "old"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"the ratio's {name} shares must be a whole number >= 1, got {value!r}")
        if self.new == self.old:
            raise ValueError("a ratio of equal numbers changes nothing: neither a split nor a consolidation")

    @classmethod
    def parse(cls, text: str) -> "Ratio":
        """'1:30' or '2:1' (new:old)."""
        new, sep, old = str(text).strip().partition(":")
        if not sep or not new.strip().isdigit() or not old.strip().isdigit():
            raise ValueError(f"a ratio is written new:old, e.g. 1:30 or 2:1, got {text!r}")
        return cls(int(new), int(old))

    @classmethod
    def of_factor(cls, factor) -> "Ratio":
        """The ratio of an exact factor (new shares per old share), in lowest terms: 11/10 -> 11:10."""
        factor = to_fraction(factor, "factor")
        return cls(factor.numerator, factor.denominator)

    @property
    def factor(self) -> Fraction:
        """New shares per old share."""
        return Fraction(self.new, self.old)

    @property
    def kind(self) -> str:
        return "split" if self.new > self.old else "consolidation"

    def __str__(self):
        return f"{self.new}:{self.old}"


def check_policy(policy: str) -> str:
    if policy not in FRACTION_POLICIES:
        raise ValueError(f"fractional shares policy must be one of {', '.join(FRACTION_POLICIES)}, got {policy!r}")
    return policy


@dataclass(frozen=True)
class HoldingRebase:
    """One holder's position rebased: `exact` new shares, `after` whole shares under the policy.

    `rounded_up` is what `round-up` added (after - exact); `remainder` is the fraction of a share
    `floor` left out (exact - after), to be reported and settled under the issuer's terms."""

    before: int
    exact: Fraction
    after: int
    policy: str

    @property
    def rounded_up(self) -> Fraction:
        return max(Fraction(0), self.after - self.exact)

    @property
    def remainder(self) -> Fraction:
        return max(Fraction(0), self.exact - self.after)


def rebase_holding(quantity: int, ratio: Ratio, policy: str) -> HoldingRebase:
    """A holder's whole shares after the action under `policy` (rounded once, for the holder)."""
    check_policy(policy)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
        raise ValueError(f"a share quantity must be a whole number >= 0, got {quantity!r}")
    exact = quantity * ratio.factor
    after = -((-exact.numerator) // exact.denominator) if policy == ROUND_UP else exact.numerator // exact.denominator
    return HoldingRebase(quantity, exact, after, policy)


def allocate(total: int, exact_parts: Mapping) -> dict:
    """Largest remainder: whole parts summing to `total`, each the floor of its exact figure or one more.

    The units left after the floors go to the largest fractional parts; ties to the earlier key (in
    the mapping's order, i.e. the earlier tranche). `total` must lie between the sum of the floors and
    the sum of the ceilings, which holds when it is the holder's rounded balance of the same exact sum."""
    keys = list(exact_parts)
    floors = {k: exact_parts[k].numerator // exact_parts[k].denominator for k in keys}
    left = total - sum(floors.values())
    fractional = [k for k in keys if exact_parts[k] != floors[k]]
    if left < 0 or left > len(fractional):
        raise ValueError(f"{total} cannot be allocated over parts summing to {sum(exact_parts.values())}")
    order = sorted(fractional, key=lambda k: (-(exact_parts[k] - floors[k]), keys.index(k)))
    result = dict(floors)
    for k in order[:left]:
        result[k] += 1
    return result


@dataclass(frozen=True)
class EscrowRebase:
    """The escrow balance rebased once (the agent is one holder) and its tranches allocated to it."""

    ratio: Ratio
    policy: str
    holding: HoldingRebase
    before: dict  # tranche -> shares in escrow before
    exact: dict  # tranche -> exact new shares (Fraction)
    after: dict  # tranche -> whole shares after; sums to holding.after

    @property
    def changes(self) -> dict:
        """tranche -> after - before (the `rebase` ledger movement of each tranche; 0 omitted)."""
        return {k: self.after[k] - self.before[k] for k in self.before if self.after[k] != self.before[k]}

    def as_dict(self) -> dict:
        """JSON-ready (what the action stores and the history records)."""
        return {
            "ratio": str(self.ratio),
            "policy": self.policy,
            "balance_before": self.holding.before,
            "balance_exact": str(to_decimal(self.holding.exact)),
            "balance_after": self.holding.after,
            "rounded_up": str(self.holding.rounded_up),
            "remainder": str(self.holding.remainder),
            "tranches": {
                str(k): {"before": self.before[k], "exact": str(self.exact[k]), "after": self.after[k]}
                for k in self.before
            },
        }


def rebase_escrow(parts: Mapping, ratio: Ratio, policy: str) -> EscrowRebase:
    """Rebase what each tranche still has in escrow (`parts`: tranche -> shares, in tranche order).

    The balance (their sum) is rounded once under `policy`; the tranches are allocated to it by
    largest remainder, so sum(after) == rebased balance exactly (conservation)."""
    before = {k: int(v) for k, v in parts.items()}
    for k, v in before.items():
        if v < 0:
            raise ValueError(f"tranche {k} cannot hold a negative quantity ({v})")
    holding = rebase_holding(sum(before.values()), ratio, policy)
    exact = {k: v * ratio.factor for k, v in before.items()}
    return EscrowRebase(ratio, policy, holding, before, exact, allocate(holding.after, exact))


def rebase_sizes(sizes: Mapping, released: Mapping, rebased_in_escrow: Mapping) -> dict:
    """Each tranche's size after the action: what was released for it stays as it was, what is still
    in escrow for it is the rebased figure (a future tranche has released nothing: its size is its
    rebased remainder)."""
    return {k: int(released.get(k, 0)) + int(rebased_in_escrow.get(k, sizes[k])) for k in sizes}


def rebase_quantity(quantity: int, ratio: Ratio) -> Fraction:
    """An exact quantity (no rounding) on the new basis, for comparisons and what-ifs."""
    return quantity * ratio.factor


def price_on_new_basis(close, ratio: Ratio) -> Decimal:
    """SPA 8.2: a close before the effective date, per new share: close x old / new (1:30 -> x30).

    shares_after x price_on_new_basis == shares_before x close when nothing is rounded, so the market
    value compared with a rebased quantity is the same holding on the same basis."""
    return to_decimal(to_fraction(close, "closing price") / ratio.factor)


def stock_dividend_ratio(per_share) -> Ratio:
    """SPA 3.2, SPA 8.2: a stock dividend of `per_share` new shares per share is, for the share basis, a
    (1 + per_share)-for-1 split (0.1 -> 11:10), so the delay penalty's closes are rebased by the one split rule
    (`price_on_new_basis`, PriceBook.close_on) and never a second one. Exact: Decimal or str in, no float."""
    rate = to_fraction(per_share, "new shares per share")
    if rate <= 0:
        raise ValueError(f"a stock dividend adds shares: new shares per share must be > 0, got {per_share!r}")
    return Ratio.of_factor(1 + rate)
