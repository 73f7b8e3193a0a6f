"""Session expiry, two-factor enforcement and the security headers Django does not set."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import twofactor
from .client import WEB, reset_channel, set_channel

# Written at most once a minute: every request writing the session would slow pages for nothing.
TOUCH_EVERY_SECONDS = 60
NO_STORE = "private, no-store"


class ChannelMiddleware:
    """Every request starts as the web channel (a browser session); parties.authentication makes it the
    API token's when one is accepted. Reset when the request ends, so a thread serving the next request
    never inherits this one's token (parties.client.current_channel)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        previous = set_channel(dict(WEB))
        try:
            return self.get_response(request)
        finally:
            reset_channel(previous)


class PermissionsPolicyMiddleware:
    """Switch off browser features the portal never uses (camera, microphone, location...)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy:
            response.headers.setdefault("Permissions-Policy", policy)
        return response


class NoStoreMiddleware:
    """Confidential by default (SPA 9): no page, download, export or API answer is kept by the browser or
    any cache on the way (`Cache-Control: private, no-store`). Sits after WhiteNoise, so static files,
    which are public and versioned, keep their own caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers["Cache-Control"] = NO_STORE
        response.headers.pop("Expires", None)
        return response


class SessionTimeoutMiddleware:
    """Sign out after SESSION_IDLE_TIMEOUT without a request, and SESSION_COOKIE_AGE after login.

    Touching the session moves Django's own expiry forward, so the absolute limit is kept here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and self._expired(request):
            logout(request)
            messages.info(request, _("You were signed out after a period of inactivity. Sign in again."))
            return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    def _expired(self, request) -> bool:
        now = time.time()
        session = request.session
        started = session.setdefault("auth_started", now)
        seen = session.get("last_seen", now)
        if now - seen > settings.SESSION_IDLE_TIMEOUT or now - started > settings.SESSION_COOKIE_AGE:
            return True
        if now - seen >= TOUCH_EVERY_SECONDS or "last_seen" not in session:
            session["last_seen"] = now
        return False


class TwoFactorMiddleware:
    """A person with an authenticator must have proved it this session; signatories must enrol
    when TWO_FACTOR_REQUIRED is on. Runs after django_otp.middleware.OTPMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if not user.is_authenticated or user.is_verified() or self._exempt(request):
            return self.get_response(request)
        if twofactor.has_two_factor(user):
            # Signed in some other way (the admin's login form): the code step was skipped.
            logout(request)
            messages.info(request, _("Sign in with your password and the code from your authenticator app."))
            return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
        if twofactor.enforced() and twofactor.can_sign(user):
            return self._enrol(request)
        return self.get_response(request)

    def _exempt(self, request) -> bool:
        path = request.path_info
        free = (reverse("two_factor_setup"), reverse("logout"), reverse("set_language"), settings.STATIC_URL)
        return any(path.startswith(p if p.startswith("/") else f"/{p}") for p in free)

    def _enrol(self, request):
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": twofactor.enrol_first_message(), "clause": ""}, status=403)
        setup = reverse("two_factor_setup")
        return redirect(f"{setup}?{urlencode({'next': request.get_full_path()})}")
