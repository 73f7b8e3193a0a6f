"""escrow.queries.available: what a person can do now, asked of the same checks the actions make (issue 12
item 3). The pages' side is walked state by state in tests/escrow/views/test_offered_actions.py."""

import pytest

from escrow import actions
from escrow.contract.errors import DomainError
from escrow.queries.available import PRECONDITIONS, SCOPE, Now
from escrow.views.links import STEPS
from tests.conftest import PASSWORD, open_and_file, sign_instruction
from tests.escrow.call_backs import confirm_call_back

# The signatory register's changes are forms of the register page, which checks them itself (issue 10 item 1).
REGISTER = {"propose_signatory", "propose_signatory_removal", "confirm_register_change", "object_to_register_change"}


def test_every_use_case_done_on_a_deal_page_has_its_preconditions_named():
    with_pages = {case.name for case in STEPS}
    assert with_pages - REGISTER == set(PRECONDITIONS), "add the new use case to available.PRECONDITIONS"
    assert set(SCOPE.values()) == {"deal", "tranche", "instrument"}


def refusal(call):
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.message


def test_the_offer_and_the_action_refuse_in_the_same_words(deposited, people):
    open_and_file(deposited, people, 1, "665000000")
    t, instruction = sign_instruction(deposited, people, 1)
    instruction = type(instruction).objects.get(pk=instruction.pk)  # effective now
    digest = instruction.document.sha256

    # Signed by both: the issuer is offered nothing to sign, for the reason the action gives.
    issuer = Now(people["issuer"], deposited)
    assert issuer.to_sign(t) == []
    said = refusal(lambda: actions.sign_instrument(people["issuer"], instruction.pk, expected_sha256=digest))
    assert issuer.why_not("sign_joint_instruction", t, instruction) == said and "signed by every required party" in said

    # EA 3.2 four eyes: officer 1 prepared, so officer 1 is never offered the approval; officer 2 is once the
    # call-back confirmed the instruction (issue 10 item 2).
    actions.prepare_release(people["agent1"], t.pk, expected_sha256=digest, password=PASSWORD)
    t = type(t).objects.get(pk=t.pk)
    officer1, officer2 = Now(people["agent1"], deposited), Now(people["agent2"], deposited)
    said = refusal(
        lambda: actions.approve_release(
            people["agent1"], t.pk, expected_sha256=digest, transfer_reference="TA-1", password=PASSWORD
        )
    )
    assert officer1.why_not("approve_release", t) == said and "four eyes" in said
    assert not officer2.may("approve_release", t) and officer2.may("record_call_back", t)
    confirm_call_back(deposited, people, t)
    assert officer2.may("approve_release", t) and not officer1.may("approve_release", t)
    assert officer1.tranche_actions(t) == [
        "withdraw_preparation",
        "record_call_back",
        "raise_dispute",
        "propose_adjustment",
    ]  # SPA 8.1: suspending is the issuer's

    # Roles the table refuses get the table's refusal, with the clause.
    seller = Now(people["seller"], deposited)
    assert "EA 3.2" in seller.why_not("approve_release", t) and not seller.may("approve_release", t)
