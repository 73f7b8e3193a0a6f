"""Per-deal policies P1-P9: the readings chosen where the contract text is ambiguous.

Each policy names its clause, its default (the reading RULES.md recommends) and
the alternatives a deal owner may choose; every calculation shows the values used.
"""

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

from escrow.contract.calendar import is_known_calendar


class PolicyError(ValueError):
    """A policy key or value the engine does not know (RULES.md, policies P1-P8)."""


@dataclass(frozen=True)
class PolicyDefinition:
    """One ambiguity of the contract and the readings the portal supports."""

    key: str
    number: str
    clause: str
    default: str
    alternatives: tuple
    question: str
    meanings: dict

    @property
    def choices(self) -> tuple:
        """Default first, then the alternatives."""
        return (self.default, *self.alternatives)

    def allows(self, value: str) -> bool:
        """True when `value` is an accepted reading of this policy."""
        if self.key == "calendar":
            return is_known_calendar(value)  # any country or market the holidays package knows
        return value in self.choices


def _define(key, number, clause, question, meanings, alternatives=None) -> PolicyDefinition:
    values = tuple(meanings)
    return PolicyDefinition(key, number, clause, values[0], alternatives or values[1:], question, dict(meanings))


POLICY_DEFINITIONS = (
    _define(
        "excess_credit",
        "P1",
        "SPA 5.2(2)",
        "What share of a year's excess revenue offsets earlier shortfalls?",
        {
            "half-of-excess": "50% of the excess over target (the SPA 5.2(2) text)",
            "whole-excess-over-50pct": (
                "the whole excess, only when revenue beats the target by more than 50% (6-K summary)"
            ),
        },
    ),
    _define(
        "offset_base",
        "P2",
        "SPA 5.2(2)",
        'Which "Target Operating Revenue of the particular period" converts an offset into shares?',
        {
            "shortfall-year": (
                "the target of the earlier year whose shortfall is offset (full offset returns exactly the deducted "
                "shares)"
            ),
            "excess-year": "the target of the year that has the excess",
        },
    ),
    _define(
        "offset_order",
        "P3",
        "SPA 5.2(2)",
        "In which order are earlier shortfalls offset?",
        {
            "earliest-first": "the earliest year with a shortfall first",
            "largest-first": "the year with the largest remaining shortfall in shares first (ties: earliest)",
        },
    ),
    _define(
        "rounding",
        "P4",
        "SPA 5.2",
        "How are fractional shares rounded?",
        {
            "floor": "round each cumulative entitlement down: never release more than earned",
            "half-up": "round each cumulative entitlement to the nearest share, halves up",
        },
    ),
    _define(
        "partial_release",
        "P5",
        "EA 3.1(a); SPA 5.2",
        "Does a missed target still start the release procedure?",
        {
            "by-formula": "any audited revenue report starts the release; the quantity follows SPA 5.2",
            "settlement-only": "a missed year releases only under a settlement signed by all parties",
        },
    ),
    _define(
        "calendar",
        "P6",
        "EA 1.1; EA 3.2",
        'Which calendar defines "business days"?',
        {
            "CN": "mainland China: statutory holidays and weekend make-up working days, plus admin overrides",
            "HK": "Hong Kong public holidays",
            "NASDAQ": "NASDAQ trading days",
        },
        alternatives=("HK", "NASDAQ", "any country or market code known to the holidays package"),
    ),
    _define(
        "penalty_cap_valuation",
        "P7",
        "SPA 8.2; EA 5.2",
        "On which day is the 5% penalty cap valued?",
        {
            "last-day": "the market value on the last day of the delay (today, while it lasts)",
            "each-day": "the highest daily market value during the delay",
        },
    ),
    _define(
        "hold_days",
        "P8",
        "SPA 8.2; EA 3.3; SPA 8.1; SPA 5.3",
        "Which days does a hold (dispute, suspension, agreed adjustment of timing) free from the delay penalty?",
        {
            "civil-code": (
                "as the PRC Civil Code counts periods in days (Art. 201): the day a hold is raised is still a day "
                "of delay, the day it is lifted is free; raised on day D and lifted on day E, it frees D+1 to E"
            ),
            "inclusive": "both ends free: raised on day D and lifted on day E, a hold frees D to E",
        },
    ),
    _define(
        "escrow_fee_payer",
        "P9",
        "EA 4.4; EA 2",
        "Who pays the escrow fee of USD 5,000 per started escrow year?",
        {
            "issuer": "the issuer (Party A) pays each fee invoice",
            "purchaser": "the purchaser (Party B) pays each fee invoice",
            "split": "the issuer and the purchaser each pay half of each fee invoice (USD 2,500.00 each)",
        },
    ),
)

DEFINITIONS_BY_KEY = {definition.key: definition for definition in POLICY_DEFINITIONS}


@dataclass(frozen=True)
class Policies:
    """The readings in force for one deal (RULES.md P1-P9); defaults are the recommended ones."""

    excess_credit: str = "half-of-excess"
    offset_base: str = "shortfall-year"
    offset_order: str = "earliest-first"
    rounding: str = "floor"
    partial_release: str = "by-formula"
    calendar: str = "CN"
    penalty_cap_valuation: str = "last-day"
    hold_days: str = "civil-code"
    escrow_fee_payer: str = "issuer"

    def __post_init__(self):
        # Validate even when built directly, so a typo never silently picks a branch.
        for f in fields(self):
            _check(f.name, getattr(self, f.name))

    @classmethod
    def from_mapping(cls, data: Mapping | None) -> "Policies":
        """Build from stored settings (RULES.md P1-P8); missing keys take their defaults."""
        data = dict(data or {})
        unknown = sorted(set(data) - set(DEFINITIONS_BY_KEY))
        if unknown:
            raise PolicyError(f"unknown policy key(s) {unknown}; known keys: {list(DEFINITIONS_BY_KEY)}")
        if "calendar" in data:
            data["calendar"] = str(data["calendar"]).strip().upper()
        return cls(**data)

    def as_dict(self) -> dict:
        """Plain dict of key -> value, in P1-P9 order."""
        return asdict(self)


def _check(key: str, value) -> None:
    definition = DEFINITIONS_BY_KEY[key]
    if not isinstance(value, str) or not definition.allows(value):
        raise PolicyError(
            f"policy {definition.number} {key!r} cannot be {value!r}; allowed: {', '.join(definition.choices)}"
        )
