"""EA 3.2, four eyes: officer 1 prepares and officer 2 approves, each against the signed hash."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from escrow import actions
from escrow.models import Instrument
from escrow.queries.clock import transfer_provisional
from escrow.usecases.permissions import refusal
from escrow.views.common import attempt, deal_for, done, tranche_for, viewer
from escrow.views.forms import ApproveForm, PrepareForm
from parties.twofactor import has_two_factor


def _effective_instruction(tranche):
    return (
        tranche.instruments.filter(kind=Instrument.Kind.JOINT_INSTRUCTION, status=Instrument.Status.EFFECTIVE)
        .select_related("document")
        .prefetch_related("signatures__party__organisation", "signatures__signer")
        .order_by("created_at")
        .last()
    )


def _release_page(request, slug, year, *, name, form_class, action, template, message, extra=()):
    deal = deal_for(request, slug)
    tranche = tranche_for(request, deal, year)
    role, can = viewer(request, deal)
    if request.method == "POST" and not can.get(name):
        # Every role on the deal may look at the page (and the instruction); only EA 3.2 officers act.
        raise PermissionDenied(refusal(role, name))
    instruction = _effective_instruction(tranche)
    form = form_class(
        request.POST or None,
        two_factor=has_two_factor(request.user),
        initial={"expected_sha256": instruction.document.sha256 if instruction else ""},
    )
    if request.method == "POST" and form.is_valid():
        kwargs = {k: form.cleaned_data[k] for k in extra}
        _r, ok = attempt(
            request,
            form,
            action,
            request.user,
            tranche.pk,
            expected_sha256=form.cleaned_data["expected_sha256"],
            **form.credentials(),
            **kwargs,
        )
        if ok:
            done(request, message)
            return redirect("escrow:tranche", slug=deal.slug, year=tranche.year)
    return render(
        request,
        template,
        {
            "deal": deal,
            "tranche": tranche,
            "role": role,
            "can": can,
            "form": form,
            "instruction": instruction,
            "transfer_provisional": transfer_provisional(tranche),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def prepare_release(request, slug, year):
    return _release_page(
        request,
        slug,
        year,
        name="prepare_release",
        form_class=PrepareForm,
        action=actions.prepare_release,
        template="escrow/prepare_release.html",
        message=_("Release prepared. A second, different officer must approve it."),
    )


@login_required
def approve_release(request, slug, year):
    return _release_page(
        request,
        slug,
        year,
        name="approve_release",
        form_class=ApproveForm,
        action=actions.approve_release,
        template="escrow/approve_release.html",
        extra=("transfer_reference",),
        message=_("Release approved: the shares left escrow."),
    )
