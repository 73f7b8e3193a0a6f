"""The demo clock's bar in the header (issue 12 item 9): rendered only with settings.DEMO_CLOCK on, for a
person who may move it; every other page and setting renders nothing and reads no clock row."""

from django import template
from django.conf import settings

from escrow.contract.errors import NotAllowed
from escrow.queries.clock import contract_today
from escrow.usecases.permissions import require_demo_clock
from escrow.views.forms import DemoClockForm

register = template.Library()


@register.inclusion_tag("includes/demo_clock.html", takes_context=True)
def demo_clock_bar(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if not settings.DEMO_CLOCK or user is None or not user.is_authenticated:
        return {"shown": False}
    try:
        require_demo_clock(user)
    except NotAllowed:
        return {"shown": False}
    return {
        "shown": True,
        "today": contract_today(),
        "form": DemoClockForm(),
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
