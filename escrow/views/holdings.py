"""The "Dividends and votes" page of a deal and the forms of its six actions (issue 14 items 2, 3; SPA 3.2, EA 1.3).

The page lists every dividend with the seller's entitlement on the shares in escrow at the record date (and,
for a stock dividend, how its new shares follow the tranches) and every shareholder meeting with its
resolutions, cut-off, instruction and proxy; each row offers only what the reader can do now (the same
precondition functions the actions call). Each action has its own form page, reached from the row with the
dividend or meeting chosen (`?dividend=` / `?meeting=`).
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from escrow.actions import holdings as act
from escrow.contract.errors import DomainError
from escrow.contract.holdings import CLAUSE, VOTE_CHOICES
from escrow.models import Dividend
from escrow.queries import preconditions as P
from escrow.queries.holdings import dividend_view, dividends_for, meeting_view, meetings_for
from escrow.usecases.permissions import refusal
from escrow.views.action_pages import _attempt
from escrow.views.common import deal_for, done, now_for, stale
from escrow.views.forms import IsoDateField

VOTE_LABELS = {"for": _("For"), "against": _("Against"), "abstain": _("Abstain")}
STATUS_LABELS = {
    "awaiting_pass_through": _("Awaiting payment to the seller"),
    "passed_through": _("Paid to the seller; awaiting confirmation of receipt"),
    "received": _("Received by the seller"),
    "awaiting_shares": _("Awaiting the new shares in escrow"),
    "shares_in_escrow": _("New shares in escrow with the tranches (EA 4.2: rebases)"),
    "awaiting_instruction": _("Awaiting the seller's instruction"),
    "instructed": _("Instructed by the seller"),
    "no_instruction": _("No instruction given before the cut-off"),
    "proxy_lodged": _("Proxy lodged"),
}


def _ok(check, row) -> bool:
    try:
        check(row)
    except DomainError:
        return False
    return True


@login_required
def holdings_page(request, slug):
    """Every party (and the auditor and compliance) reads it (SPA 9); forms only for who can act now."""
    deal = deal_for(request, slug)
    now = now_for(request, deal)
    dividends = dividends_for(deal)
    meetings = meetings_for(deal)
    for row in dividends:
        d = row.dividend
        row.may_pass = now.can.get("record_dividend_pass_through") and _ok(P.dividend_payable, d)
        row.may_confirm = now.can.get("confirm_dividend_receipt") and _ok(P.dividend_receivable, d)
        row.status_label = STATUS_LABELS[row.status]
        row.allocation_rows = [(None, k, n) for k, n in row.allocation.items()]
    for row in meetings:
        m = row.meeting
        row.may_instruct = now.can.get("instruct_vote") and _ok(P.meeting_instructable, m)
        row.may_lodge = now.can.get("record_proxy_lodged") and _ok(P.proxy_lodgeable, m)
        row.status_label = STATUS_LABELS[row.status]
        chosen = row.instruction.choices if row.instruction else {}
        row.resolution_rows = [
            {**r, "choice": VOTE_LABELS.get(chosen.get(str(r["number"]), ""), "")} for r in m.resolutions
        ]
    return render(
        request,
        "escrow/holdings.html",
        {
            "deal": deal,
            "role": now.role,
            "can": now.can,
            "dividends": dividends,
            "meetings": meetings,
            "may_record_dividend": now.may("record_dividend"),
            "may_record_meeting": now.may("record_meeting"),
            "clause": CLAUSE,
        },
    )


# --- the forms ---------------------------------------------------------------------------------------------


class DividendForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Dividend.Kind.choices)
    declared_on = IsoDateField(label=_("Declared on"))
    record_date = IsoDateField(label=_("Record date"))
    payment_date = IsoDateField(label=_("Payment date"))
    per_share = forms.CharField(
        label=_("Amount per share (cash) or new shares per share (stock)"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    currency = forms.CharField(label=_("Currency (cash dividend)"), max_length=3, required=False, initial="USD")
    stock_policy = forms.ChoiceField(
        label=_("Which tranches the new shares follow (stock dividend)"),
        choices=Dividend.Policy.choices,
        initial=Dividend.Policy.PRO_RATA,
    )


def _row_label(row) -> str:
    """A dividend or meeting as a choice reads in the reader's language."""
    if isinstance(row, Dividend):
        unit = row.currency or gettext("new shares")
        return f"{row.record_date.isoformat()} · {row.get_kind_display()} · {row.per_share.normalize()} {unit}"
    return gettext("Meeting on %(day)s") % {"day": row.meeting_date.isoformat()}


class _RowForm(forms.Form):
    """A form about one dividend or meeting, chosen among those the action can take now."""

    row_field = ""

    def __init__(self, *args, rows=(), label="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.row_field] = forms.TypedChoiceField(
            label=label, choices=[(r.pk, _row_label(r)) for r in rows], coerce=int
        )
        self.order_fields([self.row_field])


class PassThroughForm(_RowForm):
    row_field = "dividend"
    paid_on = IsoDateField(label=_("Paid to the seller on (a stock dividend: its new shares received on)"))
    reference = forms.CharField(label=_("Payment reference"), max_length=200)
    amount = forms.CharField(label=_("Amount paid (a stock dividend: the number of new shares)"), max_length=40)
    withheld = forms.CharField(label=_("Amount withheld, if any"), max_length=40, required=False)
    withholding_note = forms.CharField(
        label=_("Why it was withheld (tax, fees)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReceiptForm(_RowForm):
    row_field = "dividend"
    confirm = forms.BooleanField(
        label=_("I confirm that the seller received this payment."),
        error_messages={"required": _("Tick the box to confirm receipt.")},
    )


class MeetingForm(forms.Form):
    record_date = IsoDateField(label=_("Record date"))
    meeting_date = IsoDateField(label=_("Meeting date"))
    resolutions = forms.CharField(
        label=_("Resolutions, one per line (numbered in this order)"), widget=forms.Textarea(attrs={"rows": 5})
    )
    cut_off = forms.CharField(
        label=_("Instructions by (YYYY-MM-DD HH:MM, Beijing time)"),
        help_text=_("Leave empty for 17:00 Beijing time 5 business days before the meeting."),
        max_length=16,
        required=False,
    )


class LodgedForm(_RowForm):
    row_field = "meeting"
    lodged_on = IsoDateField(label=_("Proxy lodged on"))
    reference = forms.CharField(label=_("Proxy reference"), max_length=200)


class InstructForm(forms.Form):
    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"] = forms.IntegerField(widget=forms.HiddenInput, initial=meeting.pk)
        latest = meeting.instructions.order_by("-given_at", "-pk").first()
        for r in meeting.resolutions:
            self.fields[f"resolution_{r['number']}"] = forms.ChoiceField(
                label=f"{r['number']}. {r['text']}",
                choices=[(c, VOTE_LABELS[c]) for c in VOTE_CHOICES],
                widget=forms.RadioSelect,
                initial=latest.choices.get(str(r["number"])) if latest else None,
            )

    def choices(self):
        return {
            int(name.removeprefix("resolution_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("resolution_")
        }


# --- the pages ---------------------------------------------------------------------------------------------


def _holdings_url(deal):
    return reverse("escrow:holdings", args=[deal.slug])


def _start(request, slug, action):
    deal = deal_for(request, slug)
    now = now_for(request, deal)
    if not now.can.get(action):
        raise PermissionDenied(refusal(now.role, action))
    return deal, now


def _chosen(request, rows, key):
    """The row named by ?dividend= / ?meeting= (or the form's field) among those offered, else the first."""
    wanted = request.POST.get(key) if request.method == "POST" else request.GET.get(key)
    for row in rows:
        if str(row.pk) == str(wanted):
            return row
    if request.method == "POST":
        return None  # a row no longer offered: the action itself says why
    return rows[0] if rows else None


def _page(request, deal, now, action, form, call, success, rows=()):
    context = {
        "deal": deal,
        "role": now.role,
        "action": action,
        "clause": CLAUSE,
        "rows": rows,
        "back_url": _holdings_url(deal),
    }
    reason = now.why_not(action)
    if reason:  # issue 12 item 3: nothing of this kind can be done now; say why and where things stand
        return stale(request, "escrow/holding_form.html", context, reason, back_url=_holdings_url(deal))
    if request.method == "POST" and form.is_valid():
        _r, ok = _attempt(request, form, call, form.cleaned_data)
        if ok:
            done(request, success)
            return redirect("escrow:holdings", slug=deal.slug)
    return render(
        request, "escrow/holding_form.html", {**context, "form": form}, status=400 if request.method == "POST" else 200
    )


def _posted(request):
    return request.POST if request.method == "POST" else None


def _offered(rows, check):
    return [r for r in rows if _ok(check, r)]


@login_required
def record_dividend(request, slug):
    deal, now = _start(request, slug, "record_dividend")
    form = DividendForm(_posted(request))
    return _page(
        request,
        deal,
        now,
        "record_dividend",
        form,
        lambda data: act.record_dividend(request.user, deal, **data),
        _("Dividend recorded; the seller's entitlement is computed from the ledger (SPA 3.2)."),
    )


@login_required
def dividend_pass_through(request, slug):
    deal, now = _start(request, slug, "record_dividend_pass_through")
    rows = _offered(deal.dividends.order_by("record_date", "pk"), P.dividend_payable)
    form = PassThroughForm(_posted(request), rows=rows, label=_("Dividend"))
    chosen = _chosen(request, rows, "dividend")
    if chosen is not None and request.method != "POST":
        form.initial["dividend"] = chosen.pk
        view = dividend_view(chosen)  # a stock dividend: its new shares, the figure the ledger will get
        form.initial["amount"] = f"{view.cash:.2f}" if view.cash is not None else str(view.new_shares.shares)

    def call(data):
        data = dict(data)
        return act.record_dividend_pass_through(request.user, deal, data.pop("dividend"), **data)

    shown = [dividend_view(r) for r in rows]
    return _page(
        request,
        deal,
        now,
        "record_dividend_pass_through",
        form,
        call,
        _(
            "Recorded. A cash dividend: the seller is asked to confirm receipt; a stock dividend: its new shares "
            "are in the ledger with the tranches."
        ),
        shown,
    )


@login_required
def dividend_receipt(request, slug):
    deal, now = _start(request, slug, "confirm_dividend_receipt")
    rows = _offered(deal.dividends.order_by("record_date", "pk"), P.dividend_receivable)
    form = ReceiptForm(_posted(request), rows=rows, label=_("Dividend"))
    chosen = _chosen(request, rows, "dividend")
    if chosen is not None and request.method != "POST":
        form.initial["dividend"] = chosen.pk
    return _page(
        request,
        deal,
        now,
        "confirm_dividend_receipt",
        form,
        lambda data: act.confirm_dividend_receipt(request.user, deal, data["dividend"]),
        _("Receipt confirmed."),
        [dividend_view(r) for r in rows],
    )


@login_required
def record_meeting(request, slug):
    deal, now = _start(request, slug, "record_meeting")
    form = MeetingForm(_posted(request))
    return _page(
        request,
        deal,
        now,
        "record_meeting",
        form,
        lambda data: act.record_meeting(request.user, deal, **data),
        _("Meeting recorded; the seller is asked for voting instructions (SPA 3.2)."),
    )


@login_required
def instruct_vote(request, slug):
    deal, now = _start(request, slug, "instruct_vote")
    rows = _offered(deal.meetings.order_by("meeting_date", "pk"), P.meeting_instructable)
    chosen = _chosen(request, rows, "meeting")
    form = InstructForm(_posted(request), meeting=chosen) if chosen is not None else forms.Form(_posted(request))
    wanted = request.POST.get("meeting")

    def call(data):
        if chosen is None:  # posted for a meeting no longer open: the action refuses it in its own words
            return act.instruct_vote(request.user, deal, wanted, choices={})
        return act.instruct_vote(request.user, deal, chosen.pk, choices=form.choices())

    return _page(
        request,
        deal,
        now,
        "instruct_vote",
        form,
        call,
        _("Voting instruction given; the escrow agent lodges the proxy as instructed (EA 1.3)."),
        [meeting_view(chosen)] if chosen is not None else [],
    )


@login_required
def proxy_lodged(request, slug):
    deal, now = _start(request, slug, "record_proxy_lodged")
    rows = _offered(deal.meetings.order_by("meeting_date", "pk"), P.proxy_lodgeable)
    form = LodgedForm(_posted(request), rows=rows, label=_("Meeting"))
    chosen = _chosen(request, rows, "meeting")
    if chosen is not None and request.method != "POST":
        form.initial["meeting"] = chosen.pk

    def call(data):
        data = dict(data)
        return act.record_proxy_lodged(request.user, deal, data.pop("meeting"), **data)

    return _page(
        request,
        deal,
        now,
        "record_proxy_lodged",
        form,
        call,
        _("Proxy lodging recorded."),
        [meeting_view(r) for r in rows],
    )
