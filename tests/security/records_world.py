"""A world with every kind of record, built once per module through the real actions, for the insiders' tests.

Kaixin, after the deposit (EA 1.1):
  year 1  released: its ledger movement, a joint instruction signed by issuer and purchaser (EA 3.1, 3.2)
  year 2  missed its target, disputed, an award filed (EA 3.3), the new instruction signed: instructed
  year 3  disputed, a settlement signed by all four parties (EA 3.3): awaiting its new instruction
  year 4  on target, instruction signed, officer 1 prepared the release: release_prepared
  year 5  awaiting the audited report
A second, small deal went to its end: one year released in part, the rest returned for cancellation
(SPA 5.2(1)) and closed. Each test runs in a savepoint rolled back afterwards.
"""

import io
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction

from escrow import actions
from escrow.models import Deal, Instrument, Tranche
from tests.conftest import PASSWORD, make_pdf
from tests.escrow.call_backs import confirm_call_back
from tests.factories import make_deal

PERSONAS = ("issuer", "purchaser", "seller", "agent1", "agent2", "auditor", "compliance")
ALL_FOUR = ("issuer", "purchaser", "seller", "agent1")


@dataclass
class RecordsWorld:
    kaixin: Deal
    closed: Deal
    people: dict
    closed_people: dict

    def tranche(self, year, deal=None):
        return Tranche.objects.get(deal=deal or self.kaixin, year=year)

    @property
    def deals(self):
        return [self.kaixin, self.closed]


def open_instrument(tranche, kind="joint_instruction"):
    return Instrument.objects.select_related("document").get(tranche=tranche, kind=kind, status="open")


def sign(people, instrument, who=("issuer", "purchaser")):
    for persona in who:
        actions.sign_instrument(
            people[persona],
            instrument.pk,
            expected_sha256=instrument.document.sha256,
            password=PASSWORD,
            ip="127.0.0.1",
            user_agent="pytest",
        )


def effective_sha(tranche):
    return Instrument.objects.get(tranche=tranche, kind="joint_instruction", status="effective").document.sha256


def file_year(people, tranche, revenue):
    actions.open_year(tranche.pk, today=tranche.period_end + timedelta(days=1))
    actions.file_report(
        people["auditor"],
        tranche.pk,
        audited_revenue=revenue,
        pdf=make_pdf(f"{tranche} {revenue}"),
        original_name="r.pdf",
    )


def prepare(people, tranche):
    actions.prepare_release(people["agent1"], tranche.pk, expected_sha256=effective_sha(tranche), password=PASSWORD)


def approve(people, tranche, reference="TA-1"):
    confirm_call_back(tranche.deal, people, tranche)  # issue 10 item 2: the call-back before approval
    actions.approve_release(
        people["agent2"],
        tranche.pk,
        expected_sha256=effective_sha(tranche),
        transfer_reference=reference,
        password=PASSWORD,
    )


def build_kaixin(deal, people):
    actions.confirm_deposit(people["agent1"], deal, reference="DRS-0001")
    t = {year: Tranche.objects.get(deal=deal, year=year) for year in range(1, 6)}
    file_year(people, t[1], "665000000")
    sign(people, open_instrument(t[1]))
    prepare(people, t[1])
    approve(people, t[1], "TA-Y1")
    file_year(people, t[2], "598500000")
    actions.raise_dispute(people["seller"], t[2].pk, reason="The revenue omits a related-party sale.")
    actions.file_award(
        people["seller"], t[2].pk, quantity=2_800_000, pdf_bytes=make_pdf("CIETAC award"), reference="CIETAC-1"
    )
    sign(people, open_instrument(t[2]))
    file_year(people, t[3], "805000000")
    actions.raise_dispute(people["issuer"], t[3].pk, reason="The figure is under review.")
    settlement = actions.propose_settlement(
        people["seller"], t[3].pk, quantity=2_900_000, reason="The parties agree 2,900,000 shares."
    )
    sign(people, settlement, ALL_FOUR)
    file_year(people, t[4], "885000000")
    sign(people, open_instrument(t[4]))
    prepare(people, t[4])
    actions.open_year(t[5].pk, today=t[5].period_end + timedelta(days=1))


def build_closed():
    deal, people = make_deal("closed", total=10, targets=(1,))
    tranche = Tranche.objects.get(deal=deal, year=1)
    file_year(people, tranche, "500000")
    sign(people, open_instrument(tranche))
    prepare(people, tranche)
    approve(people, tranche, "TA-C1")
    actions.return_for_cancellation(people["agent1"], deal, reference="RET-1")
    return Deal.objects.get(pk=deal.pk), people


def build_records_world() -> RecordsWorld:
    call_command("load_kaixin", stdout=io.StringIO())
    kaixin = Deal.objects.get(slug="kaixin-2025")
    people = {u.username: u for u in get_user_model().objects.filter(username__in=PERSONAS)}
    build_kaixin(kaixin, people)
    closed, closed_people = build_closed()
    return RecordsWorld(Deal.objects.get(pk=kaixin.pk), closed, people, closed_people)


@pytest.fixture(scope="module")
def records_world(django_db_setup, django_db_blocker):
    """Built once per module inside a transaction rolled back at the end of the module (PostgreSQL only)."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.fail("The insiders' tests need PostgreSQL: run them through bin/test.", pytrace=False)
        with transaction.atomic():
            yield build_records_world()
            transaction.set_rollback(True)
