"""Re-authentication at the moment of signing or approving (issue: signatures).

A person with a confirmed TOTP device proves it with a current code; anyone else with their password.
"""
from django_otp import devices_for_user, match_token

from .errors import NotAllowed


def has_two_factor(user) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def reauthenticate(user, *, password=None, otp_token=None) -> str:
    """The method that proved it is really this person now: 'totp' or 'password'."""
    if has_two_factor(user):
        if otp_token and match_token(user, str(otp_token).strip()) is not None:
            return "totp"
        raise NotAllowed("Enter the current code from your authenticator app to sign.")
    if password and user.check_password(password):
        return "password"
    raise NotAllowed("Your password was not correct; re-enter it to sign.")
