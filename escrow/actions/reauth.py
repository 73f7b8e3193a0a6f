"""Re-authentication at the moment of signing or approving (issue: signatures; issue 10 item 3).

A person with a confirmed TOTP device proves it with a current code, by page or API alike: their password
alone is refused, because a password (or a token and a password) is what an insider or a thief would hold.
With settings.TWO_FACTOR_REQUIRED on, a person without a confirmed device is refused too, whatever they
send: they must enrol first. Only with it off (the demo, most tests) does anyone else use their password.
Who has two-factor is decided in one place, parties.twofactor.has_two_factor; a device still being
enrolled, unconfirmed, does not count. A code is fresh: django-otp refuses a code already used.

Wrong answers are counted per person (parties.models.ReauthFailures), so a stolen session or token cannot
guess the password through these forms: MAX_FAILURES wrong answers lock signing and approving for
LOCKOUT_SECONDS. The count lives in the database, not the cache, so signing, preparing and approving work
while Redis is down (issue 10 item 8). The action's transaction rolls back on the refusal, so the count is
written on a connection of its own that commits at once. SQLite (the single-process demo) allows one writer
and the action's transaction holds its lock: there the count stays in the demo's file cache.
"""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp import match_token

from escrow.contract.errors import NotAllowed
from parties.models import ReauthFailures
from parties.twofactor import enforced, has_two_factor

MAX_FAILURES = getattr(settings, "REAUTH_MAX_FAILURES", 5)
LOCKOUT_SECONDS = getattr(settings, "REAUTH_LOCKOUT_SECONDS", 30 * 60)


def reauthenticate(user, *, password=None, otp_token=None) -> str:
    """The method that proved it is really this person now: 'totp' or 'password'."""
    if _failures(user) >= MAX_FAILURES:
        minutes = LOCKOUT_SECONDS // 60
        raise NotAllowed(
            ngettext(
                "Too many wrong answers; signing is locked for %(minutes)d minute.",
                "Too many wrong answers; signing is locked for %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes}
        )
    _require_a_way(user, password, otp_token)
    method = _check(user, password, otp_token)
    if method is None:
        _count_failure(user)
        if has_two_factor(user):
            raise NotAllowed(_("Enter the current code from your authenticator app to sign."))
        raise NotAllowed(_("Your password was not correct; re-enter it to sign."))
    _forget(user)
    return method


def _require_a_way(user, password, otp_token):
    """Refusals that are not wrong answers, so not counted: no device where one is required, or the
    password where the code is asked for."""
    two_factor = has_two_factor(user)
    if not two_factor and enforced():
        raise NotAllowed(
            _(
                "Signing and approving need a code from an authenticator app: enrol two-factor authentication "
                "(Two-factor in the menu) first."
            )
        )
    if two_factor and not _given(otp_token):
        if _given(password):
            raise NotAllowed(
                _(
                    "Your password is not enough to sign or approve: you use two-factor authentication, so "
                    "enter the current code from your authenticator app instead."
                )
            )
        raise NotAllowed(_("Enter the current code from your authenticator app to sign."))
    if not two_factor and not _given(password):
        raise NotAllowed(_("Re-enter your password to sign."))


def _given(value) -> bool:
    return bool(str(value or "").strip())


def _check(user, password, otp_token):
    if has_two_factor(user):
        return "totp" if otp_token and match_token(user, str(otp_token).strip()) is not None else None
    return "password" if password and user.check_password(password) else None


def _in_cache() -> bool:
    return connection.vendor == "sqlite"


def _failures(user) -> int:
    """Wrong answers in the last LOCKOUT_SECONDS since the latest one (the lock runs from the last)."""
    if _in_cache():
        return cache.get(_key(user), 0)
    cutoff = timezone.now() - timedelta(seconds=LOCKOUT_SECONDS)
    row = ReauthFailures.objects.filter(user_id=user.pk, last_failure_at__gt=cutoff).first()
    return row.failures if row else 0


def _count_failure(user):
    if _in_cache():
        if not cache.add(_key(user), 1, LOCKOUT_SECONDS):
            try:
                cache.incr(_key(user))
            except ValueError:  # expired between add and incr
                cache.add(_key(user), 1, LOCKOUT_SECONDS)
        return
    now = timezone.now()
    table = connection.ops.quote_name(ReauthFailures._meta.db_table)
    _autonomous(
        f"INSERT INTO {table} (user_id, failures, last_failure_at) VALUES (%s, 1, %s) "  # noqa: S608
        f"ON CONFLICT (user_id) DO UPDATE SET last_failure_at = excluded.last_failure_at, failures = "
        f"CASE WHEN {table}.last_failure_at > %s THEN {table}.failures + 1 ELSE 1 END",
        [user.pk, now, now - timedelta(seconds=LOCKOUT_SECONDS)],
    )


def _forget(user):
    if _in_cache():
        cache.delete(_key(user))
    elif ReauthFailures.objects.filter(user_id=user.pk).exists():
        table = connection.ops.quote_name(ReauthFailures._meta.db_table)
        _autonomous(f"DELETE FROM {table} WHERE user_id = %s", [user.pk])  # noqa: S608


def _autonomous(sql, params):
    """Run one statement on a new connection in autocommit: it stays written when the action rolls back."""
    own = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with own.cursor() as cursor:
            cursor.execute(sql, params)
    finally:
        own.close()


def _key(user):
    return f"reauth-failures:{user.pk}"
