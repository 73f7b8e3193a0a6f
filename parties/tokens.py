"""API token secrets: how they are made and found (issue 10 item 3).

A secret is 32 random bytes (URL-safe base64). The database keeps only its SHA-256, so whoever reads the
database (an operator, a backup) cannot act as the token's owner; a plain hash suffices because the
secret is random, not a password a person chose. Looking up by the hash also makes the comparison
independent of how much of a guessed secret is right.
"""

import hashlib
import secrets

from django.utils import timezone

from .models import ApiToken

HINT_LENGTH = 6
# The last-use stamp is written at most once a minute per token and address: attributable without a
# write for every request.
TOUCH_EVERY_SECONDS = 60


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def find(secret: str) -> ApiToken | None:
    """The token with this secret, revoked or not, with its owner; None if there is none."""
    if not secret:
        return None
    return ApiToken.objects.select_related("user").filter(key_hash=digest(secret)).first()


def record_use(token: ApiToken, ip: str | None) -> None:
    """Stamp when and from where the token was last used. A conditional update, so concurrent requests
    write once, and outside any action's transaction (a refused action does not erase the use)."""
    now = timezone.now()
    due = token.last_used_at is None or (now - token.last_used_at).total_seconds() >= TOUCH_EVERY_SECONDS
    if not due and token.last_used_ip == ip:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip)
    token.last_used_at, token.last_used_ip = now, ip
