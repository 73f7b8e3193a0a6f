"""Hypothesis: over random prices, holds and signing days, no party's share and no total ever exceeds the
cap (SPA 8.2: "The total penalty shall not exceed 5% of the total market value of the shares not
released"), each day is at most one party's (SPA 8.2, EA 3.2, EA 5.2), and a hold frees the days P8 says.

The cap is the one P7 names: 5% of the market value on the last liable day of the delay (`last-day`)
or of the highest daily value in it (`each-day`). The days are charged in order under it, each at most
what is left, so neither the total nor any party's share ever stands above it, whatever the closes did
(docs/architecture.md "Readings").
"""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import event, given, settings
from hypothesis import strategies as st

from escrow.contract.penalty import (
    HOLD_KINDS,
    NOTHING_YET,
    Hold,
    RunningState,
    accrue,
    accrue_more,
    attribute_day,
    attribute_days,
    first_day_of_delay,
)

RELEASE_DUE = date(2027, 1, 29)  # SPA 5.1: 60 days after year 1 ends
YEAR_END = date(2026, 11, 30)
PARTIES = {"issuer", "escrow_agent"}


def _closes(draw, first, opening=True):
    """{day: close} in ten-thousandths of a dollar: calm (within 10% of one level), falling (each change
    50-100% of the one before, so a last-day cap falls under the total), or wild (0.0001 .. 50)."""
    level = draw(st.integers(10_000, 100_000))
    offsets = sorted(draw(st.sets(st.integers(-10, 900), min_size=1, max_size=25)))
    if opening or draw(st.integers(0, 4)):  # usually a close before the delay; else its first days have none
        offsets = [-11, *offsets]
    shape, closes = draw(st.sampled_from(["calm", "falling", "wild"])), []
    for _ in offsets:
        if shape == "calm":
            closes.append(draw(st.integers(level * 9 // 10, level * 11 // 10)))
        elif shape == "falling":
            closes.append(max(1, (closes[-1] if closes else level) * draw(st.integers(50, 100)) // 100))
        else:
            closes.append(draw(st.integers(1, 500_000)))
    return {first + timedelta(days=o): Decimal(c).scaleb(-4) for o, c in zip(offsets, closes, strict=True)}


@st.composite
def delays(draw, past_cap=False):
    """A delay of up to 900 days: signing day, EA 3.2 deadline, release, holds, closes, P7 and P8.
    `past_cap`: a long delay, still running, priced from its first day, that usually reaches the cap."""
    signed = draw(st.one_of(st.none(), st.integers(0, 500).map(lambda n: YEAR_END + timedelta(days=n))))
    transfer = None if signed is None else signed + timedelta(days=draw(st.integers(0, 20)))
    released = None
    if not past_cap and draw(st.integers(0, 4)) == 0:  # most delays still run; some end with the release
        released = YEAR_END + timedelta(days=draw(st.integers(0, 900)))
    if released is not None and signed is not None and released < signed:
        released = None  # the agent transfers only after the instruction
    first = first_day_of_delay(RELEASE_DUE, transfer)
    holds = []
    for start, length, kind, still_open in draw(
        st.lists(
            st.tuples(
                st.integers(-5, 800),
                st.integers(0, 60),
                st.sampled_from(sorted(HOLD_KINDS)),
                st.integers(0, 5).map(lambda n: n == 0),  # now and then a hold still open
            ),
            max_size=1 if past_cap else 3,
        )
    ):
        begin = first + timedelta(days=start)
        holds.append(Hold(begin, None if still_open else begin + timedelta(days=length), kind))
    return dict(
        first=first,
        last=first + timedelta(days=draw(st.integers(520, 900) if past_cap else st.integers(0, 900))),
        shares=draw(
            st.integers(1, 20_000_000) if past_cap else st.one_of(st.integers(1, 20_000_000), st.integers(0, 100))
        ),
        signed=signed,
        transfer=transfer,
        released=released,
        holds=holds,
        hold_days=draw(st.sampled_from(["civil-code", "inclusive"])),
        valuation=draw(st.sampled_from(["last-day", "each-day"])),
        prices=_closes(draw, first, opening=past_cap),
    )


def _days(case):
    return attribute_days(
        case["first"],
        case["last"],
        case["shares"],
        release_due=RELEASE_DUE,
        instruction_signed_on=case["signed"],
        transfer_due=case["transfer"],
        released_on=case["released"],
        holds=case["holds"],
        hold_days=case["hold_days"],
    )


@settings(max_examples=150, deadline=None)
@given(st.one_of(delays(), delays(past_cap=True)))
def test_no_share_and_no_total_ever_exceeds_the_cap(case):
    schedule = accrue(_days(case), case["prices"], case["valuation"])
    event("cap reached" if schedule.first_capped_day else "cap not reached")
    event(f"parties charged: {sorted(p for p, v in schedule.by_party.items() if v)}")
    cap, total, shares = schedule.cap, Decimal(0), {}
    values = [r.market_value for r in schedule.rows if r.liable is not None and r.market_value is not None]
    if values:  # P7: the one cap
        assert cap == Decimal("0.05") * (values[-1] if case["valuation"] == "last-day" else max(values))
    for row in schedule.rows:
        if row.liable is None:
            assert row.amount == 0 and row.charged == 0
        elif row.missing_price:
            assert row.amount is None and row.charged is None
        else:
            # A day is charged at most its 0.01%, and at most what is left under the cap.
            assert 0 <= row.charged <= row.amount
            assert row.charged <= max(Decimal(0), cap - total)
            if row.charged < row.amount:  # cut: the cap is reached (allocation follows the days in order)
                assert total + row.charged == cap
            total += row.charged
            shares[row.liable] = shares.get(row.liable, Decimal(0)) + row.charged
        assert row.running_total == total <= max(cap, Decimal(0))
        assert all(share <= total for share in shares.values())
        assert row.capped == (cap > 0 and total >= cap)
    event("a falling close lowered the cap" if values and cap < Decimal("0.05") * max(values) else "cap at its peak")
    assert schedule.total == total == sum(schedule.by_party.values(), Decimal(0)) <= cap or total == 0
    assert schedule.by_party == shares
    assert all(schedule.by_party[p] <= schedule.raw_by_party[p] for p in schedule.by_party)


@settings(max_examples=150, deadline=None)
@given(delays())
def test_each_day_is_at_most_one_partys_and_holds_free_what_p8_says(case):
    for day in _days(case):
        assert day.liable in (None, *PARTIES)
        signed = case["signed"] is not None and case["signed"] <= day.day
        frees = [h for h in case["holds"] if h.frees(day.day, case["hold_days"])]
        released = case["released"] is not None and case["released"] <= day.day
        if day.liable == "issuer":  # SPA 5.1, EA 5.2: after the deadline, instruction unsigned
            assert day.day > RELEASE_DUE and not signed and not frees and not released
        if day.liable == "escrow_agent":  # EA 3.2: all documents in, the day after the transfer deadline on
            assert signed and day.day > case["transfer"] and not frees and not released
        if frees or released:
            assert day.liable is None
        elif signed and day.day > case["transfer"]:
            assert day.liable == "escrow_agent"  # whether or not the SPA 5.1 deadline has passed
        elif day.day > RELEASE_DUE and not signed:
            assert day.liable == "issuer"
        for hold in case["holds"]:
            if day.day == hold.start:  # civil-code (Art. 201): the day a hold is raised is still a day of delay
                assert (hold in frees) == (case["hold_days"] == "inclusive")
            elif hold.start < day.day and (hold.end is None or day.day <= hold.end):
                assert hold in frees  # the next day through the day it is lifted: free under both readings


@settings(max_examples=60, deadline=None)
@given(delays())
def test_civil_code_frees_one_day_fewer_per_hold_than_inclusive(case):
    """Raised on D and lifted on E: civil-code frees E - D days, inclusive E - D + 1."""
    for hold in case["holds"]:
        if hold.end is None:
            continue
        span = [hold.start + timedelta(days=i) for i in range((hold.end - hold.start).days + 2)]
        civil = [d for d in span if hold.frees(d, "civil-code")]
        inclusive = [d for d in span if hold.frees(d, "inclusive")]
        assert len(civil) == (hold.end - hold.start).days and len(inclusive) == len(civil) + 1
        assert inclusive == [hold.start, *civil]
        who = attribute_day(
            hold.start,
            release_due=RELEASE_DUE,
            instruction_signed_on=None,
            transfer_due=None,
            released_on=None,
            holds=[hold],
        )
        assert who.liable == ("issuer" if hold.start > RELEASE_DUE else None)


@settings(max_examples=200, deadline=None)
@given(st.one_of(delays(), delays(past_cap=True)), st.integers(1, 40), st.data())
def test_accruing_more_days_from_the_last_state_equals_the_full_run(case, extra, data):
    """Issue 13: the sweep charges a new day from where the stored days stand (`accrue_more`) instead of walking
    every day again; whenever it answers, its rows are the full run's, and the earlier rows are unchanged."""
    days = _days(case)
    if len(days) < 2:
        return
    cut = data.draw(st.integers(1, len(days) - 1))
    earlier, later = days[:cut], days[cut : cut + extra]
    before = accrue(earlier, case["prices"], case["valuation"])
    full = accrue(earlier + later, case["prices"], case["valuation"])
    more = accrue_more(RunningState.after(before.rows[-1]), later, case["prices"], case["valuation"])
    event("incremental" if more is not None else "full run needed")
    if more is None:
        assert before.rows[-1].capped or full.first_capped_day is not None  # only where the cap binds
        return
    assert full.rows[:cut] == before.rows  # nothing earlier moved
    assert more == full.rows[cut:]


@settings(max_examples=200, deadline=None)
@given(st.one_of(delays(), delays(past_cap=True)))
def test_accruing_from_nothing_yet_is_the_full_run(case):
    """Issue 13: the sweep charges a tranche's first days from NOTHING_YET (no day stored) with `accrue_more`,
    whatever the cap does: the rows are the full run's, to the last digit and representation."""
    days = _days(case)
    full = accrue(days, case["prices"], case["valuation"])
    more = accrue_more(NOTHING_YET, days, case["prices"], case["valuation"])
    assert more is not None
    assert more == full.rows
    assert [(r.running_total.as_tuple(), r.cap.as_tuple()) for r in more] == [
        (r.running_total.as_tuple(), r.cap.as_tuple()) for r in full.rows
    ]
