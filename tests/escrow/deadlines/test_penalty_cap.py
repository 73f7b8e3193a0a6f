"""Issue 9, done means: a delay that runs past the cap with a hold in the middle, driven through the real
actions and the sweep, with the figures the parties would see (SPA 8.2, EA 3.2, EA 5.2, SPA 8.1, P7, P8).

Kaixin year 1 (3,000,000 shares, release due 2027-01-29), every close USD 2.50: a day of delay is 0.01%
x 3,000,000 x 2.50 = USD 750, the cap 5% x 7,500,000 = USD 375,000, reached on the 500th liable day.
- 2027-01-30 .. 2027-03-01: the issuer's (no joint instruction after the SPA 5.1 deadline): 31 days;
- the issuer suspends on 2027-03-01 (SPA 8.1) and lifts on 2027-03-31: P8 civil-code frees
  2027-03-02 .. 2027-03-31 (30 days; 03-01 is still a day of delay);
- 2027-04-01 .. 2027-04-14: the issuer's again: 14 days (45 in all);
- signed by both on 2027-04-15: the EA 3.2 transfer is due 2027-04-29 (ten CN business days);
  2027-04-15 .. 2027-04-29 are nobody's;
- from 2027-04-30 the agent's: its 455th day, 2028-07-27, takes the total to the cap; every later day
  is charged nothing.
Figures: issuer 45 days, USD 33,750.00; escrow agent 455 days charged (469 days of delay through
2028-08-10), USD 341,250.00; total USD 375,000.00 = the cap; first day at the cap 2028-07-27.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from escrow import actions
from escrow.actions.deadlines import sweep
from escrow.actions.prices import import_prices, parse_price_csv
from escrow.models import Deal, HistoryAction, HistoryEntry, PenaltyDay
from escrow.queries.penalties import deal_penalties, penalty_table
from tests.conftest import open_and_file, sign_instruction, tranche

from .conftest import days, on, price_csv

pytestmark = pytest.mark.django_db

CAP = Decimal("375000")
THROUGH = date(2028, 8, 10)


def _prices(first, last, close="2.5000"):
    issuer = get_user_model().objects.get(username="issuer")
    at = last + timedelta(days=1)
    with on(at, hour=9):
        import_prices(issuer, parse_price_csv(price_csv(first, last, close), today=at))


def _walk(deal, people, hold_days="civil-code"):
    """The parties act on their days; the sweep runs now and then and catches up (SPA 8.2)."""
    Deal.objects.filter(pk=deal.pk).update(hold_days=hold_days)
    _prices(date(2027, 1, 1), date(2027, 1, 29))
    with on(date(2027, 1, 20)):
        open_and_file(deal, people, 1, "665000000", today=date(2027, 1, 20))
    year1 = tranche(deal, 1)
    with on(date(2027, 3, 1)):
        sweep(today=date(2027, 3, 1))
        actions.suspend_release(people["issuer"], year1.pk, reason="Seller breached the non-compete (SPA 8.1)")
    with on(date(2027, 3, 15)):
        sweep(today=date(2027, 3, 15))
    with on(date(2027, 3, 31)):
        actions.lift_suspension(people["issuer"], year1.pk, reason="Breach cured")
    with on(date(2027, 4, 15)):
        sweep(today=date(2027, 4, 15))
        sign_instruction(deal, people, 1)
    with on(THROUGH + timedelta(days=1)):
        sweep(today=THROUGH + timedelta(days=1))
    return tranche(deal, 1)


@pytest.fixture
def walked(deposited, people):
    return _walk(deposited, people)


def test_the_delay_runs_past_the_cap_with_a_hold_in_the_middle(walked):
    assert (walked.documents_complete_on, walked.transfer_due_date) == (date(2027, 4, 15), date(2027, 4, 29))
    rows = {r.day: r for r in PenaltyDay.objects.filter(tranche=walked)}
    assert min(rows) == date(2027, 1, 30) and max(rows) == THROUGH
    issuer = [d for d, r in rows.items() if r.liable == "issuer"]
    assert issuer == [*days(date(2027, 1, 30), date(2027, 3, 1)), *days(date(2027, 4, 1), date(2027, 4, 14))]
    held = [d for d, r in rows.items() if r.clause == "SPA 8.1"]
    assert held == list(days(date(2027, 3, 2), date(2027, 3, 31)))  # P8 civil-code: D+1 .. E
    nobody = [d for d, r in rows.items() if r.clause == "EA 3.2" and not r.liable]
    assert nobody == list(days(date(2027, 4, 15), date(2027, 4, 29)))  # the agent's EA 3.2 period
    agent = [d for d, r in rows.items() if r.liable == "escrow_agent"]
    assert agent == list(days(date(2027, 4, 30), THROUGH))

    charged_agent = [d for d in agent if rows[d].charged > 0]
    assert len(issuer) == 45 and len(charged_agent) == 455 and len(agent) == 469
    first_at_cap = date(2028, 7, 27)
    assert charged_agent[-1] == first_at_cap and rows[first_at_cap].running_total == CAP
    assert rows[first_at_cap - timedelta(days=1)].running_total == CAP - 750 and rows[first_at_cap].charged == 750
    assert all(rows[d].charged == 0 and rows[d].amount == 750 and rows[d].capped for d in agent if d > first_at_cap)
    assert all(r.running_total <= r.cap for r in rows.values())


def test_the_summaries_show_the_capped_figures(walked, people):
    table = penalty_table(walked)
    assert table.by_party == {"issuer": Decimal("33750"), "escrow_agent": Decimal("341250")}
    assert table.raw_by_party["escrow_agent"] == Decimal(750 * 469)  # before the cap
    assert table.liable_days == {"issuer": 45, "escrow_agent": 469}
    assert table.total == CAP == table.cap == sum(table.by_party.values()) and table.capped
    assert table.first_capped_day == date(2028, 7, 27) and table.accrued_through == THROUGH
    year1 = next(t for t in deal_penalties(walked.deal).tranches if t.tranche.year == 1)
    assert (year1.total, year1.by_party) == (CAP, table.by_party)

    client = Client()
    client.force_login(people["seller"])
    page = client.get(reverse("escrow:tranche", args=[walked.deal.slug, 1])).content.decode()
    summary = page[page.index('data-testid="penalty-summary"') :][:1500]
    assert "375,000.00" in summary and "33,750.00" in summary and "341,250.00" in summary
    assert "386,250.00" not in page and "385,500.00" not in page  # no uncapped figure anywhere
    export = client.get(reverse("escrow:history_csv", args=[walked.deal.slug])).content.decode("utf-8-sig")
    assert (
        "# Delay penalty (SPA 8.2), year 1, through 2028-08-10: USD 375,000.00 after the cap (cap 375,000.00, "
        "reached); Issuer (Party A) 33,750.00 (45 day(s) of delay); Escrow agent (Party D) 341,250.00 "
        "(469 day(s) of delay)"
    ) in export
    deal_page = client.get(reverse("escrow:deal", args=[walked.deal.slug])).content.decode()
    meter = deal_page[deal_page.index('data-testid="penalty-meter"') :][:1500]
    assert "375,000.00" in meter and "capped" in meter and "386,250.00" not in deal_page


def test_inclusive_hold_days_give_the_issuer_one_day_less(deposited, people):
    """P8 inclusive: the suspension frees 2027-03-01 too; the agent's 456th day reaches the cap."""
    walked = _walk(deposited, people, hold_days="inclusive")
    table = penalty_table(walked)
    assert table.by_party == {"issuer": Decimal(750 * 44), "escrow_agent": Decimal(750 * 456)}
    assert table.first_capped_day == date(2028, 7, 28) and table.total == CAP


def test_a_falling_price_after_the_cap_lowers_it_and_the_latest_days_give_way(walked):
    """P7 last-day: the cap is 5% of the market value on the last day of the delay. The close halves after
    the cap is reached, so the cap falls to 187,500 and the total with it: the days are charged in order,
    the issuer's earlier days keep their 33,750 and the agent's latest days give way (RULES.md "Delay
    penalty"; docs/architecture.md "Readings"). The deal's history says so."""
    _prices(date(2028, 8, 11), date(2028, 8, 20), close="1.2500")
    with on(date(2028, 8, 21)):
        sweep(today=date(2028, 8, 21))
    table = penalty_table(walked)
    assert table.cap == Decimal("187500") and table.total == Decimal("187500")
    assert table.by_party == {"issuer": Decimal("33750"), "escrow_agent": Decimal("153750")}
    # 205 agent days of USD 750 from 2027-04-30 fill what the issuer's 45 days left of the cap
    assert table.first_capped_day == date(2027, 4, 30) + timedelta(days=204)
    assert [r.charged for r in table.rows if r.day > THROUGH] == [Decimal(0)] * 10
    assert all(r.running_total <= table.cap for r in table.rows)
    entry = HistoryEntry.objects.filter(tranche=walked, action=HistoryAction.PENALTY_REVALUED).latest("seq")
    assert entry.details["cap_moved"] and "the cap moved with the latest close (P7)" in entry.summary


def test_p8_is_shown_with_the_other_policies(deposited, people, django_user_model):
    """P8 is read from the policy definitions: the deal page lists it with its clause and meaning, and the
    staff page that creates a deal offers both readings, civil-code first (the default)."""
    client = Client()
    client.force_login(people["seller"])
    policies = client.get(reverse("escrow:deal", args=[deposited.slug])).content.decode()
    policies = policies[policies.index('data-testid="policies"') :]
    assert '<span class="pnum">P8</span>' in policies and 'data-value="civil-code"' in policies  # words, not codes
    assert "Art. 201" in policies and "frees D+1 to E" in policies

    staff = django_user_model.objects.create_user("deskstaff", password="x", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(content_type__app_label="escrow", codename="add_deal"))
    client.force_login(staff)
    page = client.get(reverse("escrow:create_deal")).content.decode()
    field = page[page.index('name="hold_days"') :][:1500]
    assert 'value="civil-code" selected' in field and 'value="inclusive"' in field
