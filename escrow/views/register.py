"""The deal's signatory register page (issue 10 item 1): each party's signatories with title and contact,
the changes still open to objection with the end of their cooling-off period (Beijing time), and only the
forms the person may use now: propose an addition or a removal, confirm, object. One action per POST."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from escrow.actions import register as actions
from escrow.models import DealParty, Signatory
from escrow.queries.register import register_for
from escrow.views.common import attempt, deal_for, done, viewer


class ProposeForm(forms.Form):
    party = forms.ModelChoiceField(label=_("For the party"), queryset=DealParty.objects.none())
    person = forms.ModelChoiceField(label=_("Person"), queryset=get_user_model().objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    phone = forms.CharField(label=_("Telephone for call-backs"), max_length=50)
    email = forms.EmailField(label=_("Email"), required=False, help_text=_("Leave empty to use the person's email."))
    specimen = forms.CharField(
        label=_("Specimen signature and identity document"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, parties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = DealParty.objects.filter(pk__in=[p.pk for p in parties]).select_related(
            "organisation"
        )
        self.fields["party"].label_from_instance = lambda p: f"{p.organisation} ({p.get_role_display()})"
        self.fields["person"].queryset = (
            get_user_model()
            .objects.filter(
                organisation_id__in=[p.organisation_id for p in parties],
                is_active=True,
                is_staff=False,
                is_superuser=False,
            )
            .order_by("last_name", "first_name", "username")
        )
        self.fields["person"].label_from_instance = lambda u: f"{u.get_full_name() or u.username} ({u.organisation})"


class RemoveForm(forms.Form):
    signatory = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Why remove this signatory"), max_length=2000)


class ConfirmForm(forms.Form):
    change = forms.IntegerField(widget=forms.HiddenInput)


class ObjectForm(forms.Form):
    change = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Your objection"), max_length=2000)


def _propose(user, deal, data):
    return actions.propose_signatory(
        user,
        deal,
        data["party"],
        data["person"],
        title=data["title"],
        phone=data["phone"],
        email=data["email"],
        specimen=data["specimen"],
    )


def _remove(user, deal, data):
    return actions.propose_signatory_removal(user, deal, data["signatory"], reason=data["reason"])


def _confirm(user, deal, data):
    return actions.confirm_register_change(user, _change_of(deal, data["change"]))


def _object(user, deal, data):
    return actions.object_to_register_change(user, _change_of(deal, data["change"]), reason=data["reason"])


def _change_of(deal, change_id):
    """A change of this deal only (another deal's id is simply not found by the action's lookup here)."""
    return change_id if deal.register_changes.filter(pk=change_id).exists() else 0


OPERATIONS = {
    "propose": (ProposeForm, _propose, _("Proposed. Every party is notified; an escrow-agent officer confirms.")),
    "remove": (RemoveForm, _remove, _("Removal proposed. Every party is notified; an escrow-agent officer confirms.")),
    "confirm": (ConfirmForm, _confirm, _("Confirmed. The change takes effect when its cooling-off period ends.")),
    "object": (ObjectForm, _object, _("Objection recorded: the change is cancelled.")),
}


@login_required
def register_page(request, slug):
    """GET: the register; POST (`op`): one register action, then back to the page."""
    deal = deal_for(request, slug, "view_register")
    role, can = viewer(request, deal)
    register = register_for(request.user, deal)
    proposable = [p.party for p in register.parties if p.may_propose]
    error_form, status = None, 200
    op = request.POST.get("op") if request.method == "POST" else None
    if op in OPERATIONS:
        form_class, call, success = OPERATIONS[op]
        kwargs = {"parties": proposable} if op == "propose" else {}
        form = form_class(request.POST, **kwargs)
        if form.is_valid():
            _result, ok = attempt(request, form, call, request.user, deal, form.cleaned_data)
            if ok:
                done(request, success)
                return redirect("escrow:register", slug=deal.slug)
        error_form, status = form, 400
    propose_form = error_form if op == "propose" else ProposeForm(parties=proposable)
    context = {
        "deal": deal,
        "role": role,
        "can": can,
        "register": register,
        "cooling_off_hours": settings.SIGNATORY_COOLING_OFF_HOURS,
        "propose_form": propose_form if proposable else None,
        "error_form": error_form if op != "propose" else None,
        "error_op": op,
        "removable": {e.pk for p in register.parties if p.may_remove for e in p.entries if _removable(e, register)},
    }
    return render(request, "escrow/register.html", context, status=status)


def _removable(entry: Signatory, register) -> bool:
    pending = {c.signatory_id for c in register.pending}
    return entry.is_active_at(register.at) and entry.removed_at is None and entry.pk not in pending
