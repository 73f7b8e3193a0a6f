"""One page per written request: deposit, auditor approval, dispute, suspension, settlement,
adjustment, award, return for cancellation.

Each page shows its form, runs one action, and shows the action's DomainError message on failure
(nothing changed then). A person whose role may not take the action gets a 403 page.
"""

from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from escrow import actions
from escrow.contract.errors import InvalidInput
from escrow.documents.storage import read_upload
from escrow.models import DealParty, Role, ShareMovement, TrancheState
from escrow.queries.steps import next_step_for_deal
from escrow.usecases.permissions import refusal
from escrow.views import forms
from escrow.views.common import attempt, deal_for, done, now_for, stale, tranche_for, viewer
from escrow.views.transfers import DepositEvidenceForm
from parties.models import Organisation


@dataclass(frozen=True)
class Page:
    """A form page for one action on a tranche."""

    action: str
    form: type
    title: object
    clause: str
    intro: object
    button: object
    success: object
    call: object  # (user, tranche, cleaned_data) -> result
    uploads: tuple = field(default=())


def _file_award(user, tranche, data):
    upload = data["award"]
    return actions.file_award(
        user,
        tranche.pk,
        quantity=data["quantity"],
        pdf_bytes=read_upload(upload),
        reference=data["reference"],
        original_name=upload.name,
    )


PAGES = {
    "raise_dispute": Page(
        "raise_dispute",
        forms.ReasonForm,
        _("Dispute the quantity"),
        "EA 3.3",
        _("A dispute suspends the release until a settlement signed by all parties or an effective award."),
        _("Raise the dispute"),
        _("Dispute recorded; the release is suspended."),
        lambda user, t, d: actions.raise_dispute(user, t.pk, reason=d["reason"]),
    ),
    "suspend_release": Page(
        "suspend_release",
        forms.ReasonForm,
        _("Suspend the release"),
        "SPA 8.1",
        _("The issuer may suspend the release for the seller's breach of its commitments."),
        _("Suspend the release"),
        _("Release suspended."),
        lambda user, t, d: actions.suspend_release(user, t.pk, reason=d["reason"]),
    ),
    "lift_suspension": Page(
        "lift_suspension",
        forms.ReasonForm,
        _("Lift the suspension"),
        "SPA 8.1",
        _("The tranche returns to where it was before the suspension."),
        _("Lift the suspension"),
        _("Suspension lifted."),
        lambda user, t, d: actions.lift_suspension(user, t.pk, reason=d["reason"]),
    ),
    "withdraw_preparation": Page(
        "withdraw_preparation",
        forms.ReasonForm,
        _("Send the preparation back"),
        "EA 3.2",
        _("The reviewing officer sends the prepared transfer back to be prepared again."),
        _("Send it back"),
        _("Preparation sent back."),
        lambda user, t, d: actions.withdraw_preparation(user, t.pk, reason=d["reason"]),
    ),
    "propose_settlement": Page(
        "propose_settlement",
        forms.QuantityForm,
        _("Propose a settlement"),
        "EA 3.3",
        _("A written settlement of the quantity takes effect when all four parties have signed it."),
        _("Issue the settlement for signature"),
        _("Settlement issued; every party must now sign it."),
        lambda user, t, d: actions.propose_settlement(user, t.pk, quantity=d["quantity"], reason=d["reason"]),
    ),
    "propose_adjustment": Page(
        "propose_adjustment",
        forms.AdjustmentForm,
        _("Propose an adjustment"),
        "SPA 5.3",
        _("Under exceptional circumstances quantity and timing may change by written agreement of all parties."),
        _("Issue the adjustment for signature"),
        _("Adjustment issued; every party must now sign it."),
        lambda user, t, d: actions.propose_adjustment(
            user, t.pk, quantity=d["quantity"], reason=d["reason"], release_due_date=d.get("release_due_date")
        ),
    ),
    "file_award": Page(
        "file_award",
        forms.AwardForm,
        _("File an arbitral award or ruling"),
        "EA 3.3, SPA 10.2",
        _("An effective CIETAC award or court ruling ends the dispute and fixes the quantity."),
        _("File the award"),
        _("Award filed; a new joint instruction is ready for signature."),
        _file_award,
        uploads=("award",),
    ),
}


_SHOWN = object()


def _attempt(request, form, call, *args):
    """common.attempt, except that the action's refusal of one input (an InvalidInput naming a field of
    the form: a quantity above what the deal can still release, a date outside the deal's life) is shown
    next to that field. Either way the form keeps what was typed and nothing changed (rolled back)."""

    def run():
        try:
            return call(*args)
        except InvalidInput as exc:
            if getattr(exc, "field", "") not in form.fields:
                raise
            form.add_error(exc.field, exc.message)
            return _SHOWN

    result, ok = attempt(request, form, run)
    return result, ok and result is not _SHOWN


def tranche_action(action):
    page = PAGES[action]

    @login_required
    def view(request, slug, year):
        deal = deal_for(request, slug)
        tranche = tranche_for(request, deal, year)
        now = now_for(request, deal)
        if not now.can.get(action):
            raise PermissionDenied(refusal(now.role, action))
        context = {"deal": deal, "tranche": tranche, "role": now.role, "page": page}
        reason = now.why_not(action, tranche)
        if reason:  # issue 12 item 3: not offered now (the state moved on); say why and where things stand
            back = reverse("escrow:tranche", args=[deal.slug, tranche.year])
            return stale(request, "escrow/action_form.html", context, reason, back_url=back, tranche=tranche)
        form = page.form(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            _r, ok = _attempt(request, form, page.call, request.user, tranche, form.cleaned_data)
            if ok:
                done(request, page.success)
                return redirect("escrow:tranche", slug=deal.slug, year=tranche.year)
        return render(
            request,
            "escrow/action_form.html",
            {**context, "form": form},
            status=400 if request.method == "POST" else 200,
        )

    view.__name__ = action
    return view


@login_required
def confirm_deposit(request, slug):
    deal, role = _allowed(request, slug, "confirm_deposit")
    reason = now_for(request, deal).why_not("confirm_deposit")
    if reason:  # issue 12 item 3: confirmed already
        return stale(
            request, "escrow/confirm_deposit.html", {"deal": deal, "role": role}, reason, back_url=_deal_url(deal)
        )
    form = DepositEvidenceForm(request.POST or None, request.FILES or None)  # issue 11 item 4
    if request.method == "POST" and form.is_valid():
        _r, ok = attempt(request, form, actions.confirm_deposit, request.user, deal, **form.action_kwargs())
        if ok:
            done(request, _("Deposit confirmed: the shares are in escrow."))
            return redirect("escrow:deal", slug=deal.slug)
    return render(
        request,
        "escrow/confirm_deposit.html",
        {"deal": deal, "role": role, "form": form, "step": next_step_for_deal(deal)},  # its EA 1.1 deadline
        status=400 if request.method == "POST" else 200,
    )


def _allowed(request, slug, action):
    """The deal, the viewer's role and `can`; 404 without a role, 403 when the table refuses the action."""
    deal = deal_for(request, slug)
    role, can = viewer(request, deal)
    if not can.get(action):
        raise PermissionDenied(refusal(role, action))
    return deal, role


def _deal_url(deal):
    return reverse("escrow:deal", args=[deal.slug])


def approved_auditors(deal):
    return (
        DealParty.objects.filter(deal=deal, role=Role.AUDITOR, approved_at__isnull=False, ended_at__isnull=True)
        .select_related("organisation", "approved_by")
        .order_by("approved_at")
    )


def firms_to_approve(deal):
    """Accounting firms the issuer may still approve: not approved on this deal and playing no other role on
    it, and never a party to another deal, in any role (SPA 9: the list must not tell one deal's issuer who
    the parties of another are). A firm staff added to this deal as its auditor is offered even when it
    serves other deals; any other firm the portal knows is approved by entering its legal name."""
    pending = DealParty.objects.filter(deal=deal, role=Role.AUDITOR, approved_at__isnull=True, ended_at__isnull=True)
    parties = DealParty.objects.values("organisation_id")
    free = Q(pk__in=pending.values("organisation_id")) | ~Q(pk__in=parties)
    return Organisation.objects.filter(free, kind=Organisation.Kind.ACCOUNTING_FIRM).order_by("name")


def _approve(user, deal, data):
    if data.get("organisation"):
        return actions.approve_auditor(user, deal, data["organisation"])
    return actions.approve_new_auditor(
        user,
        deal,
        name=data["name"],
        name_zh=data["name_zh"],
        jurisdiction=data["jurisdiction"],
        registration_number=data["registration_number"],
    )


@login_required
def approve_auditor(request, slug):
    """SPA 4.2: the issuer approves the accounting firm, chosen from the portal's firms or entered anew."""
    deal, role = _allowed(request, slug, "approve_auditor")
    reason = now_for(request, deal).why_not("approve_auditor")
    if reason:  # issue 12 item 3: the escrow has closed
        context = {"deal": deal, "role": role, "approved": approved_auditors(deal)}
        return stale(request, "escrow/approve_auditor.html", context, reason, back_url=_deal_url(deal))
    form = forms.AuditorForm(request.POST if request.method == "POST" else None, firms=firms_to_approve(deal))
    if request.method == "POST" and form.is_valid():
        party, ok = attempt(request, form, _approve, request.user, deal, form.cleaned_data)
        if ok:
            done(
                request,
                gettext("%(firm)s is approved as the accounting firm (SPA 4.2).") % {"firm": party.organisation},
            )
            return redirect("escrow:deal", slug=deal.slug)
    return render(
        request,
        "escrow/approve_auditor.html",
        {
            "deal": deal,
            "role": role,
            "form": form,
            "approved": approved_auditors(deal),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def return_for_cancellation(request, slug):
    """SPA 5.2(1): after the last year is released, the agent returns what is left for cancellation."""
    deal, role = _allowed(request, slug, "return_for_cancellation")
    form = forms.ReturnForm(request.POST if request.method == "POST" else None)
    reason = now_for(request, deal).why_not("return_for_cancellation")
    if request.method == "POST" and form.is_valid() and not reason:
        _r, ok = attempt(
            request, form, actions.return_for_cancellation, request.user, deal, reference=form.cleaned_data["reference"]
        )
        if ok:
            done(request, _("Shares returned for cancellation; the escrow is closed."))
            return redirect("escrow:deal", slug=deal.slug)
    context = {
        "deal": deal,
        "role": role,
        "form": form,
        "balances": ShareMovement.objects.filter(deal=deal).balances(),
        "open_years": list(
            deal.tranches.exclude(state=TrancheState.RELEASED).order_by("year").values_list("year", flat=True)
        ),
    }
    if reason:  # issue 12 item 3: years still open, or the escrow closed already
        return stale(request, "escrow/return_for_cancellation.html", context, reason, back_url=_deal_url(deal))
    return render(
        request, "escrow/return_for_cancellation.html", context, status=400 if request.method == "POST" else 200
    )
