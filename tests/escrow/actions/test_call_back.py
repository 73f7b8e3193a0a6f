"""The call-back before a release (issue 10 item 2): EA 3.2 four eyes plus the banks' call-back practice.

Officer 2 may approve only after an officer has called a registered signatory of the issuer or the purchaser,
other than the person who signed the effective joint instruction last, on the number the register holds,
and that signatory confirmed it; a per-deal waiver set by staff (in the history) lifts the requirement.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import IntegrityError, InternalError, ProgrammingError, transaction
from django.utils import timezone

from escrow import actions
from escrow.contract.errors import InvalidInput, NotAllowed, NotFound, WrongState
from escrow.models import CallBack, HistoryAction, HistoryEntry, Notification, ShareMovement
from tests.conftest import PASSWORD, make_pdf, open_and_file, sign_instruction, tranche
from tests.escrow.call_backs import confirm_call_back, registered
from tests.factories import make_deal

CONFIRMED, NOT_CONFIRMED, NO_ANSWER = CallBack.Outcome.values


@pytest.fixture
def prepared(deposited, people):
    """Year 1 on target, the joint instruction signed by the issuer then the purchaser (EA 3.1(b)), and
    prepared by officer 1 (EA 3.2)."""
    open_and_file(deposited, people, 1, "665000000")
    t, instruction = sign_instruction(deposited, people, 1)
    actions.prepare_release(people["agent1"], t.pk, expected_sha256=instruction.document.sha256, password=PASSWORD)
    return tranche(deposited, 1), instruction


@pytest.fixture
def staff(db):
    """Platform staff administering deals: escrow.change_deal, no contract role."""
    user = get_user_model().objects.create_user("deskstaff", password=PASSWORD, is_staff=True)
    user.user_permissions.add(Permission.objects.get(content_type__app_label="escrow", codename="change_deal"))
    return get_user_model().objects.get(pk=user.pk)


def approve(people, t, instruction, officer="agent2"):
    return actions.approve_release(
        people[officer], t.pk, expected_sha256=instruction.document.sha256, transfer_reference="TA-1", password=PASSWORD
    )


def call(people, t, entry, outcome=CONFIRMED, officer="agent1", note="Quantity and hash confirmed"):
    return actions.record_call_back(people[officer], t.pk, signatory_id=entry.pk, outcome=outcome, note=note)


def nothing_written(deal):
    """What a refused call-back would have written: the call-back row and its history entry."""
    return (CallBack.objects.count(), HistoryEntry.objects.filter(deal=deal).count())


# --- approval needs the call-back ------------------------------------------------------------------------


def test_approval_without_a_call_back_is_refused_and_changes_nothing(deposited, people, prepared):
    t, instruction = prepared
    with pytest.raises(WrongState, match="Record a confirmed call-back first") as refused:
        approve(people, t, instruction)
    assert refused.value.clause == "EA 3.2"
    assert tranche(deposited, 1).state == "release_prepared"
    assert not ShareMovement.objects.filter(kind="release").exists()


def test_no_answer_is_no_confirmation(deposited, people, prepared):
    t, instruction = prepared
    call(people, t, registered(deposited, people["issuer"]), NO_ANSWER, note="")
    with pytest.raises(WrongState, match="Record a confirmed call-back first"):
        approve(people, t, instruction)


def test_approval_names_the_call_back_it_relied_on(deposited, people, prepared):
    t, instruction = prepared
    entry = registered(deposited, people["issuer"])
    call_back = call(people, t, entry)
    approve(people, t, instruction)
    released = HistoryEntry.objects.get(deal=deposited, action=HistoryAction.RELEASED)
    details = released.details["call_back"]
    assert details["call_back"] == call_back.pk
    assert details["signatory_name"] == entry.name and details["number_called"] == entry.phone
    assert details["officer"] == str(people["agent1"]) and details["outcome"] == CONFIRMED
    assert details["instruction_sha256"] == instruction.document.sha256
    assert released.details["call_back_waived"] is False
    assert entry.name in released.summary and entry.phone in released.summary
    assert tranche(deposited, 1).state == "released"


def test_the_call_back_is_in_the_history_with_who_number_when_and_outcome(deposited, people, prepared):
    t, instruction = prepared
    entry = registered(deposited, people["issuer"])
    before = timezone.now()
    call_back = call(people, t, entry)
    assert call_back.number_called == entry.phone  # copied from the register, never typed by the officer
    assert call_back.instrument_sha256 == instruction.document.sha256
    recorded = HistoryEntry.objects.get(deal=deposited, action=HistoryAction.CALL_BACK_RECORDED)
    assert recorded.actor == people["agent1"] and recorded.tranche_id == t.pk and recorded.clause == "EA 3.2"
    assert recorded.details["number_called"] == entry.phone
    assert recorded.details["signatory_name"] == entry.name and recorded.details["outcome"] == CONFIRMED
    assert before <= call_back.called_at <= timezone.now()
    assert entry.phone in recorded.summary and "Confirmed the instruction" in recorded.summary


def test_the_call_back_may_be_made_before_the_preparation(deposited, people):
    open_and_file(deposited, people, 1, "665000000")
    t, instruction = sign_instruction(deposited, people, 1)
    confirm_call_back(deposited, people, t, officer="agent2")
    actions.prepare_release(people["agent1"], t.pk, expected_sha256=instruction.document.sha256, password=PASSWORD)
    approve(people, t, instruction)
    assert tranche(deposited, 1).state == "released"


def test_a_signatory_who_does_not_confirm_stops_the_release(deposited, people, prepared):
    """Once a signatory denies the instruction, a later confirmation by someone else does not clear it."""
    t, instruction = prepared
    issuer_entry = registered(deposited, people["issuer"])
    call(people, t, issuer_entry, NOT_CONFIRMED, note="Does not recognise the quantity")
    assert Notification.objects.filter(user=people["issuer"], subject__contains="not confirmed").exists()
    call(people, t, issuer_entry, CONFIRMED, officer="agent2")
    with pytest.raises(WrongState, match="did not confirm this instruction"):
        approve(people, t, instruction)


def test_not_confirmed_needs_a_note(deposited, people, prepared):
    t, _instruction = prepared
    with pytest.raises(InvalidInput, match="Say what the signatory told you"):
        call(people, t, registered(deposited, people["issuer"]), NOT_CONFIRMED, note=" ")


# --- whom the officer may call ----------------------------------------------------------------------------


def test_the_person_who_signed_last_cannot_confirm_their_own_instruction(deposited, people, prepared):
    t, _instruction = prepared  # the purchaser signed after the issuer
    before = nothing_written(deposited)
    with pytest.raises(InvalidInput, match="signed the instruction last"):
        call(people, t, registered(deposited, people["purchaser"]))
    assert nothing_written(deposited) == before


def test_a_seller_cannot_confirm_the_instruction(deposited, people, prepared):
    """EA 3.1(b): the instruction is the issuer's and the purchaser's; the seller receives the shares."""
    t, _instruction = prepared
    before = nothing_written(deposited)
    with pytest.raises(InvalidInput, match="issuer or the purchaser"):
        call(people, t, registered(deposited, people["seller"]))
    assert nothing_written(deposited) == before


def test_someone_not_on_the_register_now_cannot_confirm(deposited, people, prepared):
    t, _instruction = prepared
    entry = registered(deposited, people["issuer"])
    type(entry).objects.filter(pk=entry.pk).update(removed_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(InvalidInput, match="not on the signatory register now"):
        call(people, t, entry)
    pending = type(entry).objects.create(
        deal=deposited,
        party=entry.party,
        person=people["issuer"],
        name="Pending Director",
        title="Director",
        phone="+1 345 555 0199",
        email="pending@x.invalid",
    )  # proposed, not confirmed: no effective_at (issue 10 item 1)
    with pytest.raises(InvalidInput, match="not on the signatory register now"):
        call(people, t, pending)


def test_a_signatory_of_another_deal_or_none_at_all_is_refused(deposited, people, prepared):
    t, _instruction = prepared
    other, other_people = make_deal("cb")
    stranger = registered(other, other_people["issuer"])
    for wrong in (stranger.pk, 0, "x", None):
        with pytest.raises(InvalidInput, match="from this deal's signatory register"):
            actions.record_call_back(people["agent1"], t.pk, signatory_id=wrong, outcome=CONFIRMED)
    with pytest.raises(InvalidInput, match="outcome"):
        call(people, t, registered(deposited, people["issuer"]), "maybe")


def test_only_an_escrow_agent_officer_records_a_call_back(deposited, people, prepared, outsider):
    t, _instruction = prepared
    entry = registered(deposited, people["issuer"])
    for persona in ("issuer", "purchaser", "seller", "auditor"):
        with pytest.raises(NotAllowed, match="record call back"):
            call(people, t, entry, officer=persona)
    with pytest.raises(NotFound):
        actions.record_call_back(outsider, t.pk, signatory_id=entry.pk, outcome=CONFIRMED)


def test_no_call_back_before_the_instruction_is_signed(deposited, people):
    t = open_and_file(deposited, people, 1, "665000000")
    with pytest.raises(WrongState, match="record a call-back"):
        call(people, t, registered(deposited, people["issuer"]))


@pytest.mark.usefixtures("require_postgres")
def test_a_recorded_call_back_cannot_be_rewritten_in_the_database(deposited, people, prepared):
    t, _instruction = prepared
    call_back = call(people, t, registered(deposited, people["issuer"]), NOT_CONFIRMED, note="Unknown quantity")
    for statement in (
        lambda: CallBack.objects.filter(pk=call_back.pk).update(outcome=CONFIRMED),
        lambda: CallBack.objects.filter(pk=call_back.pk).delete(),
    ):
        with pytest.raises((InternalError, ProgrammingError, IntegrityError)), transaction.atomic():
            statement()
    assert CallBack.objects.get(pk=call_back.pk).outcome == NOT_CONFIRMED


# --- the per-deal waiver ----------------------------------------------------------------------------------


def test_a_waived_call_back_lets_the_approval_through_and_is_in_the_history(deposited, people, prepared, staff):
    t, instruction = prepared
    actions.set_call_back_waiver(staff, deposited, waived=True, reason="Parties' written request of 1 Dec 2026")
    waiver = HistoryEntry.objects.get(deal=deposited, action=HistoryAction.CALL_BACK_WAIVER_SET)
    assert waiver.actor == staff and waiver.details == {
        "waived": True,
        "reason": "Parties' written request of 1 Dec 2026",
    }
    assert Notification.objects.filter(user=people["seller"], subject__contains="waived").exists()
    approve(people, t, instruction)
    released = HistoryEntry.objects.get(deal=deposited, action=HistoryAction.RELEASED)
    assert released.details["call_back"] is None and released.details["call_back_waived"] is True
    assert released.details["call_back_waiver_reason"] == "Parties' written request of 1 Dec 2026"
    assert "call-back waived" in released.summary


def test_a_restored_call_back_is_required_again(deposited, people, prepared, staff):
    t, instruction = prepared
    actions.set_call_back_waiver(staff, deposited, waived=True, reason="Request")
    actions.set_call_back_waiver(staff, deposited, waived=False, reason="Request withdrawn")
    assert HistoryEntry.objects.filter(deal=deposited, action=HistoryAction.CALL_BACK_WAIVER_SET).count() == 2
    with pytest.raises(WrongState, match="Record a confirmed call-back first"):
        approve(people, t, instruction)


def test_officers_and_parties_cannot_waive_the_call_back(deposited, people, staff):
    """Separation of duties: the officers the call-back checks cannot switch it off."""
    for persona in ("agent1", "agent2", "issuer"):
        with pytest.raises(NotAllowed, match=r"escrow\.change_deal"):
            actions.set_call_back_waiver(people[persona], deposited, waived=True, reason="Faster")
    with pytest.raises(InvalidInput, match="Say why"):
        actions.set_call_back_waiver(staff, deposited, waived=True, reason=" ")
    with pytest.raises(WrongState, match="already required"):
        actions.set_call_back_waiver(staff, deposited, waived=False, reason="Again")
    assert not type(deposited).objects.get(pk=deposited.pk).call_back_waived
    assert not HistoryEntry.objects.filter(deal=deposited, action=HistoryAction.CALL_BACK_WAIVER_SET).exists()


def test_a_call_back_confirms_one_instruction_only(deposited, people, prepared):
    """A dispute ended by an award (EA 3.3) issues a new instruction: its approval needs its own call-back."""
    t, _old = prepared
    call(people, t, registered(deposited, people["issuer"]))
    actions.raise_dispute(people["issuer"], t.pk, reason="Audit scope")
    actions.file_award(
        people["agent1"], t.pk, quantity=2_700_000, pdf_bytes=make_pdf("award"), reference="CIETAC (2027) No. 17"
    )
    t, new = sign_instruction(deposited, people, 1)
    actions.prepare_release(people["agent1"], t.pk, expected_sha256=new.document.sha256, password=PASSWORD)
    with pytest.raises(WrongState, match="Record a confirmed call-back first"):
        approve(people, t, new)
    confirm_call_back(deposited, people, t)
    approve(people, t, new)
    released = HistoryEntry.objects.get(deal=deposited, action=HistoryAction.RELEASED)
    assert released.details["call_back"]["instruction_sha256"] == new.document.sha256
