"""Template context: whether to show the "set up two-factor" banner in base.html."""

from . import twofactor


def two_factor(request):
    user = getattr(request, "user", None)
    # A callable: templates call it only where the banner is rendered, so other pages pay nothing.
    return {"two_factor_prompt": lambda: bool(user and twofactor.needs_enrolment(user))}
