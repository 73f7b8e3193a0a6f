"""The signing ceremony: the exact document, a plain summary, intent, re-authentication, a receipt."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from escrow import actions
from escrow.contract.errors import DomainError
from escrow.models import DealParty, Role, Signature
from escrow.usecases.permissions import refusal, require
from escrow.views.common import attempt, client_ip, deal_for, done, instrument_for, user_agent, viewer
from escrow.views.forms import SignForm
from parties.twofactor import has_two_factor


@login_required
def sign(request, pk):
    instrument = instrument_for(request, pk)
    deal = instrument.tranche.deal
    role, can = viewer(request, deal)
    off_register = _off_register(request.user, deal, role, instrument, can)
    if request.method == "POST" and not can.get(f"sign_{instrument.kind}"):
        # Every role on the deal may read the document here; only the register's signatories may sign it.
        raise PermissionDenied(off_register or refusal(role, f"sign_{instrument.kind}"))
    two_factor = has_two_factor(request.user)
    form = SignForm(
        request.POST or None, two_factor=two_factor, initial={"expected_sha256": instrument.document.sha256}
    )
    if request.method == "POST" and form.is_valid():
        _result, ok = attempt(
            request,
            form,
            actions.sign_instrument,
            request.user,
            instrument.pk,
            expected_sha256=form.cleaned_data["expected_sha256"],
            ip=client_ip(request),
            user_agent=user_agent(request),
            **form.credentials(),
        )
        if ok:
            signature = Signature.objects.get(instrument=instrument, signer=request.user)
            done(request, _("Signed. Keep the document hash below as your receipt."))
            return redirect("escrow:signature_receipt", pk=signature.pk)
    return render(
        request,
        "escrow/sign.html",
        {
            "deal": deal,
            "tranche": instrument.tranche,
            "instrument": instrument,
            "form": form,
            "role": role,
            "two_factor": two_factor,
            "seller": _seller(deal),
            "signatures": instrument.signatures.select_related("party__organisation", "signer"),
            "explanations": (instrument.calculation or {}).get("explanations", []),
            "may_sign": bool(role and role in instrument.required_roles and can.get(f"sign_{instrument.kind}")),
            "off_register": off_register,
            # Issue 12 item 8: a party that has neither signed nor declined may decline, with a reason.
            "may_decline": can.get("decline_to_sign")
            and not instrument.declines.filter(party__role=role).exists()
            and not instrument.signatures.filter(party__role=role).exists(),
        },
        status=400 if request.method == "POST" else 200,
    )


def _off_register(user, deal, role, instrument, can):
    """Why a member of a signing party may not sign (issue 10 item 1: staff, or not on the deal's register),
    in the words the action itself would refuse with; "" when that is not the reason."""
    action = f"sign_{instrument.kind}"
    if not role or role not in instrument.required_roles or can.get(action):
        return ""
    try:
        require(user, deal, action)
    except DomainError as exc:
        return exc.message
    return ""


def _seller(deal):
    party = DealParty.objects.filter(deal=deal, role=Role.SELLER).select_related("organisation").first()
    return party.organisation if party else None


@login_required
def signature_receipt(request, pk):
    signature = get_object_or_404(
        Signature.objects.select_related(
            "instrument__document", "instrument__tranche", "party__organisation", "signer"
        ),
        pk=pk,
    )
    deal = deal_for(request, signature.instrument.tranche.deal_id)
    return render(
        request,
        "escrow/signature_receipt.html",
        {
            "deal": deal,
            "signature": signature,
            "instrument": signature.instrument,
            "tranche": signature.instrument.tranche,
            "matches": signature.sha256 == signature.instrument.document.sha256,
            "is_mine": signature.signer_id == request.user.pk,
            "role": viewer(request, deal)[0],  # the signer's origin is the agent's and compliance's to see
        },
    )
