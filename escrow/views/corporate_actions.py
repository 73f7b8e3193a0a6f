"""The deal's corporate actions page (issue 14 item 4): the splits and consolidations with what each did to
the escrow, the tranche sizes now, and only the forms the person may use now: the issuer proposes, the
escrow agent confirms (on or after the effective date). One action per POST."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from escrow.actions import corporate_actions as actions
from escrow.models import CorporateAction
from escrow.queries.corporate_actions import corporate_actions_of
from escrow.views.common import attempt, deal_for, done, now_for, stale


class ProposeForm(forms.Form):
    ratio_new = forms.IntegerField(label=_("New shares"), min_value=1, initial=1)
    ratio_old = forms.IntegerField(
        label=_("For old shares"), min_value=1, help_text=_("1 for 30 is a consolidation; 2 for 1 a split.")
    )
    effective_date = forms.DateField(label=_("Effective date"), help_text=_("YYYY-MM-DD"))
    fraction_policy = forms.ChoiceField(
        label=_("Fractional shares (the issuer's terms for this action)"), choices=CorporateAction.Policy.choices
    )
    new_ticker = forms.CharField(label=_("New ticker (if it changes)"), max_length=20, required=False)
    new_cusip = forms.CharField(label=_("New CUSIP (if it changes)"), max_length=20, required=False)
    terms = forms.CharField(label=_("Announcement or terms (reference)"), max_length=500, required=False)


class ConfirmForm(forms.Form):
    reference = forms.CharField(label=_("Transfer agent's reference"), max_length=200, required=False)


def _propose(user, deal, data):
    return actions.propose_corporate_action(user, deal, **data)


def _confirm(user, deal, data):
    return actions.confirm_corporate_action(user, deal, reference=data["reference"])


OPERATIONS = {
    "propose": (
        "propose_corporate_action",
        ProposeForm,
        _propose,
        _("Proposed. Every party is notified; the escrow agent confirms on or after the effective date."),
    ),
    "confirm": (
        "confirm_corporate_action",
        ConfirmForm,
        _confirm,
        _("Confirmed. The shares in escrow and the future tranches are rebased."),
    ),
}


@login_required
def corporate_actions_page(request, slug):
    """GET: the actions and the sizes; POST (`op`): propose or confirm, then back to the page. A role the table
    refuses gets 403; an action the state refuses now is explained (409) and changes nothing."""
    deal = deal_for(request, slug, "view_corporate_actions")
    now = now_for(request, deal)
    forms_now, status = {}, 200
    op = request.POST.get("op") if request.method == "POST" else None
    if op in OPERATIONS:
        use_case, form_class, call, success = OPERATIONS[op]
        deal_for(request, slug, use_case)  # 403 with the refusal and its clause for a role the table refuses
        reason = now.why_not(use_case)
        if reason:
            back = reverse("escrow:corporate_actions", args=[deal.slug])
            return stale(request, TEMPLATE, _context(deal, now, {}), reason, back_url=back)
        form = form_class(request.POST)
        if form.is_valid():
            _result, ok = attempt(request, form, call, request.user, deal, form.cleaned_data)
            if ok:
                done(request, success)
                return redirect("escrow:corporate_actions", slug=deal.slug)
        forms_now[op], status = form, 400
    for name, (use_case, form_class, _call, _success) in OPERATIONS.items():
        if name not in forms_now and now.may(use_case):
            forms_now[name] = form_class()
    return render(request, TEMPLATE, _context(deal, now, forms_now), status=status)


TEMPLATE = "escrow/corporate_actions.html"


def _context(deal, now, forms_now):
    return {
        "deal": deal,
        "role": now.role,
        "can": now.can,
        "found": corporate_actions_of(deal),
        "propose_form": forms_now.get("propose"),
        "confirm_form": forms_now.get("confirm"),
        "why_not_confirm": now.why_not("confirm_corporate_action") if now.can.get("confirm_corporate_action") else "",
    }
