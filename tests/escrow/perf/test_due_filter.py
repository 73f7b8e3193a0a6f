"""Issue 13 item 2: the due items are found in SQL (escrow.queries.due.ACTING and its filter); this checks
that filter against next_step, the one rule of who acts next, for every state, role and signature."""

import pytest

from escrow.models import Deal, Role, Tranche, TrancheState
from escrow.queries.due import ACTING, SETTLING, SIGNING, actions_due_for
from escrow.queries.steps import next_step
from tests.conftest import open_and_file, sign_instruction

pytestmark = pytest.mark.django_db
ROLES = [Role.ISSUER, Role.PURCHASER, Role.SELLER, Role.ESCROW_AGENT, Role.AUDITOR]


@pytest.mark.parametrize("state", list(TrancheState))
@pytest.mark.parametrize("settling", [False, True])
def test_acting_table_is_next_steps_rule(state, settling):
    tranche = Tranche(
        deal=Deal(state=Deal.State.IN_ESCROW),
        state=state,
        calculation={"requires_settlement": True} if settling else {},
    )
    step = next_step(tranche, signed_roles=set())
    if state == TrancheState.AWAITING_INSTRUCTION:
        expected = SETTLING if settling else SIGNING
    else:
        expected = ACTING.get(state, ())
    assert set(step.roles) == set(expected), state


def due_actions(user):
    return [(d.tranche.year if d.tranche else None, d.step.action) for d in actions_due_for(user).items]


def test_signature_and_settlement_filters_in_sql(deposited, people):
    """EA 3.1(b): the issuer and purchaser see the joint instruction until each has signed it; the auditor
    sees the reports of years that ended (SPA 4.2)."""
    open_and_file(deposited, people, 1, "665000000")
    assert (1, "sign_joint_instruction") in due_actions(people["issuer"])
    assert (1, "sign_joint_instruction") in due_actions(people["purchaser"])
    assert not any(y == 1 for y, _ in due_actions(people["seller"]))
    sign_instruction(deposited, people, 1)
    assert (1, "sign_joint_instruction") not in due_actions(people["issuer"])
    assert (1, "prepare_release") in due_actions(people["agent1"])


def test_bounded_and_counted(deposited, people):
    from tests.escrow.views.test_query_counts import add_deals

    add_deals(30, people, state="awaiting_deposit")
    due = actions_due_for(people["agent1"], limit=10)
    assert len(due.items) == 10 and due.total == 30
    assert [d.step.due for d in due.items] == sorted(d.step.due for d in due.items)
    rest = actions_due_for(people["agent1"], limit=10, offset=25)
    assert len(rest.items) == 5 and rest.total == 30


def test_the_partial_index_covers_the_waiting_states():
    """The index the due items' query starts from (Tranche.Meta.indexes) is on exactly the states someone acts in."""
    from escrow.models.tranche import WAITING_STATES
    from escrow.queries.due import WAITING

    assert set(WAITING_STATES) == set(WAITING) and len(WAITING_STATES) == len(WAITING)
