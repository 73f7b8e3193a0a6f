"""Splits and consolidations mid-escrow (issue 14 item 4): proposed by the issuer, confirmed by the agent, the
escrow rebased by `rebase` ledger movements with conservation before and after, released shares untouched,
and the engine, schedule and penalty reading the rebased sizes (SPA 5.1, 5.2, 8.2; EA 4.2)."""

from datetime import timedelta
from decimal import Decimal

import pytest

from escrow import actions
from escrow.contract.errors import InvalidInput, NotAllowed, WrongState
from escrow.contract.penalty import PriceBook
from escrow.models import CorporateAction, HistoryEntry, Notification, ShareMovement
from escrow.queries.clock import contract_today
from escrow.queries.penalties import rebased_nominal, rebases_by_deal
from escrow.queries.quantities import schedule_for, sizes_for, year_figures
from tests.conftest import open_and_file, release, tranche

pytestmark = pytest.mark.django_db


def conserved(deal):
    """deposited + rebased = released + returned + in escrow, and the tranches' remainders sum to the ledger."""
    b = ShareMovement.objects.filter(deal=deal).balances()
    assert b["deposited"] + b["rebased"] == b["released"] + b["returned"] + b["in_escrow"]
    figures = year_figures(type(deal).objects.get(pk=deal.pk), deal.tranches.order_by("year"))
    assert sum(f.in_escrow for f in figures.values()) == b["in_escrow"]
    return b


def propose(deal, people, new, old, policy="round-up", **kwargs):
    return actions.propose_corporate_action(
        people["issuer"],
        deal,
        ratio_new=new,
        ratio_old=old,
        effective_date=kwargs.pop("effective_date", contract_today()),
        fraction_policy=policy,
        **kwargs,
    )


def test_one_for_thirty_consolidation_mid_escrow(deposited, people):
    # Year 1 misses by 10%: 2,700,000 released, 300,000 deducted stay in escrow (SPA 5.2(1)).
    open_and_file(deposited, people, 1, "598500000")
    release(deposited, people, 1)
    assert conserved(deposited)["in_escrow"] == 12_300_000

    action = propose(deposited, people, 1, 30, new_cusip="g5223x167", terms="Form 6-K of the consolidation")
    assert action.state == "proposed" and action.new_cusip == "G5223X167"
    assert not ShareMovement.objects.filter(kind="rebase").exists()  # nothing moves until the agent confirms
    actions.confirm_corporate_action(people["agent1"], deposited, reference="TA-CONSOL")

    b = conserved(deposited)
    assert b == {
        "deposited": 15_000_000,
        "rebased": 12_300_000 // 30 - 12_300_000,
        "released": 2_700_000,  # released stays as it was
        "returned": 0,
        "in_escrow": 410_000,
    }
    rebases = dict(ShareMovement.objects.filter(kind="rebase").values_list("tranche__year", "quantity"))
    assert rebases == {1: -290_000, 2: -2_900_000, 3: -2_900_000, 4: -2_900_000, 5: -2_900_000}
    deal = type(deposited).objects.get(pk=deposited.pk)
    assert sizes_for(deal) == [2_710_000, 100_000, 100_000, 100_000, 100_000]

    # Year 2 beats its target by 133M: its own 100,000 (rebased fifth) plus the offset of year 1's shortfall,
    # which is what is left of year 1 in escrow on the new basis (10,000), never more (SPA 5.1, 5.2(2)).
    open_and_file(deal, people, 2, "865000000")
    t2 = tranche(deal, 2)
    assert (t2.own_release, t2.offset_shares, t2.release_quantity) == (100_000, {"1": 10_000}, 110_000)
    release(deal, people, 2)
    assert conserved(deal)["in_escrow"] == 300_000
    schedule = schedule_for(deal)
    assert [y.tranche_shares for y in schedule.years] == [2_710_000, 100_000]
    # The what-if (same schedule): years 3-5 on target release their rebased 100,000 each, and
    # released + cancelled at expiry = what was released before the action + the rebased escrow.
    whatif = schedule_for(deal, actuals=["598500000", "865000000", "805000000", "885000000", "700000000"])
    assert [y.tranche_shares for y in whatif.years] == [2_710_000, 100_000, 100_000, 100_000, 100_000]
    assert [y.total_release for y in whatif.years][2:] == [100_000, 100_000, 71_868]
    assert whatif.released_total + whatif.cancelled_at_expiry == 2_700_000 + 410_000


def test_two_for_one_split_before_any_release(deposited, people):
    propose(deposited, people, 2, 1, policy="floor", new_ticker="kxin")
    actions.confirm_corporate_action(people["agent2"], deposited)
    b = conserved(deposited)
    assert (b["rebased"], b["in_escrow"]) == (15_000_000, 30_000_000)
    deal = type(deposited).objects.get(pk=deposited.pk)
    assert sizes_for(deal) == [6_000_000] * 5
    # Year 1 misses by 10% on the new basis: 5,400,000 released, 600,000 deducted (SPA 5.2(1)).
    open_and_file(deal, people, 1, "598500000")
    t1 = tranche(deal, 1)
    assert (t1.own_release, t1.deducted) == (5_400_000, 600_000)
    release(deal, people, 1)
    assert conserved(deal)["in_escrow"] == 24_600_000
    # The joint instruction's calculation states the rebased size, not 30,000,000 / 5 of the SPA.
    from types import SimpleNamespace

    from escrow.documents.calculation import calculation_steps

    facts = SimpleNamespace(
        calculation=t1.calculation, total_shares=15_000_000, tranche_count=5, currency="CNY", year=1, quantity=5_400_000
    )
    first = calculation_steps(facts)[0]
    assert "S = 6,000,000" in first[0] and "rebased" in first[0] and "拆股或合股" in first[1]
    # The delay penalty's nominal tranche (before a report) is the rebased size (SPA 8.2).
    assert rebased_nominal(tranche(deal, 2)) == 6_000_000


def test_fractions_round_up_once_for_the_agent_and_allocate_to_the_tranches(deposited, people):
    # 1 for 7: 15,000,000 / 7 = 2,142,857.14...; round-up gives the agent 2,142,858 shares.
    propose(deposited, people, 1, 7)
    action = actions.confirm_corporate_action(people["agent1"], deposited)
    b = conserved(deposited)
    assert b["in_escrow"] == 2_142_858
    assert action.rebase["rounded_up"] == "6/7" and action.rebase["remainder"] == "0"
    assert sum(sizes_for(type(deposited).objects.get(pk=deposited.pk))) == 2_142_858


def test_floor_reports_the_remainder(deposited, people):
    propose(deposited, people, 1, 7, policy="floor")
    action = actions.confirm_corporate_action(people["agent1"], deposited)
    assert conserved(deposited)["in_escrow"] == 2_142_857
    assert action.rebase["remainder"] == "1/7"
    entry = HistoryEntry.objects.get(action="corporate_action_confirmed")
    assert entry.details["rebase"]["remainder"] == "1/7" and "remainder 1/7" in entry.summary


def test_history_and_notifications(deposited, people):
    propose(deposited, people, 1, 30)
    actions.confirm_corporate_action(people["agent1"], deposited)
    proposed = HistoryEntry.objects.get(action="corporate_action_proposed")
    confirmed = HistoryEntry.objects.get(action="corporate_action_confirmed")
    assert proposed.details["ratio_old"] == 30 and confirmed.clause.startswith("EA 4.2")
    assert len(confirmed.details["rebases"]) == 5
    assert confirmed.details["balances_after"]["in_escrow"] == 500_000
    keys = set(Notification.objects.values_list("dedupe_key", flat=True))
    for who in ("issuer", "purchaser", "seller", "agent1"):
        uid = people[who].pk
        assert any(k.startswith("corporate-action-proposed:") and k.endswith(f":u{uid}") for k in keys)
        assert any(k.startswith("corporate-action-confirmed:") and k.endswith(f":u{uid}") for k in keys)


def test_who_and_when(deposited, people):
    with pytest.raises(NotAllowed):
        actions.propose_corporate_action(
            people["agent1"],
            deposited,
            ratio_new=1,
            ratio_old=30,
            effective_date=contract_today(),
            fraction_policy="floor",
        )
    with pytest.raises(WrongState, match="No split or consolidation"):
        actions.confirm_corporate_action(people["agent1"], deposited)
    with pytest.raises(InvalidInput):
        propose(deposited, people, 3, 3)
    with pytest.raises(InvalidInput):
        propose(deposited, people, 1, 30, policy="half-up")
    with pytest.raises(InvalidInput):
        propose(deposited, people, 1, 30, effective_date=deposited.effective_date - timedelta(days=1))
    propose(deposited, people, 1, 30, effective_date=contract_today() + timedelta(days=3))
    with pytest.raises(WrongState, match="already proposed"):
        propose(deposited, people, 2, 1)
    with pytest.raises(NotAllowed):
        actions.confirm_corporate_action(people["issuer"], deposited)
    with pytest.raises(WrongState, match="takes effect on"):
        actions.confirm_corporate_action(people["agent1"], deposited)
    assert CorporateAction.objects.get().state == "proposed"


def test_refused_while_a_year_is_fixed_in_old_shares(deposited, people):
    open_and_file(deposited, people, 1, "665000000")  # awaiting the joint instruction: 3,000,000 old shares
    propose(deposited, people, 1, 30)
    with pytest.raises(WrongState, match="Year\\(s\\) 1"):
        actions.confirm_corporate_action(people["agent1"], deposited)
    assert not ShareMovement.objects.filter(kind="rebase").exists()


def test_closes_before_the_effective_date_are_put_on_the_new_basis(deposited, people):
    """SPA 8.2: the market value compares a rebased quantity with a close on the same basis."""
    day = contract_today()
    propose(deposited, people, 1, 30, effective_date=day)
    actions.confirm_corporate_action(people["agent1"], deposited)
    rebases = rebases_by_deal([deposited.pk])[deposited.pk]
    book = PriceBook({day - timedelta(days=1): Decimal("0.10")}).with_rebases(rebases)
    assert book.close_on(day - timedelta(days=1)) == (Decimal("0.10"), day - timedelta(days=1))  # old day, old basis
    assert book.close_on(day + timedelta(days=2)) == (Decimal("3"), day - timedelta(days=1))  # later day, new basis
    # 100,000 new shares valued at the adjusted close = 3,000,000 old shares at the old close.
    assert 100_000 * book.close_on(day)[0] == 3_000_000 * Decimal("0.10")


def test_the_history_reconciles_with_the_rebased_ledger(deposited, people):
    """Issue 10 item 5 checks extended: each `rebase` movement has its entry and the totals agree."""
    from escrow.queries.reconcile import differences, entries_of, replay

    open_and_file(deposited, people, 1, "598500000")
    release(deposited, people, 1)
    propose(deposited, people, 1, 30)
    actions.confirm_corporate_action(people["agent1"], deposited, reference="TA-CONSOL")
    assert list(differences(deposited)) == []
    state = replay(entries_of(deposited))
    assert [(m.kind, m.quantity) for m in state.movements][2:] == [
        ("rebase", -290_000),
        *[("rebase", -2_900_000)] * 4,
    ]


def test_prices_are_read_under_the_ticker_in_force_on_each_date(deposited, people):
    """Issue 14 item 3 (SPA 8.2, P7): after a 1-for-30 consolidation with a new ticker, a close is read under the
    old ticker before the effective date and under the new one from it, and compared on the new share basis."""
    from escrow.actions.accrual import _books
    from escrow.contract.penalty import closes_in_force
    from escrow.queries.penalties import tickers_by_deal

    day = contract_today()
    propose(deposited, people, 1, 30, effective_date=day, new_ticker="kxnw")
    actions.confirm_corporate_action(people["agent1"], deposited)
    listed = tickers_by_deal({deposited.pk: deposited.ticker})
    assert listed == {deposited.pk: [(None, "KXIN"), (day, "KXNW")]}
    prices = {
        "KXIN": {day - timedelta(days=2): Decimal("0.10"), day: Decimal("0.11")},  # the old line after: not used
        "KXNW": {day - timedelta(days=1): Decimal("9.99"), day: Decimal("3.05")},  # before the listing: not used
    }
    closes = closes_in_force(listed[deposited.pk], prices)
    assert closes == {day - timedelta(days=2): Decimal("0.10"), day: Decimal("3.05")}
    rebases = rebases_by_deal([deposited.pk])[deposited.pk]
    book = _books(listed, prices)[deposited.pk].with_rebases(rebases)  # what the sweep values each day with
    assert book.close_on(day - timedelta(days=1)) == (Decimal("0.10"), day - timedelta(days=2))  # old day, old basis
    assert book.close_on(day + timedelta(days=1)) == (Decimal("3.05"), day)  # the new ticker's close
    # No close yet under the new ticker: the last old close, on the new basis (0.10 x 30), never the stale 0.11.
    early = _books(listed, {"KXIN": prices["KXIN"]})[deposited.pk].with_rebases(rebases)
    assert early.close_on(day + timedelta(days=1)) == (Decimal("3"), day - timedelta(days=2))
    # A deal whose ticker never changed shares one book per ticker (the sweep's chunk).
    books = _books({1: [(None, "KXIN")], 2: [(None, "KXIN")]}, prices)
    assert books[1] is books[2] and books[1].close_on(day) == (Decimal("0.11"), day)


def test_held_on_a_day_and_recorded_by_a_day_are_two_questions_with_one_balance_rule(kaixin, people):
    """Issue 14 item 4 ("one rule for in escrow on a day"): shares issued to the agent five days ago, recorded
    today; a consolidation effective three days ago, confirmed today. SPA 3.2 asks what the agent held at the end
    of a record date: the transfer agent's date for the deposit, the effective date for the rebase
    (escrow.queries.holdings.in_escrow_on). The deal as of that day is the portal's record as it stood then:
    nothing was recorded yet (escrow.queries.as_of). Both count with escrow.models.ledger.balances_of, and agree
    once the facts are recorded."""
    from escrow.models import Deal
    from escrow.queries.as_of import deal_as_of
    from escrow.queries.holdings import in_escrow_on

    today = contract_today()
    issued, effective = today - timedelta(days=5), today - timedelta(days=3)
    actions.confirm_deposit(
        people["agent1"], kaixin, reference="DRS-1", issue_date=issued, transfer_agent="CST", recipient_account="A2A"
    )
    deal = Deal.objects.get(pk=kaixin.pk)
    propose(deal, people, 1, 30, effective_date=effective)
    actions.confirm_corporate_action(people["agent1"], deal)
    assert in_escrow_on(deal, issued - timedelta(days=1)) == 0
    assert in_escrow_on(deal, effective - timedelta(days=1)) == 15_000_000
    assert in_escrow_on(deal, effective) == 500_000  # the legal fact from the effective date
    assert deal_as_of(deal, effective).balances.in_escrow == 0  # nothing recorded by then
    assert deal_as_of(deal, today).balances.in_escrow == in_escrow_on(deal, today) == 500_000
    assert deal_as_of(deal, today).balances.as_dict() == ShareMovement.objects.balances()
