"""The signing ceremony: the exact document, a plain summary, intent, re-authentication, a receipt."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from escrow import actions
from escrow.contract.errors import DomainError
from escrow.models import DealParty, Role, Signature
from escrow.usecases.permissions import refusal, require
from escrow.views.common import attempt, client_ip, deal_for, done, instrument_for, now_for, stale, user_agent, viewer
from escrow.views.forms import SignForm
from parties.twofactor import has_two_factor


@login_required
def sign(request, pk):
    instrument = instrument_for(request, pk)
    deal = instrument.tranche.deal
    now = now_for(request, deal)
    role, can, action = now.role, now.can, f"sign_{instrument.kind}"
    off_register = _off_register(request.user, deal, role, instrument, can)
    if request.method == "POST" and not can.get(action):
        # Every role on the deal may read the document here; only the register's signatories may sign it.
        raise PermissionDenied(off_register or refusal(role, action))
    two_factor = has_two_factor(request.user)
    # Issue 12 item 3: signed already (by this person or for this party), no longer open, or the year moved on:
    # no form, on GET, on Back and on a form posted anyway; why, and a link to the year.
    reason = bool(role in instrument.required_roles and can.get(action)) and now.why_not(
        action, instrument.tranche, instrument
    )
    form = SignForm(
        request.POST or None, two_factor=two_factor, initial={"expected_sha256": instrument.document.sha256}
    )
    if request.method == "POST" and form.is_valid() and not reason:
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
    context = {
        "deal": deal,
        "tranche": instrument.tranche,
        "instrument": instrument,
        "form": form,
        "role": role,
        "two_factor": two_factor,
        "seller": _seller(deal),
        "signatures": instrument.signatures.select_related("party__organisation", "signer"),
        "explanations": (instrument.calculation or {}).get("explanations", []),
        "may_sign": bool(role and role in instrument.required_roles and can.get(action)),
        "off_register": off_register,
        "receipt": _receipt(instrument, request.user),
        # Issue 12 item 8: a party that has neither signed nor declined may decline, with a reason.
        "may_decline": now.may("decline_to_sign", instrument=instrument),
    }
    if reason:
        back = reverse("escrow:tranche", args=[deal.slug, instrument.tranche.year])
        return stale(request, "escrow/sign.html", context, reason, back_url=back, tranche=instrument.tranche)
    return render(request, "escrow/sign.html", context, status=400 if request.method == "POST" else 200)


def _receipt(instrument, user):
    """The viewer's own signature of this document, for the link to its receipt."""
    return next((s for s in instrument.signatures.all() if s.signer_id == user.pk), None)


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
