"""A world for the permission matrix, built once per module through the real actions.

Two deals with different organisations: Kaixin (the personas' own deal) and a second deal whose
parties are strangers to them. Each deal has a tranche ready for every action:
  year 1  awaiting_instruction, open joint instruction (EA 3.1(b)) and open adjustment (SPA 5.3)
  year 2  instructed (EA 3.1 complete)          year 3  release_prepared by officer 1 (EA 3.2)
  year 4  disputed with an open settlement (EA 3.3)          year 5  awaiting_report (SPA 4.2)
Each test runs in a savepoint that is rolled back, so every test starts from this world.
"""

import io
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from escrow import actions
from escrow.models import Deal, Instrument, Role, StoredDocument, Tranche
from escrow.usecases.permissions import ROLE_ACTIONS
from parties.models import Organisation
from tests.conftest import PASSWORD, make_pdf
from tests.escrow.call_backs import confirm_call_back, registered
from tests.factories import make_deal

PERSONAS = ("issuer", "purchaser", "seller", "agent1", "agent2", "auditor", "compliance")
ON_TARGET = {1: "665000000", 2: "732000000", 3: "805000000", 4: "885000000"}
ROLE_OF = {
    "issuer": Role.ISSUER,
    "purchaser": Role.PURCHASER,
    "seller": Role.SELLER,
    "agent1": Role.ESCROW_AGENT,
    "agent2": Role.ESCROW_AGENT,
    "auditor": Role.AUDITOR,
    "compliance": Role.COMPLIANCE,
}
# Allowed, but this world's state says no: the deposit is in, years are open, officer 1 prepared year 3.
ALLOWED_BUT = {
    ("confirm_deposit", None): ("WrongState", ""),
    ("return_for_cancellation", None): ("WrongState", ""),
    ("approve_release", "agent1"): ("NotAllowed", ""),  # EA 3.2 four eyes, not the role table
    # Issue 12 item 8: years 2-4 are reported, and their offsets read year 1's revenue (SPA 5.2(2)).
    ("correct_report", None): ("WrongState", ""),
    ("confirm_corporate_action", None): ("WrongState", ""),  # issue 14 item 4: nothing proposed
}


def expected(action, persona, which):
    if which == "other" or persona not in ROLE_OF:
        return ("NotFound", "")
    roles, clause = ROLE_ACTIONS[action]
    if ROLE_OF[persona] not in roles:
        return ("NotAllowed", clause)
    return ALLOWED_BUT.get((action, persona)) or ALLOWED_BUT.get((action, None)) or ("ok", "")


@dataclass
class DealWorld:
    """One deal, its people by persona, and the objects each action is tried on."""

    deal: Deal
    people: dict
    tranches: dict = field(default_factory=dict)
    instruments: dict = field(default_factory=dict)
    report: StoredDocument | None = None
    new_firm: Organisation | None = None

    def tranche(self, year):
        return self.tranches[year]

    def sha(self, kind):
        return self.instruments[kind].document.sha256

    def call_back_signatory(self):
        """The issuer's register entry: the purchaser signs each instruction last here (EA 3.1(b))."""
        return registered(self.deal, self.people["issuer"], "issuer")

    def instruction_sha(self, year):
        return Instrument.objects.get(
            tranche=self.tranches[year], kind="joint_instruction", status="effective"
        ).document.sha256


@dataclass
class World:
    """own: Kaixin, the personas' deal; other: a deal of strangers; admin: a superuser with no
    organisation; outsider: a person whose organisation plays no role on either deal."""

    own: DealWorld
    other: DealWorld
    admin: object
    outsider: object

    def target(self, which):
        return self.own if which == "own" else self.other

    def person(self, persona):
        return {"admin": self.admin, "outsider": self.outsider}.get(persona) or self.own.people[persona]


def build_deal_world(deal, people, firm_name) -> DealWorld:
    if deal.state == Deal.State.AWAITING_DEPOSIT:
        actions.confirm_deposit(people["agent1"], deal, reference="DRS")
    w = DealWorld(Deal.objects.get(pk=deal.pk), people)
    for year in range(1, 6):
        t = Tranche.objects.get(deal=deal, year=year)
        actions.open_year(t.pk, today=t.period_end + timedelta(days=1))
        if year in ON_TARGET:
            actions.file_report(
                people["auditor"],
                t.pk,
                audited_revenue=ON_TARGET[year],
                pdf=make_pdf(f"{deal} {year}"),
                original_name=f"report-{year}.pdf",
            )
        w.tranches[year] = t
    for year in (2, 3):
        _sign(people, _open(w, year, "joint_instruction"), ("issuer", "purchaser"))
    actions.prepare_release(people["agent1"], w.tranches[3].pk, expected_sha256=w.instruction_sha(3), password=PASSWORD)
    confirm_call_back(deal, people, w.tranches[3])  # issue 10 item 2: officer 2 may approve year 3
    actions.raise_dispute(people["seller"], w.tranches[4].pk, reason="The revenue includes a related-party sale.")
    w.instruments["settlement"] = actions.propose_settlement(
        people["seller"], w.tranches[4].pk, quantity=2_900_000, reason="Parties agree 2,900,000 shares."
    )
    w.instruments["adjustment"] = actions.propose_adjustment(
        people["issuer"], w.tranches[1].pk, quantity=3_000_000, reason="Exceptional circumstances: timing."
    )
    w.instruments["joint_instruction"] = _open(w, 1, "joint_instruction")
    w.report = StoredDocument.objects.filter(deal=deal, kind="audit_report").order_by("pk").first()
    w.new_firm = Organisation.objects.create(name=firm_name, kind="accounting_firm", jurisdiction="PRC")
    return w


def _open(w, year, kind):
    return Instrument.objects.select_related("document").get(tranche=w.tranches[year], kind=kind, status="open")


def _sign(people, instrument, who):
    for persona in who:
        actions.sign_instrument(
            people[persona],
            instrument.pk,
            expected_sha256=instrument.document.sha256,
            password=PASSWORD,
            ip="127.0.0.1",
            user_agent="pytest",
        )


def build_world() -> World:
    User = get_user_model()
    call_command("load_kaixin", stdout=io.StringIO())
    kaixin = Deal.objects.get(slug="kaixin-2025")
    people = {u.username: u for u in User.objects.filter(username__in=PERSONAS)}
    own = build_deal_world(kaixin, people, "Newly Proposed Accounting Firm A")
    other_deal, other_people = make_deal("beta", deposit=True)
    other = build_deal_world(other_deal, other_people, "Newly Proposed Accounting Firm B")
    admin = User.objects.create_superuser("root", "root@x.invalid", PASSWORD)
    stranger = Organisation.objects.create(name="Unrelated Capital", jurisdiction="HK")
    outsider = User.objects.create_user("outsider", password=PASSWORD, organisation=stranger)
    return World(own, other, admin, outsider)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once per module inside a transaction that is rolled back at the end of the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)
