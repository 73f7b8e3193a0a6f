"""Exact number handling shared by the release and penalty rules.

Money and share counts are never floats: inputs arrive as Decimal (or int /
numeric str), arithmetic runs on Fraction, results go out as Decimal or int.
"""

from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction

# Digits shown for a Fraction that has no finite decimal form (display only).
DISPLAY_PLACES = 12


def to_fraction(value, name: str = "value") -> Fraction:
    """Exact Fraction from Decimal / int / Fraction / numeric str; floats are refused."""
    if isinstance(value, (bool, float)):
        # A float revenue would already have lost cents; make the caller fix it.
        raise TypeError(f"{name} must be Decimal, int or str, not {type(value).__name__}")
    if isinstance(value, str):
        value = Decimal(value)
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"{name} must be a finite number, got {value}")
    return Fraction(value)


def to_decimal(value: Fraction) -> Decimal:
    """Decimal for display/storage: exact when the fraction terminates, else 12 places."""
    value = Fraction(value)
    den = value.denominator
    for prime in (2, 5):
        while den % prime == 0:
            den //= prime
    with localcontext() as ctx:
        ctx.prec = 80
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        if den == 1:
            return exact.normalize() if exact != exact.to_integral_value() else exact.quantize(Decimal(1))
        return exact.quantize(Decimal(1).scaleb(-DISPLAY_PLACES), rounding=ROUND_HALF_EVEN)


def round_shares(value: Fraction, rounding: str) -> int:
    """Whole shares from an exact share quantity under policy P4 (SPA 5.2)."""
    if rounding == "floor":
        return value.numerator // value.denominator
    if rounding == "half-up":
        return (value + Fraction(1, 2)).__floor__()
    raise ValueError(f"unknown rounding {rounding!r}")


def group(n: int) -> str:
    """Share counts with thousands separators, as the contract writes them."""
    return f"{n:,}"
