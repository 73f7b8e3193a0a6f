"""The tranche page: documents, signatures, state history, the calculation and its why, penalties,
and only the actions the viewer may take now."""

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import render

from escrow.models import Instrument, Signature
from escrow.queries.clock import transfer_provisional
from escrow.queries.history import history_of
from escrow.queries.reports import correction_blocked, declines_of, reports_of
from escrow.queries.steps import next_step, signed_roles_of
from escrow.queries.transfers import release_record
from escrow.usecases.permissions import may
from escrow.views.common import deal_for, tranche_for, viewer
from escrow.views.links import SIGN_KINDS, open_instrument, step_url
from escrow.views.penalty import penalty_rows
from escrow.views.releases import call_back_context, call_back_form

# django-fsm transitions the state machine offers now -> the action (and form) that runs them.
TRANSITION_ACTIONS = {
    "hold_for_dispute": ["raise_dispute"],
    "suspend": ["suspend_release"],
    "apply_new_quantity": ["propose_adjustment"],
    "withdraw_preparation": ["withdraw_preparation"],
    "lift_suspension": ["lift_suspension"],
}
# Actions that resolve the step named by next_step, besides the step itself.
STEP_COMPANIONS = {"propose_settlement": ["file_award"]}


@login_required
def tranche_page(request, slug, year):
    deal = deal_for(request, slug)
    tranche = tranche_for(request, deal, year)
    role, can = viewer(request, deal)
    instruments = list(_instruments(tranche))
    tranche.open_instruments = [i for i in instruments if i.status == Instrument.Status.OPEN]
    step = next_step(tranche, signed_roles=signed_roles_of(tranche))
    call_back = call_back_context(tranche)
    return render(
        request,
        "escrow/tranche.html",
        {
            "deal": deal,
            "tranche": tranche,
            "role": role,
            "can": can,
            "step": step,
            "my_turn": bool(role and role in step.roles),
            "step_url": step_url(deal, tranche, step.action),
            "offers": offers(deal, tranche, role, step, call_back, can),
            "to_sign": _to_sign(request.user, role, tranche.open_instruments, can),
            "instruments": instruments,
            "documents": tranche.documents.select_related("uploaded_by").order_by("uploaded_at"),
            "history": history_of(deal, tranche=tranche).select_related("actor"),
            "holds": tranche.holds.select_related("raised_by", "raised_for__organisation", "ended_by"),
            "explanations": (tranche.calculation or {}).get("explanations", []),
            "penalties": penalty_rows(tranche),
            "transfer_provisional": transfer_provisional(tranche),
            "transfer": release_record(tranche),  # issue 11 item 4: the transfer agent's evidence
            "reports": reports_of(tranche),  # issue 12 item 8: corrected reports kept, with the reason
            "declines": declines_of(tranche),
            **call_back,
            "call_back_form": call_back_form(tranche)
            if can.get("record_call_back") and call_back["call_back_open"]
            else None,
        },
    )


def _instruments(tranche):
    signatures = Prefetch("signatures", queryset=Signature.objects.select_related("party__organisation", "signer"))
    return tranche.instruments.select_related("document").prefetch_related(signatures).order_by("created_at")


def offers(deal, tranche, role, step, call_back=None, can=None):
    """(action, url) the viewer may take now: the next step if it is theirs, and the holds and
    changes the state machine allows from here, filtered by the role table. The approval is offered
    only once a call-back has confirmed the instruction or the deal waives it (issue 10 item 2); until
    then the call-back is offered in its place. `can` (views.common.viewer) leaves out signing and
    approving for a person off the deal's register."""
    if not role:
        return []
    actions = []
    if role in step.roles and step.action:
        actions += [step.action, *STEP_COMPANIONS.get(step.action, [])]
    if call_back and call_back["call_back_open"] and not call_back["call_back"].clears_approval:
        actions = [a for a in actions if a != "approve_release"] + ["record_call_back"]
    for transition in tranche.get_available_state_transitions():
        actions += TRANSITION_ACTIONS.get(transition.name, [])
    if not correction_blocked(tranche):
        actions.append("correct_report")  # issue 12 item 8: the firm's report, before any signature
    seen, result = set(), []
    for action in actions:
        if action in SIGN_KINDS and open_instrument(tranche, SIGN_KINDS[action]) is not None:
            continue  # offered as "Review and sign" (to_sign) for the parties still to sign
        url = step_url(deal, tranche, action)
        if action not in seen and url and (can.get(action) if can is not None else may(role, action)):
            seen.add(action)
            result.append((action, url))
    return result


def _to_sign(user, role, open_instruments, can):
    """Open instruments the viewer's party must still sign, if the viewer may sign them (the register)."""
    result = []
    for instrument in open_instruments:
        if not can.get(f"sign_{instrument.kind}"):
            continue
        signed = {s.party.role for s in instrument.signatures.all()}
        signers = {s.signer_id for s in instrument.signatures.all()}
        if role in instrument.required_roles and role not in signed and user.pk not in signers:
            result.append(instrument)
    return result
