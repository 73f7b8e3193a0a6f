"""API authentication by per-person token (issue 10 item 3), in place of DRF's TokenAuthentication.

`Authorization: Token <secret>`: the token is found by the SHA-256 of the secret (parties.tokens), a
revoked token or a deactivated owner is refused with a message that says what to do, and each use is
stamped (when, from which address) and made the request's channel (parties.client.current_channel), so
whatever the request writes can name the token it came with. Unlike DRF's tokens these are many per
person, listed and revocable, and the database holds no secret.
"""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from . import tokens
from .client import client_ip, set_channel

KEYWORD = "Token"


class ApiTokenAuthentication(BaseAuthentication):
    keyword = KEYWORD

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None  # not ours: the session (or nothing) decides
        if len(parts) != 2:
            raise AuthenticationFailed(_("Send the token as one value: Authorization: Token <secret>."))
        try:
            secret = parts[1].decode("ascii")
        except UnicodeError:
            raise AuthenticationFailed(
                _("This API token is not valid; copy it again from where you kept it.")
            ) from None
        return self.authenticate_secret(request, secret)

    def authenticate_secret(self, request, secret):
        token = tokens.find(secret)
        if token is None:
            raise AuthenticationFailed(
                _("This API token is not known. Check it, or create a new one under API tokens in the portal.")
            )
        if token.revoked_at is not None:
            raise AuthenticationFailed(
                _("This API token was revoked on %(when)s (Beijing time); create a new one under API tokens.")
                % {
                    "when": timezone.localtime(token.revoked_at, ZoneInfo(settings.CONTRACT_TIME_ZONE)).strftime(
                        "%Y-%m-%d %H:%M"
                    )
                }
            )
        if not token.user.is_active:
            raise AuthenticationFailed(_("The account this API token belongs to is deactivated."))
        tokens.record_use(token, client_ip(request))
        set_channel({"channel": "api", "token": token.pk})
        return (token.user, token)

    def authenticate_header(self, request):
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The OpenAPI schema names the scheme (`Authorization: Token <secret>`), as it did DRF's tokens."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix=KEYWORD)
