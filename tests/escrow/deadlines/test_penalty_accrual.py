"""SPA 8.2 / EA 5.2 accrual by the sweep: holds stop and restart the clock (P8), the agent's days start
the day after the EA 3.2 deadline (even before the SPA 5.1 one), the 5% cap (P7), missing prices
reported as missing, never guessed, then valued once entered, and every re-valuation recorded in the
deal's history. Every sweep runs on a frozen contract day (the sweep never runs ahead of today)."""

import importlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model

from escrow import actions
from escrow.actions.deadlines import sweep
from escrow.actions.prices import correct_share_price, import_prices, parse_price_csv
from escrow.models import Deal, HistoryAction, HistoryEntry, PenaltyDay, SharePrice
from escrow.queries.penalties import penalty_table
from tests.conftest import open_and_file, sign_instruction, tranche

from .conftest import days, on, price_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def late(deposited, people):
    with on(date(2027, 1, 20)):
        open_and_file(deposited, people, 1, "665000000", today=date(2027, 1, 20))
    return tranche(deposited, 1)


def _prices(first, last, close="2.5000", at=None, hour=9):
    """Entered by Kaixin's issuer (SPA 8.2) on contract day `at` (by default the day after the last close)."""
    issuer = get_user_model().objects.get(username="issuer")
    at = at or last + timedelta(days=1)
    with on(at, hour=hour):
        import_prices(issuer, parse_price_csv(price_csv(first, last, close), today=at))


def _sweep(day, hour=10):
    with on(day, hour=hour):
        return sweep(today=day)


def _revaluations(tranche_):
    return list(HistoryEntry.objects.filter(tranche=tranche_, action=HistoryAction.PENALTY_REVALUED).order_by("seq"))


# --- P8: the days a hold frees (SPA 8.1, 8.2; PRC Civil Code Art. 201) -----------------------------------


def _suspend_and_lift(late, people, suspend=date(2027, 2, 3), lift=date(2027, 2, 6)):
    """Swept every day: the issuer suspends on 02-03 (SPA 8.1) and lifts on 02-06."""
    _prices(date(2027, 1, 1), date(2027, 1, 29))
    for day in days(date(2027, 1, 30), date(2027, 2, 12)):
        with on(day):
            if day == suspend:
                actions.suspend_release(people["issuer"], late.pk, reason="Seller breached the non-compete")
            if day == lift:
                actions.lift_suspension(people["issuer"], late.pk, reason="Breach cured")
            sweep(today=day)
    return {r.day: r for r in PenaltyDay.objects.filter(tranche=late)}


def test_civil_code_a_suspension_frees_the_days_after_it_is_raised_through_the_day_it_is_lifted(late, people):
    """P8 civil-code (default): raised 02-03, lifted 02-06: 02-04 .. 02-06 are free (E - D = 3 days); the day
    it is raised is still the issuer's day of delay, and the clock runs again on 02-07."""
    rows = _suspend_and_lift(late, people)
    stopped = [d for d, r in rows.items() if "suspension hold (SPA 8.1)" in r.reason]
    assert stopped == list(days(date(2027, 2, 4), date(2027, 2, 6)))
    assert all(rows[d].liable == "" and rows[d].charged == 0 and rows[d].clause == "SPA 8.1" for d in stopped)
    assert [d for d, r in rows.items() if r.liable == "issuer"] == [
        *days(date(2027, 1, 30), date(2027, 2, 3)),
        *days(date(2027, 2, 7), date(2027, 2, 11)),
    ]
    table = penalty_table(late)
    assert table.total == Decimal(750 * 10) == table.by_party["issuer"] and table.hold_days == "civil-code"
    assert [r.day for r in table.rows if r.paused] == stopped and "breached" in table.rows[5].pause_reason


def test_inclusive_a_suspension_frees_both_ends(late, people):
    """P8 inclusive: the same suspension frees 02-03 .. 02-06 (4 days)."""
    Deal.objects.filter(pk=late.deal_id).update(hold_days="inclusive")
    rows = _suspend_and_lift(late, people)
    assert [d for d, r in rows.items() if r.clause == "SPA 8.1"] == list(days(date(2027, 2, 3), date(2027, 2, 6)))
    assert penalty_table(late).total == Decimal(750 * 9)


def test_an_open_hold_frees_every_day_after_it_was_raised(late, people):
    _prices(date(2027, 1, 1), date(2027, 1, 29))
    with on(date(2027, 2, 2)):
        actions.raise_dispute(people["seller"], late.pk, reason="The quantity ignores the SPA 5.2(2) offset")
    _sweep(date(2027, 3, 1))
    rows = {r.day: r for r in PenaltyDay.objects.filter(tranche=late)}
    assert [d for d, r in rows.items() if r.liable] == list(days(date(2027, 1, 30), date(2027, 2, 2)))
    assert all(r.clause == "EA 3.3" for d, r in rows.items() if d > date(2027, 2, 2))


# --- attribution (SPA 8.2, EA 3.2, EA 5.2) ----------------------------------------------------------------


def test_the_agent_is_liable_from_the_day_after_the_ea_3_2_deadline_before_the_spa_5_1_deadline(deposited, people):
    """All documents in on 2026-12-14 (report and signed instruction): the EA 3.2 transfer is due ten
    business days later, 2026-12-28, a month before the SPA 5.1 deadline (2027-01-29). Every day from
    2026-12-29 is the agent's, before and after 2027-01-29."""
    _prices(date(2026, 12, 1), date(2026, 12, 31))
    with on(date(2026, 12, 14)):
        open_and_file(deposited, people, 1, "665000000", today=date(2026, 12, 1))
        signed, _ = sign_instruction(deposited, people, 1)
    assert (signed.documents_complete_on, signed.transfer_due_date) == (date(2026, 12, 14), date(2026, 12, 28))
    report = _sweep(date(2027, 2, 3))
    rows = list(PenaltyDay.objects.filter(tranche=signed).order_by("day"))
    assert rows[0].day == date(2026, 12, 29) and report.penalty["days_written"] == 36
    assert {r.liable for r in rows} == {"escrow_agent"} and all(r.clause == "EA 3.2" for r in rows)
    assert [r.day for r in rows if r.day <= date(2027, 2, 2)] == list(days(date(2026, 12, 29), date(2027, 2, 2)))
    table = penalty_table(tranche(deposited, 1))
    assert table.by_party == {"escrow_agent": Decimal(750 * 36)} and table.liable_days == {"escrow_agent": 36}


def test_no_penalty_before_the_deadline_or_after_the_release(deposited, people):
    with on(date(2027, 1, 20)):
        open_and_file(deposited, people, 1, "665000000", today=date(2027, 1, 20))
    _sweep(date(2027, 1, 30))
    assert not PenaltyDay.objects.exists()  # 2027-01-30 is accrued once it has ended


# --- the cap (SPA 8.2, P7) --------------------------------------------------------------------------------


def test_the_total_is_capped_at_5_percent(late):
    """SPA 8.2, P7 last-day: with a constant price the cap is reached after 500 liable days; later days
    are charged nothing."""
    _prices(date(2027, 1, 1), date(2027, 1, 29))  # later days take the last close
    _sweep(date(2028, 7, 1))
    rows = list(PenaltyDay.objects.filter(tranche=late).order_by("day"))
    cap = Decimal("375000")  # 5% x 3,000,000 x 2.50
    assert not rows[498].capped and rows[498].running_total == Decimal(750 * 499)
    assert rows[499].capped and rows[499].running_total == cap and rows[499].charged == 750
    assert all(r.charged == 0 and r.amount == 750 for r in rows[500:])
    assert rows[-1].running_total == cap and rows[-1].cap == cap
    table = penalty_table(late)
    assert table.capped and table.total == cap == table.by_party["issuer"] and table.first_capped_day == rows[499].day
    assert table.raw_by_party["issuer"] == Decimal(750 * len(rows)) > cap


# --- prices entered late or corrected: revalued, and recorded in the history -------------------------------


def test_missing_prices_are_reported_then_valued_when_entered(late):
    _prices(date(2027, 2, 1), date(2027, 2, 3), at=date(2027, 2, 4))  # nothing on or before 2027-01-31
    _sweep(date(2027, 2, 4))
    table = penalty_table(late)
    assert table.missing_price_days == [date(2027, 1, 30), date(2027, 1, 31)] and not table.complete
    missing = PenaltyDay.objects.get(tranche=late, day=date(2027, 1, 30))
    assert (missing.amount, missing.charged, missing.price, missing.liable) == (None, None, None, "issuer")
    assert table.total == Decimal(750 * 3)  # the valued days only
    again = _sweep(date(2027, 2, 4), hour=11)
    assert again.penalty["days_revalued"] == 0 and again.penalty["tranches"] == 0
    _prices(date(2027, 1, 29), date(2027, 1, 29), close="2.0000", at=date(2027, 2, 4), hour=12)
    report = _sweep(date(2027, 2, 4), hour=13)
    assert report.penalty["days_revalued"] == 5  # two valued now, three running totals moved
    table = penalty_table(late)
    assert table.complete and table.total == Decimal(600 * 2 + 750 * 3)
    assert _sweep(date(2027, 2, 4), hour=14).penalty["tranches"] == 0
    (entry,) = _revaluations(late)
    assert entry.details["days"] == [["2027-01-30", "2027-02-03"]] and entry.details["days_changed"] == 5
    assert Decimal(entry.details["before"]["total"]) == 2250 and Decimal(entry.details["after"]["total"]) == 3450
    assert [(p["day"], Decimal(p["close"])) for p in entry.details["prices"]] == [("2027-01-29", 2)]


def test_a_corrected_price_revalues_the_days_it_touched_and_the_history_says_so(late, people):
    """SPA 8.2: the market value of each day. The issuer corrects Friday 01-29's close from 2.50 to 3.00:
    Saturday and Sunday take it as their last close (900 instead of 750); the deal's history records
    which days changed, the totals of the days stored before and after, and which price caused it, once."""
    _prices(date(2027, 1, 1), date(2027, 2, 1))
    _sweep(date(2027, 2, 2))
    price = SharePrice.objects.get(ticker="KXIN", day=date(2027, 1, 29))
    with on(date(2027, 2, 2), hour=11):
        correct_share_price(people["issuer"], price, "3.0000", "Nasdaq official close, not the last trade")
    report = _sweep(date(2027, 2, 3))  # the next day's sweep: it also accrues 2027-02-02
    assert (report.penalty["revaluations_recorded"], report.penalty["days_written"]) == (1, 1)
    amounts = dict(PenaltyDay.objects.filter(tranche=late).values_list("day", "charged"))
    assert amounts == {
        date(2027, 1, 30): Decimal(900),
        date(2027, 1, 31): Decimal(900),
        date(2027, 2, 1): Decimal(750),
        date(2027, 2, 2): Decimal(750),
    }
    (entry,) = _revaluations(late)
    assert (entry.actor, entry.clause, entry.deal_id) == (None, "SPA 8.2; EA 5.2", late.deal_id)
    assert entry.details["days"] == [["2027-01-30", "2027-02-01"]] and entry.details["through"] == "2027-02-01"
    assert Decimal(entry.details["before"]["total"]) == 2250 and Decimal(entry.details["after"]["total"]) == 2550
    assert Decimal(entry.details["after"]["by_party"]["issuer"]) == 2550
    assert entry.details["prices"][0]["day"] == "2027-01-29" and entry.details["prices"][0]["entered_by"] == "issuer"
    assert "KXIN close of 2027-01-29 was entered as 3.0000" in entry.summary
    assert "2,250.00 -> 2,550.00" in entry.summary
    assert _sweep(date(2027, 2, 3), hour=11).penalty["revaluations_recorded"] == 0
    assert len(_revaluations(late)) == 1


def test_a_price_that_changes_nothing_stored_records_nothing(late, people):
    """A close for a day after every stored day changes no stored figure: no re-valuation entry."""
    _prices(date(2027, 1, 1), date(2027, 1, 29))
    _sweep(date(2027, 2, 2))
    _prices(date(2027, 2, 10), date(2027, 2, 10), close="9.0000")
    report = _sweep(date(2027, 2, 11))
    assert report.penalty["days_written"] == 9 and report.penalty["revaluations_recorded"] == 0
    assert _revaluations(late) == []


def test_migration_0005_charges_the_days_stored_before_it(late):
    """Days stored before `charged` existed get it from their stored amount and cap, in day order (SPA 8.2):
    a day is charged what is left under its cap, and the running total becomes the sum of the charges."""
    migration = importlib.import_module("escrow.migrations.0005_penalty_policy_p8")
    stored = [
        (date(2027, 1, 30), "issuer", Decimal(300), Decimal(500), False),
        (date(2027, 1, 31), "", Decimal(0), Decimal(500), False),
        (date(2027, 2, 1), "issuer", Decimal(300), Decimal(500), False),  # only 200 left under the cap
        (date(2027, 2, 2), "escrow_agent", Decimal(300), Decimal(500), False),  # nothing left
        (date(2027, 2, 3), "issuer", None, Decimal(500), True),  # no price: not valued
    ]
    for day, liable, amount, cap, missing in stored:
        PenaltyDay.objects.create(
            tranche=late, day=day, liable=liable, reason="stored", amount=amount, cap=cap, missing_price=missing
        )
    migration.charge_stored_days(apps, None)
    rows = PenaltyDay.objects.filter(tranche=late).order_by("day")
    assert [(r.charged, r.running_total, r.capped) for r in rows] == [
        (Decimal(300), Decimal(300), False),
        (Decimal(0), Decimal(300), False),
        (Decimal(200), Decimal(500), True),
        (Decimal(0), Decimal(500), True),
        (None, Decimal(500), True),
    ]
