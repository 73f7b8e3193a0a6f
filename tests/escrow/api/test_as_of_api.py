"""`?as_of=` on GET /api/deals/<ref>/ and /api/deals/<ref>/tranches/ (issue 14 item 1): the deal at the end of a
Beijing day, replayed from the ledger and the history, read as the parties' systems would (SPA 9: no role, 404)."""

from datetime import date

import pytest

from escrow.actions.deadlines import sweep
from escrow.actions.prices import import_prices, parse_price_csv
from tests.conftest import open_and_file
from tests.escrow.as_of_world import RELEASED, REPORTED, SIGNED, SUSPENDED, TOTAL, on, walk_year_one

from .helpers import client_for

pytestmark = pytest.mark.django_db
TODAY = date(2027, 3, 1)


@pytest.fixture
def walked(django_user_model):
    return walk_year_one(django_user_model)


def get(user, path, **params):
    with on(TODAY):
        return client_for(user).get(path, params)


def test_the_deal_as_of_a_day_between_the_report_and_the_release(walked):
    deal, people = walked
    body = get(people["seller"], f"/api/deals/{deal.slug}/", as_of=SUSPENDED.isoformat()).json()
    assert (body["slug"], body["as_of"], body["state"]) == (deal.slug, "2027-01-23", "in_escrow")
    assert body["end_of_day"] == "2027-01-24T00:00:00+08:00"
    assert body["balances"] == {"deposited": TOTAL, "rebased": 0, "released": 0, "returned": 0, "in_escrow": TOTAL}
    year1 = body["tranches"][0]
    assert (year1["year"], year1["state"], year1["release_quantity"], year1["released"]) == (
        1,
        "suspended",
        3_000_000,
        0,
    )
    assert year1["audited_revenue"] == "665000000.00"
    assert [h["kind"] for h in year1["holds"]] == ["suspension"]
    [instruction] = year1["instruments"]
    assert instruction["status"] == "effective" and instruction["awaiting_roles"] == []
    assert sorted(s["party_role"] for s in instruction["signatures"]) == ["issuer", "purchaser"]
    assert body["penalty"] == {"total": "0", "by_party": {}}
    assert "next_step" not in body  # nothing can be done in the past


def test_the_tranches_as_of_before_and_after_the_release(walked):
    deal, people = walked
    before = get(people["issuer"], f"/api/deals/{deal.slug}/tranches/", as_of=REPORTED.isoformat()).json()
    assert [t["state"] for t in before] == ["awaiting_instruction"] + ["scheduled"] * 4
    assert before[0]["instruments"][0]["signatures"] == [] and before[0]["as_of"] == "2027-01-20"
    signed = get(people["issuer"], f"/api/deals/{deal.slug}/tranches/", as_of=SIGNED.isoformat()).json()
    assert signed[0]["state"] == "instructed"
    after = get(people["issuer"], f"/api/deals/{deal.slug}/tranches/", as_of=RELEASED.isoformat()).json()
    assert (after[0]["state"], after[0]["released"], after[0]["released_on"]) == ("released", 3_000_000, "2027-01-26")


def test_without_as_of_the_deal_is_todays(walked):
    deal, people = walked
    body = get(people["seller"], f"/api/deals/{deal.slug}/").json()
    assert "as_of" not in body and body["balances"]["released"] == 3_000_000


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("2026-12-01", "before the deal was created in the portal (2026-12-02)"),
        ("2027-03-02", "after today (2027-03-01, Beijing time)"),
        ("2027/01/25", "2027/01/25"),
        ("yesterday", "yesterday"),
    ],
)
def test_a_date_outside_the_deals_life_is_refused_with_400(walked, value, words):
    deal, people = walked
    for path in (f"/api/deals/{deal.slug}/", f"/api/deals/{deal.slug}/tranches/"):
        response = get(people["seller"], path, as_of=value)
        assert response.status_code == 400, response.content
        assert words in response.json()["detail"]


def test_the_refusal_is_in_the_readers_language(walked):
    deal, people = walked
    with on(TODAY):
        client = client_for(people["seller"])
        response = client.get(f"/api/deals/{deal.slug}/", {"as_of": "2026-11-30"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["detail"])


def test_no_role_no_snapshot(walked, outsider):
    deal, _ = walked
    assert get(outsider, f"/api/deals/{deal.slug}/", as_of=REPORTED.isoformat()).status_code == 404


def test_the_schema_documents_as_of(people):
    schema = client_for(people["seller"]).get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/deals/{ref}/", "/api/deals/{ref}/tranches/"):
        parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert parameters["as_of"]["schema"] == {"type": "string", "format": "date"}
        assert "Asia/Shanghai" in parameters["as_of"]["description"]
    assert "DealAsOf" in schema["components"]["schemas"]


def test_the_penalty_to_date_over_the_api(deposited, people):
    """SPA 8.2: nobody signs year 1 by 2027-01-29; USD 750 a day from 2027-01-30, the issuer's; as of 2027-02-05
    seven days, USD 5,250, whatever was accrued after it."""
    lines = ["ticker,date,close"] + [f"KXIN,2027-01-{day:02d},2.5000" for day in range(1, 30)]
    with on(date(2027, 1, 30)):
        import_prices(people["issuer"], parse_price_csv("\n".join(lines) + "\n", today=date(2027, 1, 30)))
    with on(date(2027, 1, 20)):
        open_and_file(deposited, people, 1, "665000000", today=date(2027, 1, 20))
    with on(date(2027, 2, 10)):
        sweep(today=date(2027, 2, 10))
        body = client_for(people["seller"]).get(f"/api/deals/{deposited.slug}/", {"as_of": "2027-02-05"}).json()
    assert body["penalty"] == {"total": "5250", "by_party": {"issuer": "5250"}}
    year1 = body["tranches"][0]["penalty"]
    assert (year1["total"], year1["accrued_through"], year1["liable_days"]) == ("5250", "2027-02-05", {"issuer": 7})
