"""The transfer, four eyes (EA 3.2): one officer prepares, a second, different officer approves."""

from dataclasses import replace
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from escrow.actions.base import lock_tranche, run_transition
from escrow.actions.callbacks import call_back_details
from escrow.actions.movements import write_movement
from escrow.actions.reauth import reauthenticate
from escrow.actions.transfer_evidence import check_facts, record_evidence, store_confirmation
from escrow.contract.errors import InvalidInput, WrongState
from escrow.contract.moments import beijing_clock
from escrow.models import HistoryAction, Instrument, Role, ShareMovement
from escrow.notifications.notify import notify_roles
from escrow.notifications.texts import Text
from escrow.queries import preconditions
from escrow.queries.clock import contract_today
from escrow.usecases.permissions import require


def effective_instruction(tranche):
    return (
        tranche.instruments.filter(kind=Instrument.Kind.JOINT_INSTRUCTION, status=Instrument.Status.EFFECTIVE)
        .select_related("document")
        .last()
    )


def _check_hash(tranche, expected_sha256):
    instruction = effective_instruction(tranche)
    if instruction is None or (expected_sha256 or "").lower() != instruction.document.sha256:
        raise InvalidInput(_("The instruction you reviewed is not the signed one; reload the page and check its hash."))
    return instruction


@transaction.atomic
def prepare_release(actor, tranche_id, *, expected_sha256, password=None, otp_token=None):
    """EA 3.2: the first officer checks the signed instruction and prepares the transfer."""
    tranche = lock_tranche(tranche_id)
    party = require(actor, tranche.deal, "prepare_release")
    preconditions.preparable(tranche)
    instruction = _check_hash(tranche, expected_sha256)
    method = reauthenticate(actor, password=password, otp_token=otp_token)
    run_transition(
        tranche,
        "prepare_release",
        actor,
        actor=actor,
        party=party,
        action=HistoryAction.RELEASE_PREPARED,
        clause="EA 3.2",
        summary=f"{actor} prepared the transfer of {tranche.release_quantity:,} shares",
        details={"instruction_sha256": instruction.document.sha256, "auth_method": method},
    )
    notify_roles(
        tranche.deal,
        [Role.ESCROW_AGENT],
        tranche=tranche,
        key=f"prepared:{tranche.pk}:{instruction.pk}",
        clause="EA 3.2",
        due=tranche.transfer_due_date,
        subject=Text(
            gettext_lazy("%(deal)s: year %(year)s release prepared — a second officer must approve"),
            deal=tranche.deal.name,
            year=tranche.year,
        ),
    )
    return tranche


@transaction.atomic
def withdraw_preparation(actor, tranche_id, *, reason):
    """Four eyes: the reviewing officer sends the preparation back."""
    tranche = lock_tranche(tranche_id)
    party = require(actor, tranche.deal, "withdraw_preparation")
    preconditions.withdrawable(tranche)
    if not (reason or "").strip():
        raise InvalidInput(_("Say why the preparation goes back."))
    run_transition(
        tranche,
        "withdraw_preparation",
        actor=actor,
        party=party,
        action=HistoryAction.PREPARATION_WITHDRAWN,
        clause="EA 3.2",
        summary=f"Preparation sent back: {reason.strip()}",
        details={"reason": reason},
    )
    return tranche


@transaction.atomic
def approve_release(
    actor,
    tranche_id,
    *,
    expected_sha256,
    transfer_reference,
    transfer_date=None,
    transfer_agent=None,
    recipient_account=None,
    confirmation=None,
    confirmation_name="",
    password=None,
    otp_token=None,
):
    """EA 3.2: a second officer approves; the shares leave escrow in the same transaction.

    Issue 11 item 4: the approval records the transfer agent's facts (the date of the transfer, the agent,
    the seller's account there) and, when the officer has it, the agent's confirmation PDF
    (escrow.actions.transfer_evidence says why that may follow later)."""
    tranche = lock_tranche(tranche_id)
    party = require(actor, tranche.deal, "approve_release")
    # The state, four eyes and the call-back (issue 10 item 2): what the pages ask before offering it.
    call_back = preconditions.approvable(tranche, actor)
    if not (transfer_reference or "").strip():
        raise InvalidInput(_("Enter the transfer agent's reference for the share transfer."))
    instruction = _check_hash(tranche, expected_sha256)
    today = contract_today()
    facts = check_facts(
        transfer_date=transfer_date,
        transfer_agent=transfer_agent,
        recipient_account=recipient_account,
        today=today,
        earliest=_effective_day(instruction),
        earliest_words=_("the day the joint instruction took effect (EA 3.1(b))"),
    )
    method = reauthenticate(actor, password=password, otp_token=otp_token)
    quantity = tranche.release_quantity or 0
    balance = tranche.deal.movements.balances()["in_escrow"]
    if quantity > balance:
        raise WrongState(
            _("%(quantity)s shares exceed the %(balance)s in escrow; tell compliance.")
            % {"quantity": f"{quantity:,}", "balance": f"{balance:,}"}
        )
    facts = replace(
        facts,
        confirmation=store_confirmation(
            deal=tranche.deal, tranche=tranche, upload=confirmation, by=actor, original_name=confirmation_name
        ),
    )
    if quantity:
        movement = write_movement(
            deal=tranche.deal,
            tranche=tranche,
            kind=ShareMovement.Kind.RELEASE,
            quantity=quantity,
            fact_key=f"release:{tranche.pk}",
            reference=transfer_reference.strip(),
            actor=actor,
        )
        record_evidence(movement, facts, actor)
    run_transition(
        tranche,
        "record_release",
        today,
        transfer_reference.strip(),
        actor=actor,
        party=party,
        action=HistoryAction.RELEASED,
        clause="EA 3.2",
        summary=(
            f"{quantity:,} shares released to the seller (prepared by {tranche.prepared_by}, approved by {actor}; "
            f"{_call_back_words(tranche.deal, call_back)})"
        ),
        details={
            "quantity": quantity,
            "transfer_reference": transfer_reference.strip(),
            "transfer": facts.details(transfer_reference.strip()),
            "instruction_sha256": instruction.document.sha256,
            "auth_method": method,
            "transfer_due": tranche.transfer_due_date,
            "late": bool(tranche.transfer_due_date and today > tranche.transfer_due_date),
            "call_back": call_back_details(call_back) if call_back else None,
            "call_back_waived": call_back is None,
            **({"call_back_waiver_reason": tranche.deal.call_back_waiver_reason} if call_back is None else {}),
        },
    )
    notify_roles(
        tranche.deal,
        [Role.ISSUER, Role.PURCHASER, Role.SELLER, Role.ESCROW_AGENT],
        tranche=tranche,
        key=f"released:{tranche.pk}",
        clause="EA 3.2",
        subject=Text(
            gettext_lazy("%(deal)s: %(shares)s shares of year %(year)s released"),
            deal=tranche.deal.name,
            shares=f"{quantity:,}",
            year=tranche.year,
        ),
    )
    return tranche


def _effective_day(instruction):
    """The Beijing date the joint instruction took effect: no transfer under it can be earlier (EA 3.2)."""
    if instruction.effective_at is None:
        return None
    return instruction.effective_at.astimezone(ZoneInfo(settings.CONTRACT_TIME_ZONE)).date()


def _call_back_words(deal, call_back):
    if call_back is None:
        return f"call-back waived: {deal.call_back_waiver_reason}"
    signatory = call_back.signatory
    return (
        f"call-back by {call_back.officer} to {signatory.name} on {call_back.number_called} "
        f"at {beijing_clock(call_back.called_at)} Beijing time confirmed"
    )
