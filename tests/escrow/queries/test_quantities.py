"""schedule_for, the one source of release figures (SPA 5.1, 5.2), and year_figures, the deal page's years.

The case that matters: a settlement released more than the formula for year 1, so a later year's
offset for year 1 is capped at what is still unreleased of its fifth (docs/architecture.md)."""

from decimal import Decimal

import pytest

from escrow import actions
from escrow.contract.policies import Policies
from escrow.contract.releases import compute_releases
from escrow.queries.quantities import schedule_for, year_figures
from tests.conftest import PASSWORD, open_and_file, release, tranche

pytestmark = pytest.mark.django_db
FOUR = ("issuer", "purchaser", "seller", "agent1")
WORKED = [Decimal(v) for v in ("598500000", "865000000", "805000000", "885000000", "974000000")]


def settle_year_1_generously(deal, people, quantity=2_950_000):
    """Year 1 misses (598.5M of 665M: the formula releases 2,700,000); the four settle on more."""
    t = open_and_file(deal, people, 1, "598500000")
    actions.raise_dispute(people["seller"], t.pk, reason="Revenue of two dealerships was left out")
    settlement = actions.propose_settlement(people["issuer"], t.pk, quantity=quantity, reason="Agreed")
    for person in FOUR:
        actions.sign_instrument(
            people[person], settlement.pk, expected_sha256=settlement.document.sha256, password=PASSWORD
        )
    return release(deal, people, 1)


@pytest.fixture
def settled(deposited, people):
    settle_year_1_generously(deposited, people)
    return deposited


def test_an_untouched_deal_reads_exactly_the_engine(kaixin):
    """No year released, nothing settled: the portal's schedule is the engine's, what-if or not."""
    targets = [t.target_revenue for t in kaixin.tranches.order_by("year")]
    for policies in (None, Policies(excess_credit="whole-excess-over-50pct")):
        ours = schedule_for(kaixin, actuals=WORKED, policies=policies)
        engine = compute_releases(kaixin.total_shares, targets, WORKED, policies or kaixin.policies)
        assert [
            (y.own_release, y.deducted, y.offset_shares, y.total_release, y.offset_capped_for_years) for y in ours.years
        ] == [(y.own_release, y.deducted, y.offset_shares, y.total_release, []) for y in engine.years]
        assert (ours.released_total, ours.cancelled_at_expiry) == (engine.released_total, engine.cancelled_at_expiry)


def test_without_actuals_it_reads_the_audited_years(deposited, people):
    open_and_file(deposited, people, 1, "598500000")
    schedule = schedule_for(deposited)
    assert [y.actual for y in schedule.years] == [Decimal("598500000.00")]
    assert schedule.cancelled_at_expiry is None and schedule.still_in_escrow == 15_000_000 - 2_700_000


def test_a_released_year_shows_what_it_released_and_later_offsets_are_capped(settled):
    schedule = schedule_for(settled, actuals=WORKED)
    year_1, year_2 = schedule.years[:2]
    assert year_1.released and (year_1.own_release, year_1.deducted, year_1.total_release) == (
        2_950_000,
        50_000,
        2_950_000,
    )
    assert year_2.formula_offset_shares == {1: 300_000}
    assert year_2.offset_shares == {1: 50_000} and year_2.total_release == 3_050_000
    assert year_2.offset_capped_for_years == [1]
    assert any("capped" in e.figure for e in year_2.explanations)
    # SPA 5.2(1): nothing is left for cancellation, and no year released more than its fifth.
    assert schedule.released_total == 15_000_000 and schedule.cancelled_at_expiry == 0
    assert set(schedule.released_by_tranche.values()) == {3_000_000}


def test_two_later_years_never_both_fill_the_same_room(settled):
    """Year 2 beats its target a little (offsets 90,225 of year 1's 300,000 by the formula), year 3 a lot
    (the other 209,775). Only 50,000 of year 1's fifth is unreleased: year 2 takes it, year 3 nothing."""
    schedule = schedule_for(settled, actuals=[Decimal("598500000"), Decimal("772000000"), Decimal("898000000")])
    year_2, year_3 = schedule.years[1:3]
    assert year_2.formula_offset_shares == {1: 90_225} and year_2.offset_shares == {1: 50_000}
    assert year_3.formula_offset_shares == {1: 209_775} and year_3.offset_shares == {}
    assert year_3.offset_capped_for_years == [1] and year_3.total_release == 3_000_000
    assert schedule.released_by_tranche[1] == 3_000_000


def test_the_report_action_records_what_schedule_for_says(settled, people):
    open_and_file(settled, people, 2, "865000000")
    t2 = tranche(settled, 2)
    year_2 = schedule_for(settled).years[1]
    assert t2.offset_shares == {str(y): n for y, n in year_2.offset_shares.items()} == {"1": 50_000}
    assert t2.release_quantity == year_2.total_release == 3_050_000
    assert t2.calculation["offset_capped_for_years"] == year_2.offset_capped_for_years == [1]


def test_year_figures_after_the_capped_year_is_released(settled, people):
    open_and_file(settled, people, 2, "865000000")
    release(settled, people, 2)
    figures = year_figures(settled, list(settled.tranches.order_by("year")))
    assert [(f.released, f.offset_shares, f.in_escrow) for f in figures.values()] == [
        (2_950_000, 0, 0),
        (3_050_000, 50_000, 0),
        (0, 0, 3_000_000),
        (0, 0, 3_000_000),
        (0, 0, 3_000_000),
    ]
    assert sum(f.released for f in figures.values()) == 6_000_000


def test_a_revenue_the_engine_refuses_is_a_value_error(kaixin):
    with pytest.raises(ValueError, match="negative"):
        schedule_for(kaixin, actuals=[Decimal("-1")])
