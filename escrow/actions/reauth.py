"""Re-authentication at the moment of signing or approving (issue: signatures).

A person with a confirmed TOTP device proves it with a current code; anyone else with their password
(who has two-factor is decided in one place: parties.twofactor.has_two_factor; a device still being
enrolled, unconfirmed, does not count).
Wrong answers are counted per person in the cache (not the database: the action's transaction rolls
back on the error), so a stolen session or token cannot guess the password through these forms.
"""

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp import match_token

from escrow.contract.errors import NotAllowed
from parties.twofactor import has_two_factor

MAX_FAILURES = getattr(settings, "REAUTH_MAX_FAILURES", 5)
LOCKOUT_SECONDS = getattr(settings, "REAUTH_LOCKOUT_SECONDS", 30 * 60)


def _key(user):
    return f"reauth-failures:{user.pk}"


def reauthenticate(user, *, password=None, otp_token=None) -> str:
    """The method that proved it is really this person now: 'totp' or 'password'."""
    if cache.get(_key(user), 0) >= MAX_FAILURES:
        minutes = LOCKOUT_SECONDS // 60
        raise NotAllowed(
            ngettext(
                "Too many wrong answers; signing is locked for %(minutes)d minute.",
                "Too many wrong answers; signing is locked for %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes}
        )
    method = _check(user, password, otp_token)
    if method is None:
        _count_failure(user)
        if has_two_factor(user):
            raise NotAllowed(_("Enter the current code from your authenticator app to sign."))
        raise NotAllowed(_("Your password was not correct; re-enter it to sign."))
    cache.delete(_key(user))
    return method


def _check(user, password, otp_token):
    if has_two_factor(user):
        return "totp" if otp_token and match_token(user, str(otp_token).strip()) is not None else None
    return "password" if password and user.check_password(password) else None


def _count_failure(user):
    if not cache.add(_key(user), 1, LOCKOUT_SECONDS):
        try:
            cache.incr(_key(user))
        except ValueError:  # expired between add and incr
            cache.add(_key(user), 1, LOCKOUT_SECONDS)
