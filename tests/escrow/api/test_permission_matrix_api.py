"""The permission matrix over the API: the same personas, actions and deals as the actions layer,
read as HTTP: allowed 2xx (or the state's 409), refused 403 with the table's clause, no role 404 (SPA 9)."""

from datetime import timedelta

import pytest

from escrow import actions
from escrow.models import Deal
from escrow.queries.clock import contract_today
from escrow.usecases.permissions import ROLE_ACTIONS
from tests.conftest import PASSWORD
from tests.escrow import holdings_matrix
from tests.escrow.register_matrix import CALLER_DEPENDENT as REGISTER_CALLER_DEPENDENT
from tests.escrow.register_matrix import REQUESTS as REGISTER_REQUESTS

from .helpers import client_for, outcome, pdf_upload
from .world import PERSONAS, expected, world  # noqa: F401  (module-scoped fixture)

# Entries of the table with no endpoint yet; adding one means adding it to REQUESTS below.
NO_ENDPOINT = {"enter_share_prices", *REGISTER_CALLER_DEPENDENT}
# Issue 12 item 8: /api/overview/ lists every deal the person oversees, so it is about no one deal (the
# own/other matrix does not apply); tests/escrow/test_overview.py tries it persona by persona.
NO_ENDPOINT |= {"oversee_deals"}  # the latter: tests/escrow/api/test_register_api.py


def _sign(kind):
    def request(w):
        body = {"expected_sha256": w.sha(kind), "password": PASSWORD}
        return "post", f"/api/instruments/{w.instruments[kind].pk}/sign/", body

    return request


def _tranche(year, verb, body=None, multipart=None):
    def request(w):
        data = multipart() if multipart else dict(body or {})
        return "post", f"/api/tranches/{w.tranche(year).pk}/{verb}/", data

    return request


def _lift(w):
    actions.suspend_release(w.people["issuer"], w.tranche(2).pk, reason="Seller breached SPA 8.1")
    return "post", f"/api/tranches/{w.tranche(2).pk}/lift-suspension/", {"reason": "Breach cured"}


REQUESTS = {
    "view_deal": lambda w: ("get", f"/api/deals/{w.deal.pk}/", None),
    "download_document": lambda w: ("get", f"/api/documents/{w.report.pk}/download/", None),
    "download_evidence_pack": lambda w: ("get", f"/api/deals/{w.deal.slug}/evidence-pack/", None),
    "export_history": lambda w: ("get", f"/api/deals/{w.deal.slug}/history/", None),
    "view_corporate_actions": lambda w: ("get", f"/api/deals/{w.deal.slug}/corporate-actions/", None),
    "download_release_statement": lambda w: ("get", f"/api/deals/{w.deal.slug}/release-statement/", None),
    "view_fees": lambda w: ("get", f"/api/deals/{w.deal.slug}/fees/", None),  # issue 14 item 5 (EA 4.4)
    "download_statement": lambda w: ("get", f"/api/deals/{w.deal.slug}/statement/", None),  # issue 14 item 6
    "confirm_deposit": lambda w: ("post", f"/api/deals/{w.deal.slug}/confirm-deposit/", {"reference": "DRS-2"}),
    "approve_auditor": lambda w: (
        "post",
        f"/api/deals/{w.deal.slug}/approve-auditor/",
        {"organisation": w.new_firm.pk},
    ),
    "return_for_cancellation": lambda w: ("post", f"/api/deals/{w.deal.slug}/return-for-cancellation/", {}),
    "file_report": _tranche(5, "report", multipart=lambda: {"audited_revenue": "974000000", "pdf": pdf_upload()}),
    # Issue 12 item 8: year 1 awaits its joint instruction and nobody has signed for it.
    "correct_report": _tranche(
        1,
        "report/correct",
        multipart=lambda: {"audited_revenue": "660000000", "pdf": pdf_upload(), "reason": "Typing error"},
    ),
    "decline_to_sign": lambda w: (
        "post",
        f"/api/instruments/{w.instruments['settlement'].pk}/decline/",
        {"reason": "The settlement figure is not what we agreed."},
    ),
    "sign_joint_instruction": _sign("joint_instruction"),
    "sign_settlement": _sign("settlement"),
    "sign_adjustment": _sign("adjustment"),
    "prepare_release": lambda w: (
        "post",
        f"/api/tranches/{w.tranche(2).pk}/prepare-release/",
        {"expected_sha256": w.instruction_sha(2), "password": PASSWORD},
    ),
    "approve_release": lambda w: (
        "post",
        f"/api/tranches/{w.tranche(3).pk}/approve-release/",
        {"expected_sha256": w.instruction_sha(3), "password": PASSWORD, "transfer_reference": "TA-3"},
    ),
    "withdraw_preparation": _tranche(3, "withdraw-preparation", {"reason": "Wrong account"}),
    "record_call_back": lambda w: (
        "post",
        f"/api/tranches/{w.tranche(2).pk}/call-back/",
        {"signatory": w.call_back_signatory().pk, "outcome": "confirmed", "note": "Confirmed"},
    ),
    "raise_dispute": _tranche(1, "dispute", {"reason": "Quantity disputed"}),
    "propose_settlement": _tranche(4, "settlement", {"quantity": 2_950_000, "reason": "Agreed 2,950,000"}),
    "file_award": _tranche(
        4,
        "award",
        multipart=lambda: {
            "quantity": 2_800_000,
            "reference": "CIETAC-2027-01",
            "pdf": pdf_upload("award", "award.pdf"),
        },
    ),
    "suspend_release": _tranche(2, "suspend", {"reason": "Seller breached SPA 8.1"}),
    "lift_suspension": _lift,
    "propose_adjustment": _tranche(1, "adjustment", {"quantity": 2_000_000, "reason": "Exceptional circumstances"}),
}


REQUESTS.update(REGISTER_REQUESTS)  # issue 10 item 1: the signatory register


def _fee_payment(w):
    """Issue 14 item 5 (EA 4.4): year 1's invoice, issued by the deal's own agent (P9 split), then paid."""
    Deal.objects.filter(pk=w.deal.pk).update(escrow_fee_payer="split")
    (invoice,) = actions.issue_fee_invoices(w.people["agent1"], Deal.objects.get(pk=w.deal.pk))
    body = {"invoice": invoice.number, "paid_on": contract_today().isoformat(), "reference": "SWIFT-FEE-1"}
    return "post", f"/api/deals/{w.deal.slug}/fees/pay/", body


def _holding(name, path, body):
    """Issue 14 items 2, 3: the dividend or meeting readied by the deal's own parties (holdings_matrix)."""

    def request(w):
        readied = holdings_matrix.STEPS[name][0](w)
        return "post", f"/api/deals/{w.deal.slug}/{path}/", body(readied)

    return request


def _today():
    return contract_today().isoformat()


REQUESTS.update(
    {
        # Issue 14 item 5 (EA 4.4, EA 2): the deposit is in, so escrow year 1 has started and is not invoiced.
        "issue_fee_invoices": lambda w: ("post", f"/api/deals/{w.deal.slug}/fees/issue/", {}),
        "record_fee_payment": _fee_payment,
        # Issue 14 item 4: nothing is proposed in this world, so the agent's confirmation is a 409 (world.py).
        "propose_corporate_action": lambda w: (
            "post",
            f"/api/deals/{w.deal.slug}/corporate-actions/propose/",
            {"ratio_new": 1, "ratio_old": 30, "effective_date": _today(), "fraction_policy": "round-up"},
        ),
        "confirm_corporate_action": lambda w: (
            "post",
            f"/api/deals/{w.deal.slug}/corporate-actions/confirm/",
            {"reference": "TA-1"},
        ),
        # Issue 14 items 2, 3 (SPA 3.2, EA 1.3): dividends and votes.
        "record_dividend": _holding(
            "record_dividend",
            "dividends/record",
            lambda _: {
                "kind": "cash",
                "declared_on": _today(),
                "record_date": _today(),
                "payment_date": _today(),
                "per_share": "0.05",
                "currency": "USD",
            },
        ),
        "record_dividend_pass_through": _holding(
            "record_dividend_pass_through",
            "dividends/pass-through",
            lambda d: {"dividend": d.pk, "paid_on": _today(), "reference": "WIRE-1", "amount": "750,000.00"},
        ),
        "confirm_dividend_receipt": _holding(
            "confirm_dividend_receipt", "dividends/receipt", lambda d: {"dividend": d.pk}
        ),
        "record_meeting": _holding(
            "record_meeting",
            "meetings/record",
            lambda _: {
                "record_date": _today(),
                "meeting_date": (contract_today() + timedelta(days=60)).isoformat(),
                "resolutions": ["Re-elect the directors", "Appoint the auditor"],
            },
        ),
        "instruct_vote": _holding(
            "instruct_vote", "meetings/instruct", lambda m: {"meeting": m.pk, "choices": {"1": "for", "2": "against"}}
        ),
        "record_proxy_lodged": _holding(
            "record_proxy_lodged",
            "meetings/proxy",
            lambda m: {"meeting": m.pk, "lodged_on": _today(), "reference": "PROXY-1"},
        ),
    }
)


def send(user, request):
    method, url, body = request
    client = client_for(user)
    if method == "get":
        return client.get(url)
    multipart = any(hasattr(v, "read") for v in body.values())
    return client.post(url, body, format="multipart" if multipart else "json")


def test_every_table_entry_has_an_endpoint():
    assert set(REQUESTS) == set(ROLE_ACTIONS) - NO_ENDPOINT


@pytest.mark.parametrize("which", ["own", "other"])
@pytest.mark.parametrize("persona", [*PERSONAS, "admin", "outsider"])
@pytest.mark.parametrize("action", sorted(REQUESTS))
def test_api(world, db, action, persona, which):  # noqa: F811
    response = send(world.person(persona), REQUESTS[action](world.target(which)))
    body = response.json() if response.get("Content-Type", "").startswith("application/json") else {}
    assert outcome(response) == expected(action, persona, which), body.get("detail")


@pytest.mark.parametrize("action", sorted(REQUESTS))
def test_anonymous_gets_401_and_nothing_else(world, db, action):  # noqa: F811
    response = send(None, REQUESTS[action](world.own))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
