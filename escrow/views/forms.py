"""Input forms of the portal. They check shape only; the actions decide what is allowed.

Amounts, share quantities and dates are read by the one parser every interface and action uses
(escrow.contract.numbers), so a page refuses what the API and the actions refuse, with the same words,
next to the field, keeping what was typed."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from escrow.contract.numbers import InputProblem, parse_amount, parse_iso_date, parse_quantity
from escrow.contract.policies import POLICY_DEFINITIONS
from escrow.queries.history_words import action_label as history_action_label

HASH_FIELD = dict(widget=forms.HiddenInput, min_length=64, max_length=64)


class ParsedField(forms.Field):
    """A field read by one of escrow.contract.numbers' parsers; its refusal becomes the field's error
    in the request's language (the contract has no Django: the message is translated here)."""

    parse = None

    def has_changed(self, initial, data):
        """An empty input over an empty initial value is unchanged (an unfilled formset row stays unfilled):
        the parser would refuse it as empty and count that as a change."""
        if data in self.empty_values and initial in self.empty_values:
            return False
        return super().has_changed(initial, data)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip(" \t\r\n")
        if value in self.empty_values and not self.required:
            return None
        try:
            return type(self).parse(value)  # an empty required field: the parser's words show the form
        except InputProblem as exc:
            raise forms.ValidationError(exc.translated(gettext).message, code=exc.code) from None


class AmountField(ParsedField):
    """An amount in RMB: 598500000, 598,500,000 or 598,500,000.50 (at most two decimals)."""

    parse = staticmethod(parse_amount)

    def __init__(self, *, attrs=None, **kwargs):
        attrs = {"inputmode": "decimal", "autocomplete": "off", "maxlength": "40", **(attrs or {})}
        super().__init__(widget=forms.TextInput(attrs=attrs), **kwargs)


class QuantityField(ParsedField):
    """A whole number of shares: 2700000 or 2,700,000."""

    parse = staticmethod(parse_quantity)

    def __init__(self, *, attrs=None, **kwargs):
        attrs = {"inputmode": "numeric", "autocomplete": "off", "maxlength": "30", **(attrs or {})}
        super().__init__(widget=forms.TextInput(attrs=attrs), **kwargs)


class IsoDateField(ParsedField):
    """A date as YYYY-MM-DD only; the action bounds it. A text box, not the browser's date picker: Chromium
    shows `type=date` in the browser's locale (01/29/2027 in en-US), and one page must show one date style
    (issue 12 item 2)."""

    parse = staticmethod(parse_iso_date)

    def __init__(self, *, attrs=None, **kwargs):
        attrs = {
            "inputmode": "numeric",
            "autocomplete": "off",
            "maxlength": "10",
            "pattern": r"\d{4}-\d{2}-\d{2}",
            "placeholder": "YYYY-MM-DD",
            **(attrs or {}),
        }
        super().__init__(widget=forms.DateInput(attrs=attrs, format="%Y-%m-%d"), **kwargs)


class ReauthForm(forms.Form):
    """Re-authentication at the moment of signing: password, or the TOTP code when 2FA is on."""

    password = forms.CharField(
        label=_("Your password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "data-testid": "password"}),
    )
    otp_token = forms.CharField(
        label=_("Code from your authenticator app"),
        required=False,
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "data-testid": "otp-token"}
        ),
    )

    def __init__(self, *args, two_factor=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.two_factor = two_factor
        del self.fields["password" if two_factor else "otp_token"]

    def clean(self):
        data = super().clean()
        if self.two_factor and not data.get("otp_token"):
            self.add_error("otp_token", _("Enter the current code from your authenticator app."))
        if not self.two_factor and not data.get("password"):
            self.add_error("password", _("Re-enter your password to confirm it is you."))
        return data

    def credentials(self):
        return {"password": self.cleaned_data.get("password"), "otp_token": self.cleaned_data.get("otp_token")}


class SignForm(ReauthForm):
    expected_sha256 = forms.CharField(**HASH_FIELD)
    intent = forms.BooleanField(
        label=_("I have read this document and intend to sign it for my organisation."),
        widget=forms.CheckboxInput(attrs={"data-testid": "intent-checkbox"}),
        error_messages={"required": _("Tick the box to confirm that you intend to sign.")},
    )
    field_order = ["intent", "password", "otp_token", "expected_sha256"]


class PrepareForm(ReauthForm):
    expected_sha256 = forms.CharField(**HASH_FIELD)
    confirm = forms.BooleanField(
        label=_("I have checked the signed instruction and the document hash above."),
        widget=forms.CheckboxInput(attrs={"data-testid": "intent-checkbox"}),
        error_messages={"required": _("Tick the box to confirm your check.")},
    )
    field_order = ["confirm", "password", "otp_token", "expected_sha256"]


class ApproveForm(PrepareForm):
    transfer_reference = forms.CharField(
        label=_("Transfer agent's reference"),
        max_length=200,
        widget=forms.TextInput(attrs={"data-testid": "transfer-reference"}),
    )
    field_order = ["transfer_reference", "confirm", "password", "otp_token", "expected_sha256"]


class ReportForm(forms.Form):
    audited_revenue = AmountField(
        label=_("Audited operating revenue (RMB)"),
        help_text=_("As stated in the report, e.g. 665,000,000.00"),
        attrs={"data-testid": "audited-revenue"},
    )
    report = forms.FileField(
        label=_("The signed report (PDF)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf", "data-testid": "report-file"}),
    )


class DepositForm(forms.Form):
    reference = forms.CharField(
        label=_("Transfer agent's reference for the issue"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"data-testid": "deposit-reference"}),
    )
    confirm = forms.BooleanField(
        label=_("The consideration shares are registered in the agent's name."),
        widget=forms.CheckboxInput(attrs={"data-testid": "intent-checkbox"}),
    )


class ReturnForm(forms.Form):
    reference = forms.CharField(
        label=_("Transfer agent's reference for the return"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"data-testid": "return-reference"}),
    )
    confirm = forms.BooleanField(
        label=_("The shares still in escrow go back to the issuer for cancellation, and the escrow closes."),
        widget=forms.CheckboxInput(attrs={"data-testid": "intent-checkbox"}),
        error_messages={"required": _("Tick the box to confirm the return.")},
    )


class AuditorForm(forms.Form):
    """SPA 4.2: an accounting firm already in the portal, or a new one to be created and approved."""

    organisation = forms.ModelChoiceField(
        label=_("An accounting firm already in the portal"),
        queryset=None,
        required=False,
        empty_label=_("— a new firm, entered below —"),
        widget=forms.Select(attrs={"data-testid": "auditor-choice"}),
    )
    name = forms.CharField(
        label=_("Legal name of the new firm"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"data-testid": "firm-name"}),
    )
    name_zh = forms.CharField(
        label=_("Chinese name (optional)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"data-testid": "firm-name-zh"}),
    )
    jurisdiction = forms.CharField(
        label=_("Jurisdiction"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"data-testid": "firm-jurisdiction"}),
    )
    registration_number = forms.CharField(
        label=_("Registration number"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"data-testid": "firm-registration"}),
    )

    def __init__(self, *args, firms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = firms

    def clean(self):
        data = super().clean()
        new_firm = any(data.get(f) for f in ("name", "name_zh", "jurisdiction", "registration_number"))
        if data.get("organisation") and new_firm:
            raise forms.ValidationError(_("Choose a firm from the list or enter a new one, not both."))
        if not data.get("organisation") and not self.errors:
            if not new_firm:
                raise forms.ValidationError(_("Choose a firm from the list or enter a new one."))
            if not data.get("name"):
                self.add_error("name", _("Enter the firm's legal name."))
            if not data.get("jurisdiction"):
                self.add_error("jurisdiction", _("Enter the firm's jurisdiction."))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4, "data-testid": "reason"})
    )


class QuantityForm(forms.Form):
    quantity = QuantityField(label=_("Shares to release"), attrs={"data-testid": "quantity"})
    reason = forms.CharField(
        label=_("What the parties agreed"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "data-testid": "reason"}),
    )


class AdjustmentForm(QuantityForm):
    release_due_date = IsoDateField(label=_("New release date (optional)"), required=False)


class AwardForm(forms.Form):
    quantity = QuantityField(label=_("Shares to release under the award"), attrs={"data-testid": "quantity"})
    reference = forms.CharField(label=_("Case number of the award or ruling"), max_length=200)
    award = forms.FileField(
        label=_("The award or ruling (PDF)"), widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"})
    )


WHATIF_POLICIES = ("excess_credit", "offset_base", "offset_order", "rounding", "partial_release")


class WhatIfForm(forms.Form):
    """Hypothetical audited revenues per year and the release policies (P1-P5)."""

    def __init__(self, *args, tranches, deal, **kwargs):
        super().__init__(*args, **kwargs)
        self.years = [t.year for t in tranches]
        for t in tranches:
            self.fields[f"revenue_{t.year}"] = AmountField(
                label=_("Year %(n)s revenue") % {"n": t.year},
                required=False,
                attrs={"data-testid": f"revenue-{t.year}"},
            )
        for definition in POLICY_DEFINITIONS:
            if definition.key in WHATIF_POLICIES:
                # Words, never codes (issue 12): the policy's number and question, each reading's meaning.
                self.fields[definition.key] = forms.ChoiceField(
                    label=f"{definition.number} ({definition.clause})",
                    choices=[(c, gettext(definition.meanings.get(c, c))) for c in definition.choices],
                    help_text=gettext(definition.question),
                    initial=getattr(deal, definition.key),
                    required=False,
                )

    def clean(self):
        data = super().clean()
        revenues = [data.get(f"revenue_{y}") for y in self.years]
        known = len(revenues)
        while known and revenues[known - 1] is None:
            known -= 1
        if any(r is None for r in revenues[:known]):
            raise forms.ValidationError(
                _("Enter the revenues year by year without gaps: offsets run in year order (SPA 5.2(2)).")
            )
        data["actuals"] = revenues[:known]
        return data

    def policies(self):
        return {key: self.cleaned_data[key] for key in WHATIF_POLICIES if self.cleaned_data.get(key)}


class HistoryFilterForm(forms.Form):
    acting_for = forms.ChoiceField(label=_("Party"), required=False)
    actor = forms.ChoiceField(label=_("Person"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    date_from = IsoDateField(label=_("From"), required=False)
    date_to = IsoDateField(label=_("To"), required=False)

    def __init__(self, *args, parties=(), people=(), actions=(), words=None, **kwargs):
        super().__init__(*args, **kwargs)
        everyone = [("", _("All"))]
        # Words, never codes (issue 12): the party in the reader's language, the action by its name.
        party = words.party_label if words else str
        self.fields["acting_for"].choices = everyone + [(p, party(p)) for p in parties]
        self.fields["actor"].choices = everyone + [(str(pk), name) for pk, name in people]
        self.fields["action"].choices = everyone + [(a, history_action_label(a)) for a in actions]


# --- issue 12 item 8: the auditor previews the quantity, then confirms; corrections; declines ---


class ReportPreviewForm(forms.Form):
    """Step 1 of filing: the revenue only; the page shows what the engine would release (nothing stored)."""

    audited_revenue = ReportForm.base_fields["audited_revenue"]


class CorrectionPreviewForm(ReportPreviewForm):
    reason = forms.CharField(
        label=_("Why the report is corrected"),
        max_length=2000,
        help_text=_("Every party reads it in the history and in their notification."),
        widget=forms.Textarea(attrs={"rows": 3, "data-testid": "correction-reason"}),
    )


class ReportConfirmForm(forms.Form):
    """Step 2: the previewed revenue and quantity travel back hidden; the auditor attaches the signed report
    and confirms. The action refuses if the quantity changed since the preview."""

    audited_revenue = forms.CharField(max_length=40, widget=forms.HiddenInput)
    expected_quantity = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    report = ReportForm.base_fields["report"]
    confirm = forms.BooleanField(
        label=_("I have checked the audited revenue and the quantity computed from it, and I file this report."),
        widget=forms.CheckboxInput(attrs={"data-testid": "confirm-report"}),
        error_messages={"required": _("Tick the box to confirm the figures before filing.")},
    )


class CorrectionConfirmForm(ReportConfirmForm):
    reason = forms.CharField(max_length=2000, widget=forms.HiddenInput)


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why your party declines to sign"),
        max_length=2000,
        help_text=_("The other parties and the escrow agent are told. This is not a dispute (EA 3.3)."),
        widget=forms.Textarea(attrs={"rows": 4, "data-testid": "decline-reason"}),
    )


class DemoClockForm(forms.Form):
    """Issue 12 item 9: move the demo clock by a step (the buttons) or to a date; the action checks both."""

    step = forms.ChoiceField(choices=[("", ""), ("day", "day"), ("week", "week")], required=False)
    to = IsoDateField(label=_("Move to"), required=False, attrs={"data-testid": "demo-clock-date"})


class IssueFeesForm(forms.Form):
    """EA 4.4, EA 2: the agent confirms issuing the invoices listed (issue 14 item 5)."""

    confirm = forms.BooleanField(
        label=_("Issue one invoice of USD 5,000.00 for each escrow year listed (EA 4.4)."),
        widget=forms.CheckboxInput(attrs={"data-testid": "fee-issue-confirm"}),
    )


class FeePaymentForm(forms.Form):
    """EA 4.4: the agent records that an escrow fee invoice was paid (issue 14 item 5)."""

    invoice = forms.ChoiceField(label=_("Invoice"), widget=forms.Select(attrs={"data-testid": "fee-invoice"}))
    paid_on = IsoDateField(label=_("Date paid"), attrs={"data-testid": "fee-paid-on"})
    reference = forms.CharField(
        label=_("Payment reference"),
        max_length=200,
        widget=forms.TextInput(attrs={"data-testid": "fee-reference"}),
    )

    def __init__(self, *args, invoices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invoice"].choices = [(str(i.pk), f"{i.number} · {i.amount:,.2f} {i.currency}") for i in invoices]


class AsOfForm(forms.Form):
    """Issue 14 item 1: the day to show the deal as of (GET); escrow.queries.as_of.parse_as_of bounds it."""

    as_of = IsoDateField(
        label=_("Show the deal as of (YYYY-MM-DD, end of day, Beijing time)"),
        required=False,
        attrs={"data-testid": "as-of-input"},
    )
