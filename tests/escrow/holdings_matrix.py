"""Issue 14 items 2, 3 (SPA 3.2, EA 1.3): the dividend and vote use cases in the permission matrices.

Each entry readies its dividend or meeting on the world's deal through the real actions (done by the deal's own
issuer, escrow agent and seller), then tries the action as the persona under test. The world's deposit was
confirmed today, so a record date of today counts every deposited share.
"""

from datetime import timedelta

from django.urls import reverse

from escrow.actions import holdings as act
from escrow.models import Dividend, Meeting
from escrow.queries.clock import contract_today


def dividend(w, paid=False):
    today = contract_today()
    d = act.record_dividend(
        w.people["issuer"],
        w.deal,
        kind="cash",
        declared_on=today,
        record_date=today,
        payment_date=today,
        per_share="0.05",
        currency="USD",
    )
    if paid:
        act.record_dividend_pass_through(w.people["agent1"], w.deal, d.pk, paid_on=today, reference="W-0", amount="1")
    return d


def meeting(w, instructed=False):
    today = contract_today()
    m = act.record_meeting(
        w.people["issuer"],
        w.deal,
        record_date=today,
        meeting_date=today + timedelta(days=60),
        resolutions="Re-elect the directors\nAppoint the auditor",
    )
    if instructed:
        act.instruct_vote(w.people["seller"], w.deal, m.pk, choices={1: "for", 2: "for"})
    return m


def _record_dividend(u, w, _obj):
    today = contract_today()
    return act.record_dividend(
        u,
        w.deal,
        kind="cash",
        declared_on=today,
        record_date=today,
        payment_date=today,
        per_share="0.05",
        currency="USD",
    )


def _record_meeting(u, w, _obj):
    today = contract_today()
    return act.record_meeting(
        u, w.deal, record_date=today, meeting_date=today + timedelta(days=60), resolutions="Re-elect the directors"
    )


# name -> (ready: DealWorld -> object, call: (user, DealWorld, object) -> result)
STEPS = {
    "record_dividend": (lambda w: None, _record_dividend),
    "record_dividend_pass_through": (
        dividend,
        lambda u, w, d: act.record_dividend_pass_through(
            u, w.deal, d.pk, paid_on=contract_today(), reference="W-1", amount="750,000.00"
        ),
    ),
    "confirm_dividend_receipt": (
        lambda w: dividend(w, paid=True),
        lambda u, w, d: act.confirm_dividend_receipt(u, w.deal, d.pk),
    ),
    "record_meeting": (lambda w: None, _record_meeting),
    "instruct_vote": (
        meeting,
        lambda u, w, m: act.instruct_vote(u, w.deal, m.pk, choices={1: "for", 2: "against"}),
    ),
    "record_proxy_lodged": (
        lambda w: meeting(w, instructed=True),
        lambda u, w, m: act.record_proxy_lodged(u, w.deal, m.pk, lodged_on=contract_today(), reference="P-1"),
    ),
}


def _call(name):
    ready, call = STEPS[name]
    return lambda u, w: call(u, w, ready(w))


# tests/escrow/test_permission_matrix.py: every persona on both deals.
CALLS = {name: _call(name) for name in STEPS}


def ready(name, persona):
    """tests/escrow/test_usecases.py: ready the object first, so only the action's own history is compared."""

    def make(w):
        obj = STEPS[name][0](w)
        return lambda: STEPS[name][1](w.people[persona], w, obj)

    return make


def _latest(model, w):
    return model.objects.filter(deal=w.deal).order_by("-pk").first().pk


def _page(name, action, ready_it, data):
    """(url name, action, url, data, setup) for tests/escrow/views/test_permission_matrix_pages.py."""
    return {
        "name": name,
        "action": action,
        "url": lambda w: reverse(f"escrow:{name}", args=[w.deal.slug]),
        "data": data,
        "form_marker": 'data-testid="holding-form"',
        "setup": ready_it,
    }


def _today():
    return contract_today().isoformat()


PAGES = {
    "record_dividend": _page(
        "record_dividend",
        "record_dividend",
        None,
        lambda w: {
            "kind": "cash",
            "declared_on": _today(),
            "record_date": _today(),
            "payment_date": _today(),
            "per_share": "0.05",
            "currency": "USD",
            "stock_policy": "pro-rata",
        },
    ),
    "record_dividend_pass_through": _page(
        "dividend_pass_through",
        "record_dividend_pass_through",
        dividend,
        lambda w: {
            "dividend": _latest(Dividend, w),
            "paid_on": _today(),
            "reference": "WIRE-1",
            "amount": "750,000.00",
        },
    ),
    "confirm_dividend_receipt": _page(
        "dividend_receipt",
        "confirm_dividend_receipt",
        lambda w: dividend(w, paid=True),
        lambda w: {"dividend": _latest(Dividend, w), "confirm": "on"},
    ),
    "record_meeting": _page(
        "record_meeting",
        "record_meeting",
        None,
        lambda w: {
            "record_date": _today(),
            "meeting_date": (contract_today() + timedelta(days=60)).isoformat(),
            "resolutions": "Re-elect the directors\nAppoint the auditor",
        },
    ),
    "instruct_vote": _page(
        "instruct_vote",
        "instruct_vote",
        meeting,
        lambda w: {"meeting": _latest(Meeting, w), "resolution_1": "for", "resolution_2": "against"},
    ),
    "record_proxy_lodged": _page(
        "proxy_lodged",
        "record_proxy_lodged",
        lambda w: meeting(w, instructed=True),
        lambda w: {"meeting": _latest(Meeting, w), "lodged_on": _today(), "reference": "PROXY-1"},
    ),
}
