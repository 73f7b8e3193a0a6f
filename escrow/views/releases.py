"""EA 3.2, four eyes: officer 1 prepares and officer 2 approves, each against the signed hash."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from escrow import actions
from escrow.models import CallBack, Instrument, Role
from escrow.queries import preconditions
from escrow.queries.callbacks import call_back_status, call_backs_of, callable_signatories
from escrow.queries.clock import transfer_provisional
from escrow.queries.year_parts import CALL_BACKS, has
from escrow.usecases.permissions import refusal
from escrow.views.common import attempt, deal_for, done, now_for, stale, tranche_for
from escrow.views.forms import ApproveForm, IsoDateField, PrepareForm
from parties.twofactor import has_two_factor

CALL_BACK_STATES = preconditions.CALL_BACK_STATES  # issue 10 item 2, one place


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
    now = now_for(request, deal)
    role, can = now.role, now.can
    if request.method == "POST" and not can.get(name):
        # Every role on the deal may look at the page (and the instruction); only EA 3.2 officers act.
        raise PermissionDenied(refusal(role, name))
    instruction = _effective_instruction(tranche)
    context = {
        "deal": deal,
        "tranche": tranche,
        "role": role,
        "can": can,
        "instruction": instruction,
        "transfer_provisional": transfer_provisional(tranche),
        "may_record_call_back": now.may("record_call_back", tranche),
        **call_back_context(tranche),
    }
    reason = can.get(name) and now.why_not(name, tranche)
    if reason:  # issue 12 item 3: four eyes, no call-back yet, or the year moved on (released): no form
        return stale(request, template, context, reason, back_url=_year_url(deal, tranche), tranche=tranche)
    form = form_class(
        request.POST or None,
        request.FILES or None,
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
    return render(request, template, {**context, "form": form}, status=400 if request.method == "POST" else 200)


def _year_url(deal, tranche):
    return reverse("escrow:tranche", args=[deal.slug, tranche.year])


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
        form_class=TransferForm,
        action=actions.approve_release,
        template="escrow/approve_release.html",
        extra=TRANSFER_FIELDS,
        message=_("Release approved: the shares left escrow."),
    )


class TransferForm(ApproveForm):
    """Issue 11 item 4: officer 2 records what the transfer agent's books show. The action requires the date,
    the agent and the account, checks the date against today and the instruction, and refuses a
    confirmation that is not a PDF; the form checks shape only."""

    transfer_date = IsoDateField(
        label=_("Date of the transfer (Beijing time)"),
        help_text=_("The day the transfer agent registered the shares in the seller's name: YYYY-MM-DD."),
        required=False,
        attrs={"data-testid": "transfer-date"},
    )
    transfer_agent = forms.CharField(
        label=_("Transfer agent"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"data-testid": "transfer-agent"}),
    )
    recipient_account = forms.CharField(
        label=_("The seller's account at the transfer agent"),
        max_length=2000,
        help_text=_("For example the DTC participant number and the account number, as the seller gave them."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "data-testid": "recipient-account"}),
    )
    confirmation = forms.FileField(
        label=_("The transfer agent's confirmation (PDF)"),
        required=False,
        help_text=_("Attach it if you have it; without it every party sees the confirmation as missing."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf", "data-testid": "transfer-confirmation"}),
    )

    def clean(self):
        data = super().clean()
        # Shape only: a blank date reaches the action as given-but-blank, which refuses it in its own words
        # after its state, four-eyes and call-back checks (the other facts arrive as "" already).
        if "transfer_date" in data and data["transfer_date"] is None:
            data["transfer_date"] = ""
        return data

    field_order = [
        "transfer_reference",
        "transfer_date",
        "transfer_agent",
        "recipient_account",
        "confirmation",
        "confirm",
        "password",
        "otp_token",
        "expected_sha256",
    ]


TRANSFER_FIELDS = ("transfer_reference", "transfer_date", "transfer_agent", "recipient_account", "confirmation")


class CallBackForm(forms.Form):
    """The call-back (issue 10 item 2): whom the officer called, from the register, and the answer. The
    action decides whether that entry may be called; the picker offers only those it would accept."""

    signatory = forms.CharField(
        label=_("Signatory called (number from the register)"),
        widget=forms.Select(attrs={"data-testid": "call-back-signatory"}),
        error_messages={"required": _("Choose the signatory you called from this deal's signatory register.")},
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=CallBack.Outcome.choices,
        widget=forms.RadioSelect(attrs={"data-testid": "call-back-outcome"}),
        error_messages={"required": _("Choose the outcome of the call: confirmed, not confirmed or no answer.")},
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "data-testid": "call-back-note"}),
        help_text=_("What the signatory said; required when the instruction was not confirmed."),
    )

    def __init__(self, *args, signatories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signatory"].widget.choices = [("", "—"), *[(s.pk, signatory_label(s)) for s in signatories]]


def signatory_label(signatory):
    """Name, title, party and the number to call, as the register holds them."""
    return f"{signatory.name} · {signatory.title} · {Role(signatory.party.role).label} · {signatory.phone}"


def call_back_form(tranche, data=None):
    return CallBackForm(data, signatories=callable_signatories(tranche))


@login_required
def record_call_back(request, slug, year):
    """An escrow-agent officer records the call-back; other roles get the refusal (403)."""
    deal = deal_for(request, slug)
    tranche = tranche_for(request, deal, year)
    now = now_for(request, deal)
    role, can = now.role, now.can
    if not can.get("record_call_back"):
        raise PermissionDenied(refusal(role, "record_call_back"))
    context = {"deal": deal, "tranche": tranche, "role": role, "can": can, **call_back_context(tranche)}
    reason = now.why_not("record_call_back", tranche)
    if reason:  # issue 12 item 3: no effective instruction yet, or the year was released
        return stale(
            request, "escrow/call_back.html", context, reason, back_url=_year_url(deal, tranche), tranche=tranche
        )
    form = call_back_form(tranche, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        _r, ok = attempt(
            request,
            form,
            actions.record_call_back,
            request.user,
            tranche.pk,
            signatory_id=data["signatory"],
            outcome=data["outcome"],
            note=data["note"],
        )
        if ok:
            done(request, _("Call-back recorded."))
            return redirect("escrow:tranche", slug=deal.slug, year=tranche.year)
    return render(
        request,
        "escrow/call_back.html",
        {**context, "call_back_form": form},
        status=400 if request.method == "POST" else 200,
    )


def call_back_context(tranche):
    """What the tranche, approve and call-back pages show about the call-back."""
    every = list(call_backs_of(tranche)) if has(tranche, CALL_BACKS) else []
    return {
        "call_back": call_back_status(tranche, every),
        "call_backs": every,
        "call_back_open": tranche.state in CALL_BACK_STATES,
    }
