"""Issue 12 item 8: a signatory declines to sign with a reason. Not a dispute (EA 3.3): the instrument stays
open, the tranche where it was (RULES.md gives a decline no effect on the state), the others are told."""

import pytest

from escrow import actions
from escrow.contract.errors import InvalidInput, NotAllowed, NotFound, WrongState
from escrow.models import Decline, HistoryAction, HistoryEntry, Instrument, Notification
from tests.conftest import PASSWORD, make_pdf, open_and_file, tranche

pytestmark = pytest.mark.django_db
REASON = "The revenue includes a related-party sale; we will not sign this quantity."


@pytest.fixture
def instruction(deposited, people):
    open_and_file(deposited, people, 1, "598500000")
    return Instrument.objects.get(tranche__deal=deposited, tranche__year=1, status="open")


def test_a_decline_is_recorded_and_changes_no_state(deposited, people, instruction):
    decline = actions.decline_to_sign(people["purchaser"], instruction.pk, reason=f"  {REASON} ")
    assert decline.reason == REASON and decline.party.role == "purchaser"
    instruction.refresh_from_db()
    assert instruction.status == "open" and tranche(deposited, 1).state == "awaiting_instruction"
    entry = HistoryEntry.objects.get(action=HistoryAction.SIGNATURE_DECLINED)
    assert entry.details["reason"] == REASON and entry.details["instrument"] == instruction.pk
    assert entry.clause == "EA 3.1(b)" and not entry.to_state and "declined to sign" in entry.summary


def test_the_others_the_agent_and_the_auditor_are_told(deposited, people, instruction):
    actions.decline_to_sign(people["purchaser"], instruction.pk, reason=REASON)
    told = set(Notification.objects.filter(dedupe_key__startswith="declined:").values_list("user__username", flat=True))
    assert {"issuer", "seller", "agent1", "agent2", "auditor"} <= told and "purchaser" not in told
    note = Notification.objects.filter(user=people["issuer"], dedupe_key__startswith="declined:").get()
    assert "declined to sign" in note.subject and REASON in note.body and "not a dispute" in note.body


def test_the_party_may_still_sign_after_declining(deposited, people, instruction):
    actions.decline_to_sign(people["issuer"], instruction.pk, reason=REASON)
    for who in ("issuer", "purchaser"):
        actions.sign_instrument(
            people[who], instruction.pk, expected_sha256=instruction.document.sha256, password=PASSWORD
        )
    assert tranche(deposited, 1).state == "instructed"


def test_refusals(deposited, people, instruction):
    with pytest.raises(InvalidInput, match="Say why") as refused:
        actions.decline_to_sign(people["issuer"], instruction.pk, reason=" ")
    assert refused.value.field == "reason"
    with pytest.raises(NotAllowed, match="not a signatory"):  # EA 3.1(b): A and B sign the instruction
        actions.decline_to_sign(people["seller"], instruction.pk, reason=REASON)
    with pytest.raises(NotAllowed):  # the auditor signs nothing
        actions.decline_to_sign(people["auditor"], instruction.pk, reason=REASON)
    actions.decline_to_sign(people["issuer"], instruction.pk, reason=REASON)
    with pytest.raises(WrongState, match="already declined"):
        actions.decline_to_sign(people["issuer"], instruction.pk, reason="Again")
    actions.sign_instrument(
        people["purchaser"], instruction.pk, expected_sha256=instruction.document.sha256, password=PASSWORD
    )
    with pytest.raises(WrongState, match="already signed"):
        actions.decline_to_sign(people["purchaser"], instruction.pk, reason=REASON)
    assert Decline.objects.count() == 1


def test_a_superseded_document_cannot_be_declined(deposited, people, instruction):
    actions.correct_report(
        people["auditor"], tranche(deposited, 1).pk, audited_revenue="665000000", pdf=make_pdf(), reason="Typo"
    )
    with pytest.raises(WrongState, match="superseded"):
        actions.decline_to_sign(people["issuer"], instruction.pk, reason=REASON)


def test_outsiders_get_not_found(deposited, people, instruction, outsider):
    with pytest.raises(NotFound):
        actions.decline_to_sign(outsider, instruction.pk, reason=REASON)
