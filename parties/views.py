"""Sign-in in one or two steps, and TOTP enrolment.

A person with a confirmed authenticator is not signed in after the password: the session holds a
short-lived "pending" record and the code step completes the login (and marks it OTP-verified).
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login

from . import actions, twofactor
from .client import client_ip
from .forms import ApiTokenForm, ChineseNameForm, LoginForm, TokenForm
from .language import remember_language
from .models import ApiToken

PENDING_KEY = "parties.pending_login"
PENDING_SECONDS = 300
MAX_CODE_FAILURES = 5


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if twofactor.has_two_factor(user):
            self.request.session[PENDING_KEY] = {
                "user": user.pk,
                "backend": user.backend,
                "next": self.get_success_url(),
                "at": time.time(),
                "failures": 0,
            }
            return redirect("login_otp")
        auth_login(self.request, user)
        return remember_language(self.request, redirect(after_login(self.request, user, self.get_success_url())))


def after_login(request, user, next_url) -> str:
    """Where to go once signed in: enrolment first for signatories who have no authenticator when
    it is required; otherwise base.html shows the banner (context processor two_factor_prompt)."""
    if twofactor.enforced() and twofactor.needs_enrolment(user):
        return f"{reverse('two_factor_setup')}?{urlencode({'next': next_url})}"
    return next_url


def _pending_user(request):
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None, None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    return user, pending


def _verified_device(user, token):
    for device in devices_for_user(user, confirmed=True):
        if device.verify_token(token):
            return device
    return None


@sensitive_post_parameters("token")
@never_cache
def login_otp(request):
    """Second step: the code from the authenticator app."""
    user, pending = _pending_user(request)
    if user is None:
        messages.info(request, _("Your sign-in expired. Enter your username and password again."))
        return redirect(settings.LOGIN_URL)
    if _locked_out(request, user):
        request.session.pop(PENDING_KEY, None)
        return lockout_response(request)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = _verified_device(user, form.cleaned_data["token"])
        if device is not None:
            return _complete_login(request, user, pending, device)
        return _code_failed(request, user, pending, form)
    return render(request, "registration/login_otp.html", {"form": form, "pending_user": user})


def _complete_login(request, user, pending, device):
    request.session.pop(PENDING_KEY, None)
    user.backend = pending["backend"]
    user.otp_device = device  # django-otp marks the session verified on user_logged_in
    auth_login(request, user, backend=pending["backend"])
    return remember_language(request, redirect(pending["next"]))


def _code_failed(request, user, pending, form):
    # A wrong code is a failed login: axes counts it towards the lockout, the history records it.
    user_login_failed.send(sender=__name__, credentials={"username": user.username}, request=request)
    pending["failures"] += 1
    if pending["failures"] >= MAX_CODE_FAILURES:
        request.session.pop(PENDING_KEY, None)
        messages.error(request, _("Too many wrong codes. Sign in again."))
        return redirect(settings.LOGIN_URL)
    request.session[PENDING_KEY] = pending
    form.add_error("token", _("That code was not correct or has expired. Enter the code your app shows now."))
    return render(request, "registration/login_otp.html", {"form": form, "pending_user": user}, status=200)


def _safe_next(request, default):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@sensitive_post_parameters("token")
@never_cache
@login_required
def two_factor_setup(request):
    """Enrol an authenticator app: scan the QR code (or type the secret), confirm with a code."""
    if twofactor.has_two_factor(request.user):
        devices = list(devices_for_user(request.user, confirmed=True))
        return render(request, "parties/two_factor_enrolled.html", {"devices": devices})
    device = twofactor.pending_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.confirm_two_factor(request.user, device, form.cleaned_data["token"], ip=client_ip(request))
        except actions.InvalidInput as exc:
            form.add_error("token", exc.message)
        else:
            return _enrolled(request, device)
    context = {
        "form": form,
        "qr_svg": twofactor.qr_svg(device, _("QR code for your authenticator app")),
        "secret": twofactor.secret_text(device),
        "next": _safe_next(request, ""),
        "required": twofactor.enforced() and twofactor.can_sign(request.user),
    }
    return render(request, "parties/two_factor_setup.html", context)


def _enrolled(request, device):
    """The device is confirmed (parties.actions.confirm_two_factor, which the account history records)."""
    otp_login(request, device)
    messages.success(
        request,
        _(
            "Two-factor authentication is on. You will be asked for a code when you "
            "sign in and when you sign or approve."
        ),
    )
    return redirect(_safe_next(request, reverse(settings.LOGIN_REDIRECT_URL)))


def _locked_out(request, user) -> bool:
    """Axes' verdict for this username from this address (the password step asks it the same way)."""
    if not getattr(settings, "AXES_ENABLED", True):
        return False
    from axes.handlers.proxy import AxesProxyHandler

    return not AxesProxyHandler.is_allowed(request, {"username": user.username})


def lockout_response(request, original_response=None, credentials=None):
    """The page axes shows once sign-in is locked (settings.AXES_LOCKOUT_CALLABLE)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60) if settings.AXES_COOLOFF_TIME else None
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes}
    return render(request, "registration/lockout.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)


# API tokens (issue 10 item 3) --------------------------------------------------------------------------


@never_cache
@login_required
def api_tokens(request):
    """The signed-in person's API tokens: the list, a new one (its secret shown on this answer only, never
    again), and revoking. Someone who must enrol two-factor first never gets here (TwoFactorMiddleware)."""
    form = ApiTokenForm(request.POST or None)
    created = secret = None
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = actions.create_token(
                request.user, label=form.cleaned_data["label"], ip=client_ip(request)
            )
        except actions.PartiesError as exc:
            form.add_error("label" if getattr(exc, "field", None) == "label" else None, exc.message)
        else:
            form = ApiTokenForm()
    context = {
        "form": form,
        "tokens": ApiToken.objects.filter(user=request.user).select_related("revoked_by"),
        "created": created,
        "secret": secret,
    }
    return render(request, "parties/api_tokens.html", context)


@require_POST
@login_required
def revoke_api_token(request, pk):
    """Revoke one of one's own tokens (staff revoke anyone's in the admin); another person's is a 404."""
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    try:
        actions.revoke_token(request.user, token, ip=client_ip(request))
    except actions.PartiesError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The token %(label)s is revoked: requests made with it are refused from now on.")
            % {"label": token.label},
        )
    return redirect("api_tokens")


@login_required
def organisation_name(request):
    """The signed-in person's organisation: its name, and its Chinese legal name they fill in (issue 12)."""
    organisation = request.user.organisation
    if organisation is None:
        return redirect("/")
    form = ChineseNameForm(request.POST or None, initial={"name_zh": organisation.name_zh})
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_chinese_name(request.user, organisation, form.cleaned_data["name_zh"])
        except actions.PartiesError as exc:
            form.add_error("name_zh", exc.message)
        else:
            messages.success(request, _("The Chinese name is saved."))
            return redirect("organisation_name")
    return render(request, "parties/organisation.html", {"form": form, "organisation": organisation})
