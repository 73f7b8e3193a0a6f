"""Statements per party and period (issue 14 item 6): positions at the start and end from the deal as of those
days, every movement between them, and the statement reconciles to the ledger to the share (RULES.md invariant:
in escrow + released + returned = deposited + rebased)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from escrow.models import ShareMovement
from escrow.queries.as_of import end_of_day
from escrow.queries.statements import STATEMENT_ROLES, statement_for
from tests.escrow.as_of_world import CREATED, DEPOSITED, RELEASED, TOTAL, on
from tests.escrow.statements_world import DIVIDEND_PASSED, INSTRUCTED, PAID, walk_into_february

pytestmark = pytest.mark.django_db


@pytest.fixture
def walked(django_user_model):
    return walk_into_february(django_user_model)


def _ledger_in_escrow(deal, day):
    return ShareMovement.objects.filter(deal=deal, recorded_at__lt=end_of_day(day)).balances()["in_escrow"]


PERIODS = [
    (date(2026, 12, 1), date(2026, 12, 31)),  # the deposit
    (date(2027, 1, 1), date(2027, 1, 31)),  # the year-1 release at 01:00 Beijing time (still 25 January in UTC)
    (date(2027, 1, 26), date(2027, 1, 26)),  # the release day alone
    (date(2027, 1, 25), date(2027, 1, 25)),  # the UTC day of the release: nothing moves on it in Beijing
    (CREATED, date(2027, 2, 28)),  # the whole walk
    (date(2027, 2, 1), date(2027, 2, 28)),  # nothing moves
]


def test_opening_plus_movements_equals_closing_to_the_share(walked):
    deal, _ = walked
    for start, end in PERIODS:
        for role in STATEMENT_ROLES:
            with on(date(2027, 3, 1)):
                s = statement_for(deal, role, start, end)
            assert s.opening.balances.in_escrow == _ledger_in_escrow(deal, start - timedelta(days=1))
            assert s.closing.balances.in_escrow == _ledger_in_escrow(deal, end)
            moved = sum(m.quantity for m in s.movements)
            assert s.opening.balances.in_escrow + moved == s.closing.balances.in_escrow, (start, end, role)
            assert s.reconciles and s.as_dict()["reconciles"]


def test_december_holds_the_deposit_and_january_the_release(walked):
    deal, _ = walked
    december = statement_for(deal, "seller", date(2026, 12, 1), date(2026, 12, 31))
    assert december.opening.balances.in_escrow == 0 and december.closing.balances.in_escrow == TOTAL
    assert [(m.kind, m.quantity, m.recorded_at.date()) for m in december.movements] == [("deposit", TOTAL, DEPOSITED)]
    assert december.releases == ()
    january = statement_for(deal, "issuer", date(2027, 1, 1), date(2027, 1, 31))
    assert [(m.kind, m.quantity, m.year) for m in january.movements] == [("release", -3_000_000, 1)]
    assert january.closing.balances.in_escrow == TOTAL - 3_000_000
    (release,) = january.releases
    assert (release.year, release.released, release.released_on) == (1, 3_000_000, RELEASED)
    assert release.own_release == 3_000_000 and release.deducted == 0 and release.offsets == {}
    assert release.reference == "TA-REF-1"
    # the UTC day before the Beijing release day shows nothing moving
    assert statement_for(deal, "issuer", date(2027, 1, 25), date(2027, 1, 25)).movements == ()


def test_the_seller_reads_its_dividend_and_vote_the_issuer_does_not(walked):
    deal, _ = walked
    with on(date(2027, 3, 1)):
        seller = statement_for(deal, "seller", date(2027, 2, 1), date(2027, 2, 28))
        issuer = statement_for(deal, "issuer", date(2027, 2, 1), date(2027, 2, 28))
        agent = statement_for(deal, "escrow_agent", date(2027, 2, 1), date(2027, 2, 28))
    (dividend,) = seller.dividends
    assert dividend.passed_on == DIVIDEND_PASSED and dividend.paid_amount == Decimal("600000.00")
    (instruction,) = seller.instructions
    assert instruction.given_at.date() == INSTRUCTED and instruction.shares == TOTAL - 3_000_000
    assert issuer.dividends == () and issuer.instructions == ()
    assert len(agent.dividends) == 1 and len(agent.instructions) == 1
    # EA 4.4, P9 default: the issuer pays; the agent invoices; the seller reads no invoice
    assert [i.number for i in issuer.invoices_issued] == [i.number for i in agent.invoices_issued] != []
    assert [i.paid_on for i in issuer.invoices_paid] == [PAID]
    assert seller.invoices_issued == () and seller.invoices_paid == ()
    # upcoming: year 2's assessment year ends after February; the seller also sees nothing past the meeting cut-off
    assert any(d.year == 2 and d.clause == "SPA 1.4" for d in issuer.deadlines)
    assert all(d.due > date(2027, 2, 28) for d in seller.deadlines)
    data = seller.as_dict()
    assert data["dividends"][0]["reference"] == "DIV-1" and data["votes_instructed"][0]["choices"] == {
        "1": "for",
        "2": "against",
    }


def test_a_february_statement_before_the_meeting_cut_off_lists_it_as_upcoming(walked):
    deal, _ = walked
    s = statement_for(deal, "seller", date(2027, 1, 1), date(2027, 1, 31))
    assert any(d.clause == "SPA 3.2, EA 1.3" for d in s.deadlines)
    assert not any(
        d.clause == "SPA 3.2, EA 1.3"
        for d in statement_for(deal, "issuer", date(2027, 1, 1), date(2027, 1, 31)).deadlines
    )


def test_a_shortfall_and_a_consolidation_reconcile_to_the_share(deposited, people):
    """Year 1 misses by 10% (SPA 5.2(1): 300,000 deducted, 2,700,000 released), then a 1-for-30 consolidation
    rebases what stays in escrow (issue 14 item 4): opening + deposit - release + rebase = closing, exactly."""
    from escrow import actions
    from escrow.queries.clock import contract_today
    from tests.conftest import open_and_file, release

    open_and_file(deposited, people, 1, "598500000")
    release(deposited, people, 1)
    actions.propose_corporate_action(
        people["issuer"],
        deposited,
        ratio_new=1,
        ratio_old=30,
        effective_date=contract_today(),
        fraction_policy="round-up",
    )
    actions.confirm_corporate_action(people["agent1"], deposited, reference="TA-CONSOL")
    today = contract_today()
    s = statement_for(deposited, "seller", today - timedelta(days=40), today)
    assert s.opening.balances.in_escrow == 0 and s.closing.balances.in_escrow == 410_000
    moved = {}
    for m in s.movements:  # a rebase is one movement per tranche still in escrow
        moved[m.kind] = moved.get(m.kind, 0) + m.quantity
    assert moved == {"deposit": 15_000_000, "release": -2_700_000, "rebase": 410_000 - 12_300_000}
    assert {m.year for m in s.movements if m.kind == "rebase"} == {1, 2, 3, 4, 5}  # year 1's deducted 300,000 too
    assert s.reconciles and s.closing.balances.in_escrow == _ledger_in_escrow(deposited, today)
    (year1,) = s.releases
    assert (year1.released, year1.own_release, year1.deducted) == (2_700_000, 2_700_000, 300_000)


def test_the_penalty_accrued_in_the_period_per_liable_party(deposited, people):
    """SPA 8.2: nobody signs year 1's instruction by 2027-01-29; from 2027-01-30 the issuer is liable for USD 750 a
    day (tests/escrow/queries/test_as_of.py). February 1 to 5 accrues five days: 3,750. The issuer reads its own,
    the seller (to whom it is owed) and compliance every party's, the purchaser none."""
    from escrow.actions.deadlines import sweep
    from escrow.actions.prices import import_prices, parse_price_csv
    from tests.conftest import open_and_file

    lines = ["ticker,date,close"] + [f"KXIN,{date(2027, 1, 1) + timedelta(days=i)},2.5000" for i in range(29)]
    with on(date(2027, 1, 30), hour=9):
        import_prices(people["issuer"], parse_price_csv("\n".join(lines) + "\n", today=date(2027, 1, 30)))
    with on(date(2027, 1, 20)):
        open_and_file(deposited, people, 1, "665000000", today=date(2027, 1, 20))
    with on(date(2027, 2, 10)):
        sweep(today=date(2027, 2, 10))
        period = (date(2027, 2, 1), date(2027, 2, 5))
        assert statement_for(deposited, "issuer", *period).penalty == {"issuer": Decimal("3750")}
        assert statement_for(deposited, "seller", *period).penalty == {"issuer": Decimal("3750")}
        assert statement_for(deposited, "compliance", *period).penalty == {"issuer": Decimal("3750")}
        assert statement_for(deposited, "purchaser", *period).penalty == {}
        assert statement_for(deposited, "issuer", date(2027, 1, 1), date(2027, 1, 29)).penalty == {}
