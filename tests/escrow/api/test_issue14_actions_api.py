"""Issue 14 over the API: the escrow fee (EA 4.4, EA 2), dividends and votes (SPA 3.2, EA 1.3) and splits and
consolidations (EA 4.2; SPA 5.1), each endpoint calling the same action as the deal's pages.

For each endpoint: the role the table permits succeeds and writes what the action writes (its history entry
with the clause; the `rebase` ledger movements for a confirmed corporate action), every other role is refused
(403 with the table's clause) and nothing is written, a bad input is a 400 naming the field, and a state that
no longer allows the action is a 409 with the reason. Every persona on both deals: test_permission_matrix_api.py.
"""

from datetime import timedelta

import pytest
from django.urls import reverse

from escrow import actions
from escrow.actions import holdings as act
from escrow.models import (
    CorporateAction,
    Dividend,
    FeeInvoice,
    HistoryAction,
    HistoryEntry,
    Meeting,
    ShareMovement,
    VotingInstruction,
)
from escrow.queries.clock import contract_today
from escrow.usecases.declared import USE_CASES
from escrow.usecases.permissions import ROLE_ACTIONS

from .helpers import client_for
from .world import PERSONAS, ROLE_OF

pytestmark = pytest.mark.django_db
HOLDINGS = "SPA 3.2, EA 1.3"


def post(people, who, path, body):
    return client_for(people[who]).post(f"/api/deals/kaixin-2025/{path}/", body, format="json")


def today():
    return contract_today().isoformat()


def written(deal):
    """Everything these actions write: equal before and after means nothing was written."""
    return {
        "history": HistoryEntry.objects.filter(deal=deal).count(),
        "invoices": list(FeeInvoice.objects.filter(deal=deal).values_list("number", "paid_on")),
        "dividends": list(Dividend.objects.filter(deal=deal).values_list("pk", "passed_at", "receipt_confirmed_at")),
        "meetings": list(Meeting.objects.filter(deal=deal).values_list("pk", "lodged_at")),
        "instructions": VotingInstruction.objects.filter(meeting__deal=deal).count(),
        "corporate_actions": list(CorporateAction.objects.filter(deal=deal).values_list("pk", "state")),
        "movements": ShareMovement.objects.filter(deal=deal).count(),
    }


def last_entry(deal, action):
    return HistoryEntry.objects.filter(deal=deal, action=action).order_by("-pk").first()


def refused(response, status, *words, field=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["detail"] and "clause" in body
    for word in words:
        assert word.lower() in body["detail"].lower(), body["detail"]
    if field:
        assert field in body["errors"], body
    return body


# --- the readied objects, made through the real actions by the deal's own parties ---------------------------


def cash_dividend(deal, people, paid=False):
    d = act.record_dividend(
        people["issuer"],
        deal,
        kind="cash",
        declared_on=today(),
        record_date=today(),
        payment_date=today(),
        per_share="0.05",
        currency="USD",
    )
    if paid:
        act.record_dividend_pass_through(
            people["agent1"], deal, d.pk, paid_on=today(), reference="W-0", amount="750,000.00"
        )
    return d


def meeting(deal, people, instructed=False):
    m = act.record_meeting(
        people["issuer"],
        deal,
        record_date=today(),
        meeting_date=(contract_today() + timedelta(days=60)).isoformat(),
        resolutions=["Re-elect the directors", "Appoint the auditor"],
    )
    if instructed:
        act.instruct_vote(people["seller"], deal, m.pk, choices={1: "for", 2: "against"})
    return m


def invoice(deal, people):
    (issued,) = actions.issue_fee_invoices(people["agent1"], deal)
    return issued


# --- the escrow fee (EA 4.4, EA 2) ----------------------------------------------------------------------------


def test_the_agent_issues_the_fee_invoices_once(deposited, people):
    response = post(people, "agent1", "fees/issue", {})
    assert response.status_code == 201, response.content
    (issued,) = response.json()["invoices"]
    assert issued["number"] == "kaixin-2025-FEE-1" and issued["year"] == 1 and issued["issued_on"] == today()
    entry = last_entry(deposited, HistoryAction.FEE_INVOICE_ISSUED)
    assert entry.clause == "EA 4.4" and entry.details["number"] == "kaixin-2025-FEE-1"

    before = written(deposited)
    refused(post(people, "agent2", "fees/issue", {}), 409, "every started escrow year is invoiced")
    assert written(deposited) == before


def test_the_agent_records_a_fee_payment_once(deposited, people):
    number = invoice(deposited, people).number
    body = {"invoice": number, "paid_on": today(), "reference": "SWIFT-FEE-1"}
    response = post(people, "agent1", "fees/pay", body)
    assert response.status_code == 200, response.content
    (paid,) = response.json()["invoices"]
    assert (paid["paid_on"], paid["paid_reference"]) == (today(), "SWIFT-FEE-1")
    entry = last_entry(deposited, HistoryAction.FEE_PAYMENT_RECORDED)
    assert entry.clause == "EA 4.4" and entry.details["reference"] == "SWIFT-FEE-1"

    before = written(deposited)
    refused(post(people, "agent2", "fees/pay", body), 409, f"invoice {number} is already paid")
    assert written(deposited) == before


def test_fee_payment_bad_input(deposited, people):
    number = invoice(deposited, people).number
    before = written(deposited)
    refused(post(people, "agent1", "fees/pay", {"invoice": number, "reference": "R"}), 400, field="paid_on")
    bad_date = {"invoice": number, "paid_on": "2026/01/05", "reference": "R"}
    refused(post(people, "agent1", "fees/pay", bad_date), 400, "YYYY-MM-DD", field="paid_on")
    no_reference = {"invoice": number, "paid_on": today(), "reference": ""}
    refused(post(people, "agent1", "fees/pay", no_reference), 400, field="reference")
    tomorrow = (contract_today() + timedelta(days=1)).isoformat()
    refused(post(people, "agent1", "fees/pay", {**bad_date, "paid_on": tomorrow}), 400, "cannot be after today")
    unknown = {"invoice": "kaixin-2025-FEE-9", "paid_on": today(), "reference": "R"}
    refused(post(people, "agent1", "fees/pay", unknown), 404, "no such escrow fee invoice")
    assert written(deposited) == before


# --- dividends (SPA 3.2, EA 1.3) ------------------------------------------------------------------------------


def test_the_issuer_records_a_dividend_and_the_seller_entitlement_follows_the_ledger(deposited, people):
    body = {
        "kind": "cash",
        "declared_on": today(),
        "record_date": today(),
        "payment_date": today(),
        "per_share": "0.05",
        "currency": "usd",
    }
    response = post(people, "issuer", "dividends/record", body)
    assert response.status_code == 201, response.content
    shown = response.json()
    assert shown["shares_in_escrow_at_record_date"] == 15_000_000
    assert (shown["entitlement"], shown["currency"], shown["status"]) == ("750000", "USD", "awaiting_pass_through")
    listed = client_for(people["issuer"]).get("/api/deals/kaixin-2025/dividends/").json()
    assert listed == [shown]  # the same dividend as the list shows it
    entry = last_entry(deposited, HistoryAction.DIVIDEND_RECORDED)
    assert entry.clause == HOLDINGS and entry.details["entitlement"] == "750000"


def test_dividend_bad_input_names_the_field(deposited, people):
    good = {
        "kind": "cash",
        "declared_on": today(),
        "record_date": today(),
        "payment_date": today(),
        "per_share": "0.05",
        "currency": "USD",
    }
    before = written(deposited)
    cases = [
        ({"kind": "bonds"}, "kind"),
        ({"per_share": 0.05}, "per_share"),  # a binary float is not money
        ({"per_share": "-1"}, "per_share"),  # the action's own rule
        ({"currency": ""}, "currency"),
        ({"record_date": "2027-W05-1"}, "record_date"),
        ({"declared_on": (contract_today() + timedelta(days=1)).isoformat()}, "record_date"),  # dates out of order
    ]
    for change, field in cases:
        refused(post(people, "issuer", "dividends/record", {**good, **change}), 400, field=field)
    assert written(deposited) == before


def test_the_agent_records_the_pass_through_once(deposited, people):
    d = cash_dividend(deposited, people)
    body = {"dividend": d.pk, "paid_on": today(), "reference": "WIRE-1", "amount": "740,000.00", "withheld": "10000"}
    before = written(deposited)
    refused(post(people, "agent1", "dividends/pass-through", body), 400, field="withholding_note")
    assert written(deposited) == before

    response = post(people, "agent1", "dividends/pass-through", {**body, "withholding_note": "Withholding tax"})
    assert response.status_code == 200, response.content
    shown = response.json()
    assert shown["status"] == "passed_through"
    assert shown["passed_through"] == {
        "date": today(),
        "reference": "WIRE-1",
        "amount": "740000.00",
        "withheld": "10000.00",
        "withholding_note": "Withholding tax",
    }
    entry = last_entry(deposited, HistoryAction.DIVIDEND_PASSED_THROUGH)
    assert entry.clause == HOLDINGS and entry.details["entitlement"] == "750000"

    before = written(deposited)
    refused(post(people, "agent2", "dividends/pass-through", body), 409, "passed through on")
    assert written(deposited) == before


def test_a_stock_dividends_new_shares_are_received_into_escrow(deposited, people):
    """SPA 3.2, EA 1.3, EA 4.2: for a stock dividend the same endpoint records the new shares received; the
    figure must be the ledger's own, and they enter the ledger as rebases (the only kind EA 4.2 allows)."""
    stock = act.record_dividend(
        people["issuer"],
        deposited,
        kind="shares",
        declared_on=today(),
        record_date=today(),
        payment_date=today(),
        per_share="0.1",
    )
    before = written(deposited)
    body = {"dividend": stock.pk, "paid_on": today(), "reference": "DRS-SD-1", "amount": "1"}
    refused(post(people, "agent1", "dividends/pass-through", body), 400, "1,500,000 new shares", field="amount")
    assert written(deposited) == before
    response = post(people, "agent1", "dividends/pass-through", {**body, "amount": "1500000"})
    assert response.status_code == 200, response.content
    rebases = ShareMovement.objects.filter(deal=deposited, kind=ShareMovement.Kind.REBASE)
    assert sum(m.quantity for m in rebases) == 1_500_000
    assert all(m.fact_key.startswith(f"stock-dividend:{stock.pk}:") for m in rebases)


def test_the_seller_confirms_receipt_once(deposited, people):
    d = cash_dividend(deposited, people)
    before = written(deposited)
    refused(post(people, "seller", "dividends/receipt", {"dividend": d.pk}), 409, "has not recorded paying")
    assert written(deposited) == before
    act.record_dividend_pass_through(people["agent1"], deposited, d.pk, paid_on=today(), reference="W", amount="1")

    refused(post(people, "seller", "dividends/receipt", {"dividend": "first"}), 400, field="dividend")
    response = post(people, "seller", "dividends/receipt", {"dividend": d.pk})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "received" and response.json()["receipt_confirmed_at"]
    assert last_entry(deposited, HistoryAction.DIVIDEND_RECEIPT_CONFIRMED).details["dividend"] == d.pk
    refused(post(people, "seller", "dividends/receipt", {"dividend": d.pk}), 409, "receipt was confirmed")
    refused(post(people, "seller", "dividends/receipt", {"dividend": d.pk + 100}), 404, "no such dividend")


# --- votes (SPA 3.2, EA 1.3) ----------------------------------------------------------------------------------


def test_the_issuer_records_a_meeting_with_its_resolutions(deposited, people):
    meeting_date = (contract_today() + timedelta(days=60)).isoformat()
    body = {"record_date": today(), "meeting_date": meeting_date, "resolutions": ["Re-elect", "Appoint the auditor"]}
    response = post(people, "issuer", "meetings/record", body)
    assert response.status_code == 201, response.content
    shown = response.json()
    assert shown["resolutions"] == [{"number": 1, "text": "Re-elect"}, {"number": 2, "text": "Appoint the auditor"}]
    assert shown["status"] == "awaiting_instruction" and shown["cut_off"] < meeting_date
    assert client_for(people["seller"]).get("/api/deals/kaixin-2025/meetings/").json() == [shown]
    entry = last_entry(deposited, HistoryAction.MEETING_RECORDED)
    assert entry.clause == HOLDINGS and len(entry.details["resolutions"]) == 2


def test_meeting_bad_input_names_the_field(deposited, people):
    good = {
        "record_date": today(),
        "meeting_date": (contract_today() + timedelta(days=60)).isoformat(),
        "resolutions": ["Re-elect"],
    }
    before = written(deposited)
    cases = [
        ({"resolutions": []}, "resolutions"),
        ({"resolutions": "Re-elect"}, "resolutions"),  # a list of texts
        ({"meeting_date": (contract_today() - timedelta(days=1)).isoformat()}, "meeting_date"),
        ({"cut_off": (contract_today() + timedelta(days=61)).isoformat()}, "cut_off"),
    ]
    for change, field in cases:
        refused(post(people, "issuer", "meetings/record", {**good, **change}), 400, field=field)
    assert written(deposited) == before


def test_the_seller_instructs_the_vote_and_may_change_it_before_the_cut_off(deposited, people):
    m = meeting(deposited, people)
    before = written(deposited)
    for choices in ({"1": "for"}, {"1": "for", "2": "maybe"}, {"1": "for", "2": "for", "3": "for"}):
        refused(
            post(people, "seller", "meetings/instruct", {"meeting": m.pk, "choices": choices}), 400, field="choices"
        )
    assert written(deposited) == before

    response = post(people, "seller", "meetings/instruct", {"meeting": m.pk, "choices": {"1": "for", "2": "against"}})
    assert response.status_code == 201, response.content
    assert response.json()["instruction"]["choices"] == {"1": "for", "2": "against"}
    assert response.json()["status"] == "instructed"
    again = post(people, "seller", "meetings/instruct", {"meeting": m.pk, "choices": {"1": "abstain", "2": "for"}})
    assert again.json()["instruction"]["choices"] == {"1": "abstain", "2": "for"}
    assert again.json()["instructions_given"] == 2
    entry = last_entry(deposited, HistoryAction.VOTE_INSTRUCTED)
    assert entry.clause == HOLDINGS and entry.details["replaces"] is not None


def test_the_agent_records_the_proxy_lodged_and_the_vote_is_then_fixed(deposited, people):
    m = meeting(deposited, people)
    body = {"meeting": m.pk, "lodged_on": today(), "reference": "PROXY-1"}
    refused(post(people, "agent1", "meetings/proxy", body), 409, "no voting instruction")
    act.instruct_vote(people["seller"], deposited, m.pk, choices={1: "for", 2: "against"})
    refused(post(people, "agent1", "meetings/proxy", {**body, "lodged_on": "tomorrow"}), 400, field="lodged_on")

    response = post(people, "agent1", "meetings/proxy", body)
    assert response.status_code == 200, response.content
    assert response.json()["proxy_lodged"] == {"date": today(), "reference": "PROXY-1"}
    entry = last_entry(deposited, HistoryAction.PROXY_LODGED)
    assert entry.clause == HOLDINGS and entry.details["choices"] == {"1": "for", "2": "against"}

    before = written(deposited)
    refused(post(people, "agent2", "meetings/proxy", body), 409, "proxy was lodged")
    instruct = {"meeting": m.pk, "choices": {"1": "against", "2": "against"}}
    refused(post(people, "seller", "meetings/instruct", instruct), 409, "can no longer change")
    assert written(deposited) == before


# --- splits and consolidations (EA 4.2; SPA 5.1) ---------------------------------------------------------------


def consolidation(**change):
    return {"ratio_new": 1, "ratio_old": 30, "effective_date": today(), "fraction_policy": "round-up", **change}


def test_the_issuer_proposes_and_the_agent_confirms_the_rebase(deposited, people):
    response = post(people, "issuer", "corporate-actions/propose", consolidation(new_cusip="g5223x167"))
    assert response.status_code == 201, response.content
    (proposed,) = response.json()["actions"]
    assert (proposed["state"], proposed["kind"], proposed["new_cusip"]) == ("proposed", "consolidation", "G5223X167")
    assert last_entry(deposited, HistoryAction.CORPORATE_ACTION_PROPOSED).clause == "EA 4.2; SPA 5.1"
    assert not ShareMovement.objects.filter(deal=deposited, kind="rebase").exists()
    refused(post(people, "issuer", "corporate-actions/propose", consolidation()), 409, "already proposed")

    response = post(people, "agent1", "corporate-actions/confirm", {"reference": "TA-CONSOL"})
    assert response.status_code == 200, response.content
    shown = response.json()
    assert shown["actions"][0]["state"] == "confirmed"
    assert [s["size"] for s in shown["sizes"]] == [100_000] * 5  # 3,000,000 a year, 1 for 30
    balances = ShareMovement.objects.filter(deal=deposited).balances()
    assert (balances["in_escrow"], balances["rebased"]) == (500_000, 500_000 - 15_000_000)  # EA 4.2: one movement
    rebases = ShareMovement.objects.filter(deal=deposited, kind="rebase")
    assert sorted(rebases.values_list("quantity", flat=True)) == [-2_900_000] * 5
    entry = last_entry(deposited, HistoryAction.CORPORATE_ACTION_CONFIRMED)
    assert entry.details["reference"] == "TA-CONSOL" and entry.details["balances_after"]["in_escrow"] == 500_000

    before = written(deposited)
    refused(post(people, "agent2", "corporate-actions/confirm", {}), 409, "no split or consolidation is waiting")
    assert written(deposited) == before


def test_a_confirmation_before_the_effective_date_is_409(deposited, people):
    later = (contract_today() + timedelta(days=3)).isoformat()
    assert post(people, "issuer", "corporate-actions/propose", consolidation(effective_date=later)).status_code == 201
    before = written(deposited)
    refused(post(people, "agent1", "corporate-actions/confirm", {}), 409, f"takes effect on {later}")
    assert written(deposited) == before


def test_corporate_action_bad_input(deposited, people):
    before = written(deposited)
    for change, field in [
        ({"fraction_policy": "nearest"}, "fraction_policy"),
        ({"ratio_old": 0}, "ratio_old"),
        ({"ratio_new": "two"}, "ratio_new"),
        ({"effective_date": "20270129"}, "effective_date"),
    ]:
        refused(post(people, "issuer", "corporate-actions/propose", consolidation(**change)), 400, field=field)
    refused(post(people, "issuer", "corporate-actions/propose", consolidation(ratio_old=1)), 400, "two different")
    early = consolidation(effective_date="2020-01-01")
    refused(post(people, "issuer", "corporate-actions/propose", early), 400, "agreement's effective date")
    assert written(deposited) == before


# --- every other role is refused and nothing is written --------------------------------------------------------


ENDPOINTS = {
    "issue_fee_invoices": ("fees/issue", lambda deal, people: {}),
    "record_fee_payment": (
        "fees/pay",
        lambda deal, people: {"invoice": invoice(deal, people).number, "paid_on": today(), "reference": "R"},
    ),
    "record_dividend": (
        "dividends/record",
        lambda deal, people: {
            "kind": "cash",
            "declared_on": today(),
            "record_date": today(),
            "payment_date": today(),
            "per_share": "0.05",
            "currency": "USD",
        },
    ),
    "record_dividend_pass_through": (
        "dividends/pass-through",
        lambda deal, people: {
            "dividend": cash_dividend(deal, people).pk,
            "paid_on": today(),
            "reference": "W",
            "amount": "1",
        },
    ),
    "confirm_dividend_receipt": (
        "dividends/receipt",
        lambda deal, people: {"dividend": cash_dividend(deal, people, paid=True).pk},
    ),
    "record_meeting": (
        "meetings/record",
        lambda deal, people: {
            "record_date": today(),
            "meeting_date": (contract_today() + timedelta(days=60)).isoformat(),
            "resolutions": ["Re-elect"],
        },
    ),
    "instruct_vote": (
        "meetings/instruct",
        lambda deal, people: {"meeting": meeting(deal, people).pk, "choices": {"1": "for", "2": "for"}},
    ),
    "record_proxy_lodged": (
        "meetings/proxy",
        lambda deal, people: {"meeting": meeting(deal, people, True).pk, "lodged_on": today(), "reference": "P"},
    ),
    "propose_corporate_action": ("corporate-actions/propose", lambda deal, people: consolidation()),
    "confirm_corporate_action": ("corporate-actions/confirm", lambda deal, people: {"reference": "TA"}),
}
REFUSED = [
    (action, persona) for action in ENDPOINTS for persona in PERSONAS if ROLE_OF[persona] not in ROLE_ACTIONS[action][0]
]


def test_each_use_case_declares_its_endpoint():
    """docs/permissions.md lists it (render_docs reads USE_CASES)."""
    for action, (path, _body) in ENDPOINTS.items():
        assert reverse(USE_CASES[action].api, args=["kaixin-2025"]) == f"/api/deals/kaixin-2025/{path}/"


@pytest.mark.parametrize(("action", "persona"), REFUSED)
def test_every_other_role_is_refused_and_nothing_is_written(deposited, people, action, persona):
    path, body = ENDPOINTS[action]
    if action == "confirm_corporate_action":  # something to confirm, so only the role can refuse it
        actions.propose_corporate_action(
            people["issuer"],
            deposited,
            ratio_new=1,
            ratio_old=30,
            effective_date=contract_today(),
            fraction_policy="floor",
        )
    data = body(deposited, people)
    before = written(deposited)
    body = refused(post(people, persona, path, data), 403, "may not")
    assert body["clause"] == ROLE_ACTIONS[action][1]
    assert written(deposited) == before


@pytest.mark.parametrize("action", sorted(ENDPOINTS))
def test_no_role_on_the_deal_is_404(deposited, people, outsider, action):
    path, body = ENDPOINTS[action]
    response = client_for(outsider).post(f"/api/deals/kaixin-2025/{path}/", body(deposited, people), format="json")
    assert response.status_code == 404
