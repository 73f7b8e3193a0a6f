"""Issue 11 item 4: the deposit page asks for the transfer agent's record of the issue (EA 1.1). The form
checks shape only; escrow.actions.deposit requires the facts and checks the date and the PDF."""

from django import forms
from django.utils.translation import gettext_lazy as _

from escrow.views.forms import DepositForm, IsoDateField


class DepositEvidenceForm(DepositForm):
    reference = forms.CharField(
        label=_("Transfer agent's reference for the issue"),
        max_length=200,
        widget=forms.TextInput(attrs={"data-testid": "deposit-reference"}),
        error_messages={"required": _("Enter the transfer agent's reference for the issue of the shares.")},
    )
    issue_date = IsoDateField(
        label=_("Date of issue (Beijing time)"),
        help_text=_("The day the transfer agent registered the shares in the escrow agent's name: YYYY-MM-DD."),
        required=False,
        attrs={"data-testid": "deposit-issue-date"},
    )
    transfer_agent = forms.CharField(
        label=_("Transfer agent"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"data-testid": "deposit-transfer-agent"}),
    )
    recipient_account = forms.CharField(
        label=_("Escrow account at the transfer agent"),
        max_length=2000,
        help_text=_("The account in the escrow agent's name where the shares are registered."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "data-testid": "deposit-account"}),
    )
    confirmation = forms.FileField(
        label=_("The transfer agent's confirmation (PDF)"),
        required=False,
        help_text=_("Attach it if you have it; without it every party sees the confirmation as missing."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf", "data-testid": "deposit-confirmation"}),
    )
    field_order = ["reference", "issue_date", "transfer_agent", "recipient_account", "confirmation", "confirm"]

    def action_kwargs(self):
        """Every fact as given; a blank one reaches the action as "", which refuses it in its own words
        after its state check (a second deposit is refused as such, not for a blank field)."""
        data = self.cleaned_data
        kwargs = {name: data[name] for name in DEPOSIT_FIELDS}
        kwargs["issue_date"] = kwargs["issue_date"] or ""
        return kwargs


DEPOSIT_FIELDS = ("reference", "issue_date", "transfer_agent", "recipient_account", "confirmation")
