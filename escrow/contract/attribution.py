"""Whose delay is a day? SPA 8.2, EA 5.2, EA 3.2, with the justified pauses of EA 3.3, SPA 8.1, SPA 5.3.

Each day is attributed to at most one party (RULES.md "Delay penalty"):
- the issuer after the SPA 5.1 release deadline while the joint instruction is unsigned (EA 5.2: the
  agent is not liable while A or B have not delivered it);
- the escrow agent once all documents are received (the auditor's report and the signed joint
  instruction, EA 3.1), on every day after its EA 3.2 transfer deadline, from the day after that
  deadline, whether or not the SPA 5.1 deadline has passed;
- otherwise nobody: before the deadlines, in the agent's EA 3.2 period, on days a hold frees.
A deadline day itself is free: the first day of delay is the day after it (PRC Civil Code Art. 201).
Which days a hold frees is policy P8 `hold_days`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from escrow.contract.explain import Explanation

HOLD_KINDS = {"dispute": "EA 3.3", "suspension": "SPA 8.1", "adjustment": "SPA 5.3"}
# P8: how the days of a hold are counted (escrow.contract.policies); civil-code is the default.
HOLD_DAYS = ("civil-code", "inclusive")
ONE_DAY = timedelta(days=1)


def check_hold_days(hold_days: str) -> str:
    """P8 must be one of HOLD_DAYS: a typo never silently picks a branch."""
    if hold_days not in HOLD_DAYS:
        raise ValueError(f"hold_days must be one of {HOLD_DAYS}, got {hold_days!r}")
    return hold_days


@dataclass(frozen=True)
class Hold:
    """A justified pause of the clock (EA 3.3 dispute, SPA 8.1 suspension, SPA 5.3 adjustment).

    `start` is the day the hold was raised, `end` the day it was lifted (None while it lasts). Which of
    those days are free is policy P8 (`frees`).
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

    def first_free_day(self, hold_days: str = "civil-code") -> date:
        """P8 `civil-code` (PRC Civil Code Art. 201: the day of the event is not counted, the period runs
        from the next day): the day after the hold was raised; `inclusive`: the day it was raised."""
        return self.start + ONE_DAY if check_hold_days(hold_days) == "civil-code" else self.start

    def frees(self, day: date, hold_days: str = "civil-code") -> bool:
        """True when `day` is freed by the hold under P8: raised on D and lifted on E, `civil-code` frees
        D+1 .. E (E - D days; the day it is lifted is still free), `inclusive` frees D .. E. A hold still
        open frees every day from its first free day on."""
        return self.first_free_day(hold_days) <= day and (self.end is None or day <= self.end)


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


def first_day_of_delay(release_due: date, transfer_due: date | None = None) -> date:
    """The first day that can be a day of delay (SPA 8.2): the day after the earlier of the SPA 5.1
    release deadline and, once all documents are in, the EA 3.2 transfer deadline (the deadline day
    itself is free, PRC Civil Code Art. 201)."""
    deadline = release_due if transfer_due is None else min(release_due, transfer_due)
    return deadline + ONE_DAY


def attribute_day(
    day: date,
    *,
    release_due: date,
    instruction_signed_on: date | None,
    transfer_due: date | None,
    released_on: date | None,
    holds: Sequence[Hold] = (),
    hold_days: str = "civil-code",
) -> DayAttribution:
    """SPA 8.2 / EA 5.2 / EA 3.2: attribute one day to the issuer, the escrow agent, or nobody.

    `instruction_signed_on` is the day all documents were received (the report and the joint instruction
    signed by A and B, EA 3.1); `transfer_due` the EA 3.2 deadline that followed; `hold_days` is P8.
    """
    if released_on is not None and released_on <= day:
        return DayAttribution(day, None, f"shares released on {released_on}", "SPA 5.1")
    for hold in holds:
        if hold.frees(day, hold_days):
            clause = HOLD_KINDS[hold.kind]
            return DayAttribution(
                day, None, f"clock stopped: {hold.kind} hold ({clause}) {hold.reason}".strip(), clause
            )
    signed = instruction_signed_on is not None and instruction_signed_on <= day
    if signed and transfer_due is not None and day > transfer_due:
        # EA 3.2: all documents are in and the agent's 10 business days have run out; from the day after
        # that deadline the delay is the agent's, before or after the SPA 5.1 deadline alike.
        return DayAttribution(
            day, "escrow_agent", f"all documents received; transfer deadline {transfer_due} passed", "EA 3.2"
        )
    if day > release_due and not signed:
        # The agent cannot move without the joint instruction, so the delay is A's (EA 5.2).
        return DayAttribution(
            day,
            "issuer",
            f"after the release deadline {release_due} with no joint instruction signed",
            "SPA 5.1; EA 5.2",
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
