"""Who must use two-factor authentication, and the pieces of TOTP enrolment.

People whose organisation can sign or approve on a deal (issuer, purchaser, seller, escrow agent)
are asked to enrol; settings.TWO_FACTOR_REQUIRED decides whether they are made to.
"""

from base64 import b32encode
from binascii import unhexlify

import segno
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

# Contract roles whose people sign joint instructions or approve releases (escrow.models.Role values;
# named as strings because parties must not import escrow).
SIGNING_ROLES = ("issuer", "purchaser", "seller", "escrow_agent")
DEVICE_NAME = "Authenticator app"


def has_two_factor(user) -> bool:
    """A confirmed device. A person the OTP middleware verified this session has one: it loaded that device
    (confirmed, theirs) into `user.otp_device`, so every page's banner check reuses it (issue 13 item 1)."""
    if getattr(user, "otp_device", None) is not None:
        return True
    return user.is_authenticated and user_has_device(user, confirmed=True)


def can_sign(user) -> bool:
    """True if the person's organisation plays a signing role on any deal it has not left."""
    if not user.is_authenticated or not user.organisation_id:
        return False
    return user.organisation.deal_roles.filter(role__in=SIGNING_ROLES, ended_at__isnull=True).exists()


def needs_enrolment(user) -> bool:
    # The device first: a verified person (nearly every page view) then costs no query at all.
    return not has_two_factor(user) and can_sign(user)


def enrol_first_message() -> str:
    """The one refusal for a person who must enrol first (issue 10 item 3), by session, token or action."""
    return _(
        "Enrol two-factor authentication in the portal first (Two-factor in the menu): until then you can do "
        "nothing else, by page or API."
    )


def enforced() -> bool:
    return getattr(settings, "TWO_FACTOR_REQUIRED", True)


def pending_device(user) -> TOTPDevice:
    """The unconfirmed device being enrolled; the same secret until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def secret_text(device) -> str:
    """The base32 secret in groups of four, for typing into an app that cannot scan."""
    secret = b32encode(unhexlify(device.key)).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device, title) -> str:
    """The otpauth:// URL as inline SVG, drawn on the server (no script, no third party)."""
    svg = segno.make(device.config_url, error="m").svg_inline(scale=5, border=4, title=str(title))
    # segno escapes its input; mark_safe keeps the markup, format_html wraps it for styling hooks.
    return format_html('<div class="qr-code" data-testid="totp-qr">{}</div>', mark_safe(svg))  # noqa: S308
