"""API tokens for tests: a party's system using a person's token, made through the real action."""

from itertools import count

from rest_framework.test import APIClient

from parties import actions, tokens

_labels = count(1)
_secrets = {}


def token_secret(user) -> str:
    """A secret of one of the person's active tokens: the one made earlier in this test if it is still
    there (tests roll back, so a remembered secret may be gone), else a new one (parties.actions)."""
    secret = _secrets.get(user.pk)
    known = tokens.find(secret) if secret else None
    if known is None or known.user_id != user.pk or known.revoked_at is not None:
        _token, secret = actions.create_token(user, label=f"Test system {next(_labels)}")
        _secrets[user.pk] = secret
    return secret


def token_client(user, secret=None) -> APIClient:
    """A party's system: `Authorization: Token <secret>`, no session."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret or token_secret(user)}")
    return client
