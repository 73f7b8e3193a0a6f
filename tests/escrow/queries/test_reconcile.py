"""Issue 10 item 5: a history replayed against the ledger, the tranches and the signatures finds nothing to
report when every write went through the actions: deposit (EA 1.1), releases (EA 3.2), an award and a
settlement (EA 3.3), a return for cancellation (SPA 5.2(1))."""

import io

import pytest
from django.core.management import call_command

from escrow.models import Deal, ShareMovement
from escrow.queries.reconcile import differences, entries_of, replay
from escrow.queries.verification import verify_records
from tests.security.records_world import records_world  # noqa: F401  (module-scoped fixture)

pytestmark = pytest.mark.django_db


def test_every_deal_built_through_the_actions_reconciles(records_world, db):  # noqa: F811
    for deal in Deal.objects.all():
        assert list(differences(deal)) == [], deal.slug
    report = verify_records()
    assert report.ok, report.as_dict()
    assert report.deals == Deal.objects.count()


def test_the_replay_finds_every_movement_and_state(records_world, db):  # noqa: F811
    kaixin = records_world.kaixin
    state = replay(entries_of(kaixin))
    assert [(m.kind, m.quantity) for m in state.movements] == [("deposit", 15_000_000), ("release", 3_000_000)]
    assert state.deal_state == "in_escrow"
    states = {records_world.tranche(y).pk: y for y in range(1, 6)}
    assert {states[pk]: s for pk, (s, _) in state.tranche_states.items()} == {
        1: "released",
        2: "instructed",
        3: "awaiting_instruction",
        4: "release_prepared",
        5: "awaiting_report",
    }
    closed = replay(entries_of(records_world.closed))
    assert [(m.kind, m.quantity) for m in closed.movements] == [("deposit", 10), ("release", 5), ("return", 5)]
    assert closed.deal_state == "closed"
    assert ShareMovement.objects.filter(deal=records_world.closed).balances()["in_escrow"] == 0


def test_verify_history_reconciles_too(records_world, db):  # noqa: F811
    out = io.StringIO()
    call_command("verify_history", stdout=out)  # no SystemExit: nothing broken, nothing different
    assert "DIFFERS" not in out.getvalue() and "BROKEN" not in out.getvalue()
