"""Sign-in and two-factor forms."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """Django's form with the attributes password managers and the browser tests look for."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "data-testid": "login-username"})
        self.fields["password"].widget.attrs.update(
            {"autocomplete": "current-password", "data-testid": "login-password"}
        )


class TokenForm(forms.Form):
    """A six-digit code from an authenticator app."""

    token = forms.CharField(
        label=_("Code from your authenticator app"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "autofocus": True,
                "data-testid": "otp-token",
            }
        ),
    )

    def clean_token(self):
        # Apps show the code as "123 456"; people type it the same way.
        return self.cleaned_data["token"].replace(" ", "")


class ApiTokenForm(forms.Form):
    """A name for a new API token: the system that will use it (issue 10 item 3)."""

    label = forms.CharField(
        label=_("Name of the system that will use it"),
        max_length=100,
        help_text=_("For example: Treasury system. You see it in the list and in the account history."),
        widget=forms.TextInput(attrs={"data-testid": "token-label", "autocomplete": "off"}),
    )


class ChineseNameForm(forms.Form):
    """The organisation's Chinese legal name, as its people fill it in (issue 12)."""

    name_zh = forms.CharField(
        label=_("Chinese legal name"),
        max_length=200,
        required=False,
        help_text=_("As registered, for example on the business licence. Chinese readers see this name."),
    )
