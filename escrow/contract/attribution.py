"""Whose delay is a day? SPA 8.2, EA 5.2, with the justified pauses of EA 3.3, SPA 8.1, SPA 5.3.

Each day is attributed to at most one party: the issuer while the joint
instruction is missing after the SPA 5.1 deadline, the escrow agent once it has
all documents and its EA 3.2 period has run out, otherwise nobody.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from escrow.contract.explain import Explanation

HOLD_KINDS = {"dispute": "EA 3.3", "suspension": "SPA 8.1", "adjustment": "SPA 5.3"}


@dataclass(frozen=True)
class Hold:
    """A justified pause of the clock (EA 3.3 dispute, SPA 8.1 suspension, SPA 5.3 adjustment).

    `end` is the day the hold was lifted (inclusive: that day is still justified);
    None while it lasts.
    """

    start: date
    end: date | None
    kind: str
    reason: str = ""

    def __post_init__(self):
        if self.kind not in HOLD_KINDS:
            raise ValueError(f"hold kind must be one of {sorted(HOLD_KINDS)}, got {self.kind!r}")
        if self.end is not None and self.end < self.start:
            raise ValueError("a hold cannot end before it starts")

    def covers(self, day: date) -> bool:
        """True when `day` falls inside the hold."""
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class DayAttribution:
    """Who, if anyone, is liable for the delay on one day (SPA 8.2, EA 5.2)."""

    day: date
    liable: str | None
    reason: str
    clause: str

    @property
    def explanation(self) -> Explanation:
        """The attribution as an Explanation for the page."""
        return Explanation(
            self.clause,
            "attribution of a day of delay (SPA 8.2; EA 5.2)",
            {"day": self.day},
            f"{self.liable or 'nobody'}: {self.reason}",
        )


def attribute_day(
    day: date,
    *,
    release_due: date,
    instruction_signed_on: date | None,
    transfer_due: date | None,
    released_on: date | None,
    holds: Sequence[Hold] = (),
) -> DayAttribution:
    """SPA 8.2 / EA 5.2: attribute one day to the issuer, the escrow agent, or nobody."""
    if released_on is not None and released_on <= day:
        return DayAttribution(day, None, f"shares released on {released_on}", "SPA 5.1")
    for hold in holds:
        if hold.covers(day):
            clause = HOLD_KINDS[hold.kind]
            return DayAttribution(
                day, None, f"clock stopped: {hold.kind} hold ({clause}) {hold.reason}".strip(), clause
            )
    signed = instruction_signed_on is not None and instruction_signed_on <= day
    if day > release_due and not signed:
        # The agent cannot move without the joint instruction, so the delay is A's (EA 5.2).
        return DayAttribution(
            day,
            "issuer",
            f"after the release deadline {release_due} with no joint instruction signed",
            "SPA 5.1; EA 5.2",
        )
    if signed and transfer_due is not None and day > transfer_due:
        return DayAttribution(
            day, "escrow_agent", f"all documents received; transfer deadline {transfer_due} passed", "EA 3.2"
        )
    if signed:
        until = f" (runs to {transfer_due})" if transfer_due is not None else ""
        return DayAttribution(
            day,
            None,
            f"joint instruction signed on {instruction_signed_on}; the agent's transfer period{until}",
            "EA 3.2",
        )
    return DayAttribution(day, None, f"before the release deadline {release_due}", "SPA 5.1")


@dataclass(frozen=True)
class PenaltyDayInput:
    """One day of the delay period: shares still unreleased and who is liable (from attribute_day)."""

    day: date
    shares_not_released: int
    liable: str | None
    reason: str = ""


def attribute_days(first: date, last: date, shares_not_released: int, **attribution) -> list:
    """SPA 8.2: PenaltyDayInput for every calendar day in [first, last], attributed by attribute_day."""
    days = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        who = attribute_day(day, **attribution)
        days.append(PenaltyDayInput(day, shares_not_released, who.liable, who.reason))
    return days
