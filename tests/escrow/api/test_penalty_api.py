"""The delay penalty over the API (issue 9 item 4; SPA 8.2, EA 3.2, EA 5.2, SPA 8.1, P7, P8):
GET /api/tranches/<id>/penalty/ (the daily rows and each party's capped share) and
GET /api/deals/<ref>/penalty/ (totals per party and per tranche), read as the parties' systems would,
with the reads' permissions (SPA 9: no role on the deal, 404)."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from rest_framework.test import APIClient

from escrow import actions
from escrow.actions.deadlines import sweep
from escrow.actions.prices import import_prices, parse_price_csv
from tests.conftest import SHANGHAI, open_and_file, sign_instruction, tranche
from tests.parties.tokens import token_client

from .helpers import client_for

pytestmark = pytest.mark.django_db


def on(day, hour=10):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False)


def _closes(people, first, last, close):
    lines = ["ticker,date,close"] + [
        f"KXIN,{first + timedelta(days=i)},{close}" for i in range((last - first).days + 1)
    ]
    at = last + timedelta(days=1)
    with on(at, hour=9):
        import_prices(people["issuer"], parse_price_csv("\n".join(lines) + "\n", today=at))


@pytest.fixture
def late(deposited, people):
    """Year 1: the report is in on 2027-01-20; nobody signs by the SPA 5.1 deadline (2027-01-29); the issuer
    suspends on 2027-02-03 (SPA 8.1) and lifts on 2027-02-06; both sign on 2027-02-10; the agent does not
    transfer. Every close USD 2.50: USD 750 a day of delay. Swept through 2027-03-14."""
    _closes(people, date(2027, 1, 1), date(2027, 1, 29), "2.5000")
    with on(date(2027, 1, 20)):
        open_and_file(deposited, people, 1, "665000000", today=date(2027, 1, 20))
    year1 = tranche(deposited, 1)
    with on(date(2027, 2, 3)):
        actions.suspend_release(people["issuer"], year1.pk, reason="Seller breached the non-compete")
    with on(date(2027, 2, 6)):
        actions.lift_suspension(people["issuer"], year1.pk, reason="Breach cured")
    with on(date(2027, 2, 10)):
        sign_instruction(deposited, people, 1)
    with on(date(2027, 3, 15)):
        sweep(today=date(2027, 3, 15))
    return tranche(deposited, 1)


def _days(first, last):
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def test_a_party_reads_the_daily_rows_and_each_partys_capped_share(late, people):
    body = client_for(people["seller"]).get(f"/api/tranches/{late.pk}/penalty/").json()
    assert (body["tranche"], body["year"], body["deal"], body["currency"]) == (late.pk, 1, "kaixin-2025", "USD")
    assert (body["penalty_cap_valuation"], body["hold_days"]) == ("last-day", "civil-code")
    rows = {r["day"]: r for r in body["days"]}
    assert list(rows) == _days(date(2027, 1, 30), date(2027, 3, 14))
    first = rows["2027-01-30"]
    assert first == {
        "day": "2027-01-30",
        "liable": "issuer",
        "shares_not_released": 3_000_000,
        "close": "2.5000",
        "close_date": "2027-01-29",  # Saturday: the last close before it (SPA 8.2)
        "amount": "750",
        "charged": "750",
        "running_total": "750",
        "cap": "375000",
        "capped": False,
        "missing_price": False,
        "reason": "after the release deadline 2027-01-29 with no joint instruction signed",
        "clause": "SPA 5.1; EA 5.2",
        "pause": "",
    }
    # P8 civil-code: suspended on 02-03 (still the issuer's day), lifted on 02-06 (free): 02-04 .. 02-06 paused.
    paused = [day for day, r in rows.items() if r["pause"]]
    assert paused == _days(date(2027, 2, 4), date(2027, 2, 6))
    assert all("suspension hold (SPA 8.1)" in rows[d]["pause"] and rows[d]["charged"] == "0" for d in paused)
    issuer = [d for d, r in rows.items() if r["liable"] == "issuer"]
    assert issuer == _days(date(2027, 1, 30), date(2027, 2, 3)) + _days(date(2027, 2, 7), date(2027, 2, 9))
    agent = [d for d, r in rows.items() if r["liable"] == "escrow_agent"]
    assert agent == _days(late.transfer_due_date + timedelta(days=1), date(2027, 3, 14))  # EA 3.2
    assert body["parties"] == [
        {"party": "issuer", "charged": "6000", "days": 8},
        {"party": "escrow_agent", "charged": str(750 * len(agent)), "days": len(agent)},
    ]
    assert Decimal(body["total"]) == 750 * (8 + len(agent)) == Decimal(rows["2027-03-14"]["running_total"])
    assert (body["cap"], body["capped"], body["first_capped_day"], body["complete"]) == ("375000", False, None, True)
    assert body["accrued_through"] == "2027-03-14" and body["missing_price_days"] == []


def test_the_deal_gives_totals_per_party_and_per_tranche(late, people):
    response = client_for(people["agent1"]).get("/api/deals/kaixin-2025/penalty/")
    assert response.status_code == 200
    body = response.json()
    tranche_body = client_for(people["agent1"]).get(f"/api/tranches/{late.pk}/penalty/").json()
    year1 = next(t for t in body["tranches"] if t["year"] == 1)
    assert year1["parties"] == tranche_body["parties"] and year1["total"] == tranche_body["total"]
    assert [t["year"] for t in body["tranches"]] == [1, 2, 3, 4, 5]
    assert all(t["total"] == "0" and t["parties"] == [] for t in body["tranches"] if t["year"] > 1)
    assert body["parties"] == tranche_body["parties"] and body["total"] == tranche_body["total"]
    assert body["deal"] == "kaixin-2025" and body["currency"] == "USD"


def test_a_falling_close_lowers_the_cap_and_every_figure_follows(late, people):
    """P7 last-day: a close of USD 0.0010 on 2027-03-15 values the cap at 5% x 3,000 = 150, below what had
    been charged; the total falls to the cap, the earliest days keep their charge (SPA 8.2, the days in
    order) and the API shows every figure within it."""
    before = client_for(people["seller"]).get(f"/api/tranches/{late.pk}/penalty/").json()
    assert Decimal(before["total"]) > 150
    _closes(people, date(2027, 3, 15), date(2027, 3, 16), "0.0010")
    with on(date(2027, 3, 17)):
        sweep(today=date(2027, 3, 17))
    body = client_for(people["seller"]).get(f"/api/tranches/{late.pk}/penalty/").json()
    assert (body["cap"], body["capped"], body["total"]) == ("150", True, "150")
    assert all(Decimal(d["running_total"]) <= 150 for d in body["days"])
    assert sum(Decimal(p["charged"]) for p in body["parties"]) == 150
    last = body["days"][-1]
    assert (last["day"], last["amount"], last["charged"], last["capped"]) == ("2027-03-16", "0.3", "0", True)


@pytest.mark.parametrize("persona", ["issuer", "purchaser", "seller", "agent1", "auditor", "compliance"])
def test_every_role_on_the_deal_may_read_it(late, people, persona):
    client = client_for(people[persona])
    assert client.get(f"/api/tranches/{late.pk}/penalty/").status_code == 200
    assert client.get("/api/deals/kaixin-2025/penalty/").status_code == 200


@pytest.mark.parametrize("who", ["outsider", "admin"])
def test_no_role_on_the_deal_is_404_like_a_missing_one(late, outsider, django_user_model, who):
    """SPA 9: nothing about the deal exists for a person with no role on it, superuser included."""
    user = outsider if who == "outsider" else django_user_model.objects.create_superuser("root", "r@x.invalid", "pw")
    client = client_for(user)
    for real, missing in [
        (f"/api/tranches/{late.pk}/penalty/", "/api/tranches/999999/penalty/"),
        ("/api/deals/kaixin-2025/penalty/", "/api/deals/no-such-deal/penalty/"),
        (f"/api/deals/{late.deal_id}/penalty/", "/api/deals/999999/penalty/"),
    ]:
        found, absent = client.get(real), client.get(missing)
        assert found.status_code == absent.status_code == 404
        assert found.json() == absent.json() and set(found.json()) == {"detail", "clause"}


def test_anonymous_gets_401_and_a_token_works(late, people):
    assert APIClient().get(f"/api/tranches/{late.pk}/penalty/").status_code == 401
    client = token_client(people["seller"])
    assert client.get("/api/deals/kaixin-2025/penalty/").status_code == 200


def test_nothing_accrued_yet_is_an_empty_penalty(kaixin, people):
    year1 = tranche(kaixin, 1)
    body = client_for(people["issuer"]).get(f"/api/tranches/{year1.pk}/penalty/").json()
    assert (body["days"], body["parties"], body["total"], body["cap"], body["accrued_through"]) == (
        [],
        [],
        "0",
        None,
        None,
    )


def test_the_endpoints_are_in_the_openapi_schema(people):
    schema = client_for(people["seller"]).get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/tranches/{id}/penalty/", "/api/deals/{ref}/penalty/"):
        get = schema["paths"][path]["get"]
        assert {"200", "401", "404"} <= set(get["responses"]) and "SPA 8.2" in get["summary"], path
    days = schema["components"]["schemas"]["PenaltyDay"]["properties"]
    assert {"day", "liable", "shares_not_released", "close", "close_date", "amount", "charged"} <= set(days)
    assert {"running_total", "cap", "capped", "pause"} <= set(days)
    assert "parties" in schema["components"]["schemas"]["DealPenalty"]["properties"]
