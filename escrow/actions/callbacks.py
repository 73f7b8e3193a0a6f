"""The call-back before a release (issue 10 item 2; EA 3.2 four eyes plus the banks' call-back practice).

An instruction that reaches the agent through the portal could come from a stolen password or a signer
acting alone. Before the second officer approves, an officer telephones another registered signatory of
the issuer or the purchaser, on the number the register holds (never one the instruction or the caller
supplies), and records the answer. escrow.actions.releases.approve_release refuses without a confirmed
call-back for the effective instruction unless the deal waives it.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from escrow.actions.base import lock_deal, lock_tranche, record
from escrow.contract.errors import InvalidInput, WrongState
from escrow.models import CallBack, HistoryAction, Role, Signatory
from escrow.models.deal import CONTRACT_PARTIES
from escrow.notifications.notify import notify_roles
from escrow.notifications.texts import Text, in_english
from escrow.queries import preconditions
from escrow.queries.callbacks import CALLED_ROLES, active_register, last_signer_id
from escrow.usecases.permissions import require, require_staff

CLAUSE = "EA 3.2"


@transaction.atomic
def record_call_back(actor, tranche_id, *, signatory_id, outcome, note=""):
    """An escrow-agent officer records a call-back about the tranche's effective joint instruction."""
    tranche = lock_tranche(tranche_id)
    party = require(actor, tranche.deal, "record_call_back")
    instruction = preconditions.call_back_due(tranche)  # the effective instruction, before the approval
    if outcome not in CallBack.Outcome.values:
        raise InvalidInput(_("Choose the outcome of the call: confirmed, not confirmed or no answer."))
    note = (note or "").strip()
    if outcome == CallBack.Outcome.NOT_CONFIRMED and not note:
        raise InvalidInput(_("Say what the signatory told you: the instruction was not confirmed."))
    signatory = _callable(tranche, instruction, signatory_id)
    call_back = CallBack.objects.create(
        tranche=tranche,
        instrument=instruction,
        instrument_sha256=instruction.document.sha256,
        officer=actor,
        signatory=signatory,
        number_called=signatory.phone.strip(),
        called_at=timezone.now(),
        outcome=outcome,
        note=note,
    )
    _record_history(actor, party, tranche, call_back)
    if outcome == CallBack.Outcome.NOT_CONFIRMED:
        _warn_not_confirmed(tranche, call_back)
    return call_back


def _callable(tranche, instruction, signatory_id) -> Signatory:
    """The register entry called: in force now, of the issuer or the purchaser (who gave the instruction,
    EA 3.1(b)), and not the person who signed it last (otherwise the call confirms nothing: four eyes)."""
    signatory = (
        Signatory.objects.select_related("party__organisation").filter(pk=signatory_id, deal=tranche.deal).first()
        if str(signatory_id or "").isdigit()
        else None
    )
    if signatory is None:
        raise InvalidInput(_("Choose the signatory you called from this deal's signatory register."))
    if not active_register(tranche.deal).filter(pk=signatory.pk).exists():
        raise InvalidInput(
            _("%(name)s is not on the signatory register now; call a signatory whose entry is in force.")
            % {"name": signatory.name}
        )
    if signatory.party.role not in CALLED_ROLES or signatory.party.ended_at is not None:
        raise InvalidInput(
            _(
                "%(name)s signs for the %(role)s; call back a registered signatory of the issuer or the purchaser, "
                "who gave the instruction (EA 3.1(b))."
            )
            % {"name": signatory.name, "role": Role(signatory.party.role).label}
        )
    if signatory.person_id == last_signer_id(instruction):
        raise InvalidInput(
            _(
                "%(name)s signed the instruction last; call back another registered signatory of the issuer or "
                "the purchaser (four eyes)."
            )
            % {"name": signatory.name}
        )
    if not signatory.phone.strip():
        raise InvalidInput(
            _("The register has no telephone number for %(name)s; call another signatory.") % {"name": signatory.name}
        )
    return signatory


def _record_history(actor, party, tranche, call_back):
    signatory = call_back.signatory
    role = signatory.party.role
    record(
        tranche.deal,
        action=HistoryAction.CALL_BACK_RECORDED,
        actor=actor,
        party=party,
        tranche=tranche,
        clause=CLAUSE,
        summary=(
            f"{actor} called {signatory.name} ({signatory.title}, {role}) on {call_back.number_called} "
            f"about the instruction {call_back.instrument_sha256[:12]}: "
            f"{in_english(call_back.get_outcome_display())}"
        ),
        details=call_back_details(call_back),
    )


def call_back_details(call_back) -> dict:
    """Who was called, on which number from the register, when, by whom, about what and with what answer:
    in the call-back's own history entry and in the release that relied on it."""
    signatory = call_back.signatory
    return {
        "call_back": call_back.pk,
        "officer": str(call_back.officer),
        "signatory": signatory.pk,
        "signatory_name": signatory.name,
        "signatory_title": signatory.title,
        "signatory_party": signatory.party.role,
        "number_called": call_back.number_called,
        "called_at": call_back.called_at,
        "outcome": call_back.outcome,
        "note": call_back.note,
        "instruction_sha256": call_back.instrument_sha256,
    }


def _warn_not_confirmed(tranche, call_back):
    """A signatory who does not recognise the instruction: everyone who gave it and the agent must know."""
    notify_roles(
        tranche.deal,
        [Role.ISSUER, Role.PURCHASER, Role.ESCROW_AGENT],
        tranche=tranche,
        key=f"call-back-denied:{call_back.pk}",
        clause=CLAUSE,
        subject=Text(
            gettext_lazy("%(deal)s: year %(year)s instruction not confirmed on the call-back — the release is stopped"),
            deal=tranche.deal.name,
            year=tranche.year,
        ),
    )


@transaction.atomic
def set_call_back_waiver(actor, deal, *, waived, reason):
    """Waive (or restore) the call-back before release for one deal.

    Staff administering the deal decide it, with `escrow.change_deal`, not an escrow-agent officer: the
    call-back is a check on the agent's own approval, so the officers it checks must not be able to switch
    it off (separation of duties). Staff hold no contract role and can never approve a release themselves;
    every change is in the deal's history and every contract party is told.
    """
    require_staff(actor, "set_call_back_waiver")
    deal = lock_deal(deal.pk if hasattr(deal, "pk") else deal)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why the call-back is waived or restored."))
    waived = bool(waived)
    if deal.call_back_waived == waived:
        raise WrongState(
            _("The call-back before release is already waived on this deal.")
            if waived
            else _("The call-back before release is already required on this deal.")
        )
    deal.call_back_waived, deal.call_back_waiver_reason = waived, reason if waived else ""
    deal.save(update_fields=["call_back_waived", "call_back_waiver_reason"])
    record(
        deal,
        action=HistoryAction.CALL_BACK_WAIVER_SET,
        actor=actor,
        clause=CLAUSE,
        summary=f"{actor} {'waived' if waived else 'restored'} the call-back before release: {reason}",
        details={"waived": waived, "reason": reason},
    )
    notify_roles(
        deal,
        list(CONTRACT_PARTIES),
        key=f"call-back-waiver:{deal.pk}:{deal.history.count()}",
        clause=CLAUSE,
        subject=Text(
            gettext_lazy("%(deal)s: the call-back before release is waived")
            if waived
            else gettext_lazy("%(deal)s: the call-back before release is required again"),
            deal=deal.name,
        ),
    )
    return deal
