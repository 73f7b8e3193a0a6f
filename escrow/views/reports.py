"""The auditor's report pages (issue 12 item 8): preview the quantity, then confirm and file; correct a
report before anyone signed. And a signatory's page to decline to sign, with a reason.

Step 1 takes the revenue and shows what the engine would release (escrow.actions.preview_report: the
filing's own checks, nothing stored); step 2 carries that revenue and quantity back hidden, takes the
signed PDF and a tick, and files. The action refuses if the quantity moved in between.
"""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from escrow import actions
from escrow.contract.errors import DomainError
from escrow.documents.storage import read_upload
from escrow.queries.reports import reports_of
from escrow.usecases.permissions import refusal
from escrow.views import forms
from escrow.views.action_pages import _attempt as attempt_in_field  # a refused input shown by its field
from escrow.views.common import attempt, deal_for, done, instrument_for, now_for, stale, tranche_for


@dataclass(frozen=True)
class ReportMode:
    action: str
    title: object
    intro: object
    preview_form: type
    confirm_form: type
    preview: object  # (user, tranche, data) -> ReportPreview
    call: object  # (user, tranche, data) -> tranche
    success: object


def _upload(data):
    upload = data["report"]
    return {"pdf": read_upload(upload), "original_name": upload.name}


MODES = {
    "file_report": ReportMode(
        "file_report",
        _("File the audited revenue report"),
        _(
            "Enter the audited operating revenue the approved firm's written report states. The portal shows "
            "the quantity it would release (SPA 5.2) before anything is filed; you then attach the signed "
            "report and confirm, and the joint instruction is prepared."
        ),
        forms.ReportPreviewForm,
        forms.ReportConfirmForm,
        lambda user, t, d: actions.preview_report(user, t.pk, audited_revenue=d["audited_revenue"]),
        lambda user, t, d: actions.file_report(
            user, t.pk, audited_revenue=d["audited_revenue"], expected_quantity=d["expected_quantity"], **_upload(d)
        ),
        _("Report filed. The joint instruction is ready for signature."),
    ),
    "correct_report": ReportMode(
        "correct_report",
        _("Correct the audited revenue report"),
        _(
            "While nobody has signed for this year, the firm may replace a mistaken report. The earlier "
            "report is kept as superseded, the history records your reason, the quantity is computed again "
            "and a new joint instruction replaces the open one; every party is told."
        ),
        forms.CorrectionPreviewForm,
        forms.CorrectionConfirmForm,
        lambda user, t, d: actions.preview_correction(
            user, t.pk, audited_revenue=d["audited_revenue"], reason=d.get("reason", "")
        ),
        lambda user, t, d: actions.correct_report(
            user,
            t.pk,
            audited_revenue=d["audited_revenue"],
            expected_quantity=d["expected_quantity"],
            reason=d["reason"],
            **_upload(d),
        ),
        _("Report corrected. A new joint instruction is ready for signature."),
    ),
}


def report_page(action):
    mode = MODES[action]

    @login_required
    def view(request, slug, year):
        deal = deal_for(request, slug)
        tranche = tranche_for(request, deal, year)
        now = now_for(request, deal)
        role, can = now.role, now.can
        if not can.get(action):
            raise PermissionDenied(refusal(role, action))
        context = {"deal": deal, "tranche": tranche, "role": role, "mode": mode, "reports": reports_of(tranche)}
        reason = now.why_not(action, tranche)  # issue 12 item 3: the year moved on, or not yet open: say so
        if reason:
            back = reverse("escrow:tranche", args=[deal.slug, tranche.year])
            return stale(request, "escrow/report.html", context, reason, back_url=back, tranche=tranche)
        form, preview = _step(request, mode, tranche)
        if form is None:
            done(request, mode.success)
            return redirect("escrow:tranche", slug=deal.slug, year=tranche.year)
        context.update(form=form, preview=preview, figures=preview.year.as_dict() if preview else None)
        status = 400 if request.method == "POST" and (form.errors or preview is None) else 200
        return render(request, "escrow/report.html", context, status=status)

    view.__name__ = action
    return view


def _step(request, mode, tranche):
    """(form to show, preview shown with it); (None, None) once the report is filed."""
    if request.method != "POST":
        return mode.preview_form(), None
    if request.POST.get("step") == "confirm":
        form = mode.confirm_form(request.POST, request.FILES)
        preview = _preview_again(request, mode, tranche)
        if form.is_valid():
            _result, ok = attempt_in_field(request, form, mode.call, request.user, tranche, form.cleaned_data)
            if ok:
                return None, None
        return form, preview
    form = mode.preview_form(request.POST)
    if form.is_valid():
        preview, ok = attempt_in_field(request, form, mode.preview, request.user, tranche, form.cleaned_data)
        if ok:
            initial = {"audited_revenue": str(preview.revenue), "expected_quantity": preview.quantity}
            initial["reason"] = form.cleaned_data.get("reason", "")
            return mode.confirm_form(initial=initial), preview
    return form, None


def _preview_again(request, mode, tranche):
    """The figures beside a confirm form sent back with an error (a missing PDF, an unticked box)."""
    data = {"audited_revenue": request.POST.get("audited_revenue", ""), "reason": request.POST.get("reason", "")}
    try:
        return mode.preview(request.user, tranche, data)
    except DomainError:
        return None


@login_required
def decline(request, pk):
    """A signatory declines to sign the open instrument, with a reason (not a dispute; nothing stops)."""
    instrument = instrument_for(request, pk)
    deal = instrument.tranche.deal
    now = now_for(request, deal)
    role, can = now.role, now.can
    if not can.get("decline_to_sign"):
        raise PermissionDenied(refusal(role, "decline_to_sign"))
    context = {"deal": deal, "tranche": instrument.tranche, "instrument": instrument, "role": role}
    reason = now.why_not("decline_to_sign", instrument.tranche, instrument)  # signed, declined, or closed
    if reason:
        back = reverse("escrow:sign", args=[instrument.pk])
        return stale(request, "escrow/decline.html", context, reason, back_url=back, tranche=instrument.tranche)
    form = forms.DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _r, ok = attempt(request, form, actions.decline_to_sign, request.user, instrument.pk, **form.cleaned_data)
        if ok:
            done(request, _("Your decline is recorded; the other parties and the escrow agent are told."))
            return redirect("escrow:tranche", slug=deal.slug, year=instrument.tranche.year)
    return render(
        request,
        "escrow/decline.html",
        {**context, "form": form},
        status=400 if request.method == "POST" else 200,
    )
