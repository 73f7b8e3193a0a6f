"""Random actions by random people never break a permission, the ledger invariant or the history
chain (issue 3 item 8). Hypothesis drives the real actions; each run builds its own deal."""

import itertools
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from escrow import actions
from escrow.contract.errors import DomainError, NotAllowed, NotFound
from escrow.contract.releases import tranche_sizes
from escrow.history.chain import chain_key_for, verify_chain
from escrow.models import HistoryChain, Instrument, ShareMovement, Tranche
from escrow.queries.callbacks import call_back_status, last_signer_id
from escrow.queries.quantities import released_for_each_year
from escrow.usecases.permissions import ROLE_ACTIONS, party_for
from tests.conftest import make_pdf
from tests.escrow.call_backs import registered
from tests.factories import PASSWORD, make_deal

COUNTER = itertools.count()
PEOPLE = ["issuer", "purchaser", "seller", "agent1", "agent2", "auditor", "compliance", "outsider", "admin"]
YEARS = st.sampled_from([1, 1, 1, 2, 2, 3])  # year 1 most: later years need earlier reports


def actor(*likely):
    """Anyone at all, but half the time someone whose role may act, so runs get deep into the workflow."""
    return st.one_of(st.sampled_from(likely), st.sampled_from(PEOPLE)) if likely else st.sampled_from(PEOPLE)


class EscrowMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.deal, self.people = make_deal(f"h{next(COUNTER)}", targets=(100, 100, 100))
        User = get_user_model()
        n = next(COUNTER)
        self.people["outsider"] = User.objects.create_user(f"outsider{n}", password=PASSWORD)
        self.people["admin"] = User.objects.create_superuser(f"admin{n}", f"a{n}@x.invalid", PASSWORD)
        # Issue 10 item 2: whom an officer may call back (and, for the refusals, the seller too).
        self.register = [registered(self.deal, self.people[p], p) for p in ("issuer", "purchaser", "seller")]

    def tranche(self, year):
        return Tranche.objects.get(deal=self.deal, year=year)

    def attempt(self, who, action_key, call):
        """Run an action; if it succeeded, the actor's role must have been allowed to take it."""
        person = self.people[who]
        try:
            call(person)
        except (NotAllowed, NotFound):
            return
        except DomainError:
            party = party_for(person, self.deal)
            assert party is not None and party.role in ROLE_ACTIONS[action_key][0], (who, action_key)
            return
        party = party_for(person, self.deal)
        assert party is not None, f"{who} acted on a deal they are not on"
        assert party.role in ROLE_ACTIONS[action_key][0], f"{who} ({party.role}) did {action_key}"

    @rule(year=YEARS)
    def year_ends(self, year):
        actions.open_year(self.tranche(year).pk, today=date(2025 + year, 12, 1))

    @rule(who=actor("auditor"), year=YEARS, revenue=st.integers(min_value=0, max_value=200))
    def file_report(self, who, year, revenue):
        self.attempt(
            who,
            "file_report",
            lambda p: actions.file_report(
                p, self.tranche(year).pk, audited_revenue=revenue * 1_000_000, pdf=make_pdf("r")
            ),
        )

    @rule(who=actor("issuer", "purchaser", "seller", "agent1"), year=YEARS, data=st.data())
    def sign(self, who, year, data):
        open_ones = list(self.tranche(year).instruments.filter(status=Instrument.Status.OPEN))
        if not open_ones:
            return
        instrument = data.draw(st.sampled_from(open_ones))
        self.attempt(
            who,
            f"sign_{instrument.kind}",
            lambda p: actions.sign_instrument(
                p, instrument.pk, expected_sha256=instrument.document.sha256, password=PASSWORD
            ),
        )

    @rule(who=actor("agent1", "agent2"), year=YEARS)
    def prepare(self, who, year):
        self.attempt(
            who,
            "prepare_release",
            lambda p: actions.prepare_release(
                p, self.tranche(year).pk, expected_sha256=self._instruction_hash(year), password=PASSWORD
            ),
        )

    @rule(who=actor("agent1", "agent2"), year=YEARS)
    def approve(self, who, year):
        self.attempt(
            who,
            "approve_release",
            lambda p: actions.approve_release(
                p,
                self.tranche(year).pk,
                expected_sha256=self._instruction_hash(year),
                transfer_reference="T",
                password=PASSWORD,
            ),
        )

    @rule(
        who=actor("agent1", "agent2"),
        year=YEARS,
        entry=st.integers(min_value=0, max_value=2),
        outcome=st.sampled_from(["confirmed", "confirmed", "no_answer", "not_confirmed"]),
    )
    def call_back(self, who, year, entry, outcome):
        self.attempt(
            who,
            "record_call_back",
            lambda p: actions.record_call_back(
                p, self.tranche(year).pk, signatory_id=self.register[entry].pk, outcome=outcome, note="n"
            ),
        )

    def _call_back_then_approve(self, year):
        status = call_back_status(self.tranche(year))
        if status.confirmed is None:
            issuer_signed_last = last_signer_id(status.instruction) == self.people["issuer"].pk
            return self.call_back("agent1", year, 1 if issuer_signed_last else 0, "confirmed")
        return self.approve("agent2", year)

    @rule(who=actor("issuer", "purchaser", "seller", "agent1"), year=YEARS)
    def dispute(self, who, year):
        self.attempt(who, "raise_dispute", lambda p: actions.raise_dispute(p, self.tranche(year).pk, reason="r"))

    @rule(who=actor("issuer"), year=YEARS)
    def suspend(self, who, year):
        self.attempt(who, "suspend_release", lambda p: actions.suspend_release(p, self.tranche(year).pk, reason="r"))

    @rule(who=actor("issuer"), year=YEARS)
    def lift(self, who, year):
        self.attempt(who, "lift_suspension", lambda p: actions.lift_suspension(p, self.tranche(year).pk, reason="r"))

    @rule(
        who=actor("issuer", "purchaser", "seller", "agent1"),
        year=YEARS,
        quantity=st.integers(min_value=0, max_value=6_000_000),
    )
    def settle(self, who, year, quantity):
        self.attempt(
            who,
            "propose_settlement",
            lambda p: actions.propose_settlement(p, self.tranche(year).pk, quantity=quantity, reason="agreed"),
        )

    @rule(who=actor("seller", "agent2"), year=YEARS, quantity=st.integers(min_value=0, max_value=6_000_000))
    def award(self, who, year, quantity):
        self.attempt(
            who,
            "file_award",
            lambda p: actions.file_award(
                p, self.tranche(year).pk, quantity=quantity, pdf_bytes=make_pdf("award"), reference="A-1"
            ),
        )

    @rule(year=YEARS, revenue=st.integers(min_value=0, max_value=200))
    def advance(self, year, revenue):
        """Take the tranche's next step with the right person, so runs reach releases and holds."""
        t = self.tranche(year)
        steps = {
            "scheduled": lambda: self.year_ends(year),
            "awaiting_report": lambda: self.file_report("auditor", year, revenue),
            "release_prepared": lambda: self._call_back_then_approve(year),
            "instructed": lambda: self.prepare("agent1", year),
            "suspended": lambda: self.lift("issuer", year),
        }
        if t.state in steps:
            return steps[t.state]()
        for instrument in t.instruments.filter(status=Instrument.Status.OPEN):
            signed = set(instrument.signatures.values_list("party__role", flat=True))
            for who in ("issuer", "purchaser", "seller", "agent1"):
                if party_for(self.people[who], self.deal).role not in signed:
                    return self.attempt(
                        who,
                        f"sign_{instrument.kind}",
                        lambda p, instrument=instrument: actions.sign_instrument(
                            p, instrument.pk, expected_sha256=instrument.document.sha256, password=PASSWORD
                        ),
                    )
        if t.state == "disputed":
            self.settle("seller", year, revenue * 10_000)

    def _instruction_hash(self, year):
        instruction = self.tranche(year).instruments.filter(kind="joint_instruction", status="effective").last()
        return instruction.document.sha256 if instruction else "0" * 64

    @invariant()
    def ledger_adds_up(self):
        b = ShareMovement.objects.filter(deal=self.deal).balances()
        assert min(b.values()) >= 0
        assert b["in_escrow"] + b["released"] + b["returned"] == b["deposited"] == self.deal.total_shares
        tranches = list(Tranche.objects.filter(deal=self.deal))
        sizes = tranche_sizes(self.deal.total_shares, self.deal.tranche_count)
        released = released_for_each_year(tranches)
        for t in tranches:
            # A settlement or award may agree any quantity (EA 3.3, SPA 5.3), but offsets from later
            # years never take a year above its fifth (SPA 5.1, 5.2(2)).
            offset_shares = sum(
                int(o.offset_shares.get(str(t.year), 0)) for o in tranches if o.state == "released" and o.year != t.year
            )
            if offset_shares:
                assert released[t.year] <= sizes[t.year - 1], f"year {t.year} released beyond its fifth"
        for t in tranches:
            moved = ShareMovement.objects.filter(tranche=t, kind="release").count()
            assert moved == (1 if t.state == "released" and t.release_quantity else 0)

    @invariant()
    def history_verifies(self):
        assert verify_chain(HistoryChain.objects.get(key=chain_key_for(self.deal))).ok


@pytest.mark.django_db
def test_random_actions_keep_every_invariant():
    run_state_machine_as_test(
        EscrowMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=50,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
