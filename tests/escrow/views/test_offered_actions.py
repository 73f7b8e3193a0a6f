"""Issue 12 item 3: every page offers exactly the actions this person can take now.

A Kaixin-shaped deal (tests/factories.py: 15,000,000 shares, Kaixin's targets, one organisation per role, both
officers) is walked through every state a year rests in: the deal awaiting its deposit, a year scheduled,
awaiting the report, awaiting the joint instruction (unsigned, half signed, with an open adjustment), instructed
(before and after the call-back), prepared by officer 1, suspended, disputed (with an open settlement), again
awaiting a new instruction, released; and a one-year deal under P5 `settlement-only` through a missed year to
the return for cancellation and the closed escrow. (`report_filed` is never a resting state: the report's
action computes the quantity and issues the instruction in the same transaction.)

At each state, for each persona (issuer, purchaser, seller, officer 1, officer 2, the approved firm,
compliance), the actions offered are read from the rendered pages (links and forms that lead to an action's
route on the dashboard, the deal page and the year's page; the form on each action page and sign page) and
compared with the allowed ones, computed here independently: ROLE_ACTIONS (the use-case declarations), a
hand-written table of what each state allows (DESIGN.md "The life of a tranche"), four eyes (EA 3.2: not the
officer who prepared; a confirmed call-back first), "already signed" (a party signs once) and the deal's end.
"""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from escrow import actions
from escrow.models import CallBack, Deal, Instrument, Signature, Tranche
from escrow.usecases.permissions import ROLE_ACTIONS
from tests.conftest import PASSWORD, make_pdf
from tests.escrow.api.world import PERSONAS, ROLE_OF
from tests.escrow.call_backs import confirm_call_back
from tests.factories import make_deal

pytestmark = pytest.mark.django_db

# What each resting state of a year allows, whoever asks (DESIGN.md "The life of a tranche"); signing is
# added per open document below.
YEAR_ALLOWS = {
    "scheduled": set(),
    "awaiting_report": {"file_report"},
    "awaiting_instruction": {"raise_dispute", "suspend_release", "propose_adjustment"},
    "instructed": {"prepare_release", "record_call_back", "raise_dispute", "suspend_release", "propose_adjustment"},
    "release_prepared": {
        "approve_release",
        "withdraw_preparation",
        "record_call_back",
        "raise_dispute",
        "suspend_release",
        "propose_adjustment",
    },
    "disputed": {"propose_settlement", "file_award", "propose_adjustment"},
    "suspended": {"lift_suspension", "propose_adjustment"},
    "released": set(),
}
DEAL_ALLOWS = {"awaiting_deposit": {"confirm_deposit", "approve_auditor"}, "in_escrow": {"approve_auditor"}}
# A settlement or adjustment changes a pending release (EA 3.3, SPA 5.3): signable in these states only.
PENDING = {"awaiting_instruction", "instructed", "release_prepared", "disputed", "suspended"}

# URL name of an action's page -> the action (the sign page is per document: sign_<kind>).
ROUTES = {
    "confirm_deposit": "confirm_deposit",
    "approve_auditor": "approve_auditor",
    "return_for_cancellation": "return_for_cancellation",
    "deal_prices": "enter_share_prices",
    "file_report": "file_report",
    "correct_report": "correct_report",
    "prepare_release": "prepare_release",
    "approve_release": "approve_release",
    "withdraw_preparation": "withdraw_preparation",
    "record_call_back": "record_call_back",
    "raise_dispute": "raise_dispute",
    "suspend_release": "suspend_release",
    "lift_suspension": "lift_suspension",
    "propose_settlement": "propose_settlement",
    "propose_adjustment": "propose_adjustment",
    "file_award": "file_award",
}
DEAL_ROUTES = {"confirm_deposit", "approve_auditor", "return_for_cancellation", "deal_prices"}
# The form each action page shows exactly when the action is offered.
FORMS = {
    "confirm_deposit": "deposit-form",
    "approve_auditor": "auditor-form",
    "return_for_cancellation": "return-form",
    "deal_prices": "price-form",
    "file_report": "report-form",
    "correct_report": "report-form",
    "prepare_release": "prepare-form",
    "approve_release": "approve-form",
    "record_call_back": "call-back-form",
}
LINK = re.compile(r'(?:href|action)="(/[^"#?]*)')


# --- the allowed actions, computed from the table, the states and the rules --------------------------------


def allowed(deal, tranche, persona, people) -> set:
    person, role = people[persona], ROLE_OF[persona]
    deal, tranche = Deal.objects.get(pk=deal.pk), Tranche.objects.get(pk=tranche.pk)  # FSM states: read afresh
    result = set(DEAL_ALLOWS.get(deal.state, ()))
    if deal.state == "in_escrow":
        result |= YEAR_ALLOWS[tranche.state]
        if not deal.tranches.exclude(state="released").exists():
            result.add("return_for_cancellation")  # SPA 5.2(1)
    if deal.ticker:
        result.add("enter_share_prices")
    if tranche.state == "awaiting_instruction" and tranche.calculation.get("requires_settlement"):
        result.add("propose_settlement")  # P5 settlement-only
    if _correctable(tranche):
        result.add("correct_report")  # issue 12 item 8: the firm's report, before any signature (SPA 4.2)
    if "approve_release" in result and (tranche.prepared_by_id == person.pk or not _call_back_confirmed(tranche)):
        result.discard("approve_release")  # EA 3.2 four eyes, then the call-back (issue 10 item 2)
    for instrument in tranche.instruments.filter(status="open"):
        signed = Signature.objects.filter(instrument=instrument)
        if (
            role in instrument.required_roles
            and not signed.filter(party__role=role).exists()
            and not signed.filter(signer=person).exists()
            and (
                tranche.state == "awaiting_instruction"
                if instrument.kind == "joint_instruction"
                else tranche.state in PENDING
            )
        ):
            result.add(f"sign_{instrument.kind}")
    return {action for action in result if role in ROLE_ACTIONS[action][0]}


def _correctable(tranche):
    """Awaiting the instruction, a report on file, no signature on any of the year's documents, and no later
    year's report reading this year's revenue (SPA 5.2(2))."""
    return (
        tranche.state == "awaiting_instruction"
        and tranche.reports.exists()
        and not Signature.objects.filter(instrument__tranche=tranche).exists()
        and not tranche.deal.tranches.filter(year__gt=tranche.year, audited_revenue__isnull=False).exists()
    )


def _call_back_confirmed(tranche):
    instruction = tranche.instruments.filter(kind="joint_instruction", status="effective").order_by("created_at").last()
    calls = CallBack.objects.filter(tranche=tranche, instrument=instruction)
    return calls.filter(outcome="confirmed").exists() and not calls.filter(outcome="not_confirmed").exists()


# --- the offered actions, read from the pages ----------------------------------------------------------------


def linked(client, deal, tranche) -> set:
    """Actions the dashboard, the deal page and the year's page link to or post to."""
    pages = ["/", reverse("escrow:deal", args=[deal.slug]), reverse("escrow:tranche", args=[deal.slug, tranche.year])]
    found = set()
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        for path in LINK.findall(response.content.decode()):
            found |= _action_of(path)
    return found


def _action_of(path) -> set:
    try:
        match = resolve(path)
    except Resolver404:
        return set()
    name = match.url_name
    if match.namespace != "escrow":
        return set()
    if name == "sign":
        return {f"sign_{Instrument.objects.get(pk=match.kwargs['pk']).kind}"}
    return {ROUTES[name]} if name in ROUTES else set()


def with_forms(client, deal, tranche, role) -> set:
    """Actions whose page shows its form (pages the role table refuses are 403 and not asked)."""
    found = set()
    for name, action in ROUTES.items():
        if role not in ROLE_ACTIONS[action][0]:
            continue
        args = [deal.slug] if name in DEAL_ROUTES else [deal.slug, tranche.year]
        response = client.get(reverse(f"escrow:{name}", args=args))
        assert response.status_code in (200, 403), (name, response.status_code)
        if f'data-testid="{FORMS.get(name, "action-form")}"' in response.content.decode():
            found.add(action)
    for instrument in tranche.instruments.all():
        html = client.get(reverse("escrow:sign", args=[instrument.pk])).content.decode()
        if 'data-testid="sign-form"' in html:
            found.add(f"sign_{instrument.kind}")
    return found


class Walk:
    """One deal, a signed-in client per persona, and the checks made at each state."""

    def __init__(self, deal, people):
        self.deal, self.people = deal, people
        self.clients = {}
        for persona in PERSONAS:
            client = Client()
            client.force_login(people[persona])
            self.clients[persona] = client
        self.seen = []

    def year(self, n=1):
        return Tranche.objects.get(deal=self.deal, year=n)

    def check(self, label):
        tranche = self.year()
        self.seen.append((Deal.objects.get(pk=self.deal.pk).state, tranche.state))
        for persona in PERSONAS:
            want = allowed(self.deal, tranche, persona, self.people)
            client = self.clients[persona]
            assert linked(client, self.deal, tranche) == want, (label, persona, "links")
            assert with_forms(client, self.deal, tranche, ROLE_OF[persona]) == want, (label, persona, "forms")


def sign(person, instrument):
    actions.sign_instrument(
        person, instrument.pk, expected_sha256=instrument.document.sha256, password=PASSWORD, ip="127.0.0.1"
    )


def open_instrument(tranche, kind):
    return tranche.instruments.get(kind=kind, status="open")


def release_year(walk, tranche, preparer, approver):
    """Instructed -> released: call-back, officer 1 prepares, a different officer approves (EA 3.2)."""
    instruction = tranche.instruments.filter(kind="joint_instruction", status="effective").order_by("created_at").last()
    confirm_call_back(walk.deal, walk.people, tranche)
    digest = instruction.document.sha256
    actions.prepare_release(walk.people[preparer], tranche.pk, expected_sha256=digest, password=PASSWORD)
    actions.approve_release(
        walk.people[approver], tranche.pk, expected_sha256=digest, transfer_reference="TA-1", password=PASSWORD
    )


def test_every_state_and_role_offers_exactly_what_is_allowed():
    deal, people = make_deal("walk", deposit=False)
    walk = Walk(deal, people)
    walk.check("awaiting deposit")
    actions.confirm_deposit(people["agent1"], deal)
    walk.check("in escrow, year scheduled")

    y1 = walk.year()
    actions.open_year(y1.pk, today=y1.period_end + timedelta(days=1))
    walk.check("awaiting report")
    actions.file_report(people["auditor"], y1.pk, audited_revenue="665000000", pdf=make_pdf(), original_name="r.pdf")
    walk.check("awaiting instruction, nobody signed")
    sign(people["issuer"], open_instrument(walk.year(), "joint_instruction"))
    walk.check("awaiting instruction, the issuer signed")
    actions.propose_adjustment(people["seller"], y1.pk, quantity=2_900_000, reason="Exceptional circumstances")
    walk.check("awaiting instruction, an adjustment open")

    sign(people["purchaser"], open_instrument(walk.year(), "joint_instruction"))
    walk.check("instructed, no call-back yet")
    confirm_call_back(deal, people, walk.year())
    walk.check("instructed, call-back confirmed")
    instruction = walk.year().instruments.get(kind="joint_instruction", status="effective")
    actions.prepare_release(people["agent1"], y1.pk, expected_sha256=instruction.document.sha256, password=PASSWORD)
    walk.check("release prepared by officer 1")

    actions.suspend_release(people["issuer"], y1.pk, reason="Seller breached SPA 8.1")
    walk.check("suspended")
    actions.lift_suspension(people["issuer"], y1.pk, reason="Breach cured")
    actions.raise_dispute(people["seller"], y1.pk, reason="The audited figure omits December")
    walk.check("disputed")
    actions.propose_settlement(people["purchaser"], y1.pk, quantity=3_000_000, reason="Agreed 3,000,000")
    walk.check("disputed, a settlement open")
    sign(people["issuer"], open_instrument(walk.year(), "settlement"))
    walk.check("disputed, the issuer signed the settlement")
    for persona in ("purchaser", "seller", "agent1"):
        sign(people[persona], open_instrument(walk.year(), "settlement"))
    walk.check("awaiting a new instruction after the settlement")

    for persona in ("issuer", "purchaser"):
        sign(people[persona], open_instrument(walk.year(), "joint_instruction"))
    release_year(walk, walk.year(), preparer="agent2", approver="agent1")
    walk.check("released, later years open")
    assert {state for _deal, state in walk.seen} == set(YEAR_ALLOWS)  # every resting state of a year


def test_a_missed_year_under_settlement_only_to_the_closed_escrow():
    deal, people = make_deal("walk-p5", targets=(665,), partial_release="settlement-only")
    walk = Walk(deal, people)
    y1 = walk.year()
    actions.open_year(y1.pk, today=y1.period_end + timedelta(days=1))
    actions.file_report(people["auditor"], y1.pk, audited_revenue="600000000", pdf=make_pdf(), original_name="r.pdf")
    assert walk.year().calculation["requires_settlement"]
    walk.check("missed year, a settlement needed (P5)")
    actions.propose_settlement(people["issuer"], y1.pk, quantity=2_000_000, reason="Agreed 2,000,000")
    walk.check("missed year, the settlement open")
    for persona in ("issuer", "purchaser", "seller", "agent1"):
        sign(people[persona], open_instrument(walk.year(), "settlement"))
    for persona in ("issuer", "purchaser"):
        sign(people[persona], open_instrument(walk.year(), "joint_instruction"))
    release_year(walk, walk.year(), preparer="agent1", approver="agent2")
    walk.check("every year released: the return is due (SPA 5.2(1))")
    actions.return_for_cancellation(people["agent2"], deal, reference="RET-1")
    walk.check("escrow closed")
