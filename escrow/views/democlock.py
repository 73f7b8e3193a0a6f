"""The demo clock's control (issue 12 item 9): a form in every page's header, shown only in the demo.

With settings.DEMO_CLOCK off (every setting but config.settings.local) the route answers 404, the header
shows nothing, and the action refuses on its own (escrow.usecases.permissions.require_demo_clock).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from escrow.actions.democlock import move_demo_clock
from escrow.contract.errors import DomainError, NotAllowed
from escrow.views.forms import DemoClockForm


@login_required
@require_POST
def move_clock(request):
    if not settings.DEMO_CLOCK:
        raise Http404(_("There is no demo clock here."))
    form = DemoClockForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(_back(request))
    try:
        move = move_demo_clock(request.user, to=form.cleaned_data["to"], step=form.cleaned_data["step"] or None)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _said(move))
    return redirect(_back(request))


def _said(move) -> str:
    swept = ngettext(
        "The demo clock moved from %(start)s to %(end)s; the deadline sweep ran for %(count)d day.",
        "The demo clock moved from %(start)s to %(end)s; the deadline sweep ran for %(count)d days.",
        move.days,
    ) % {"start": move.start.isoformat(), "end": move.end.isoformat(), "count": move.days}
    found = _("Years opened: %(opened)s; notifications: %(notes)s; deadlines missed: %(missed)s.") % {
        "opened": move.opened,
        "notes": move.notifications,
        "missed": move.missed,
    }
    return f"{swept} {found}"


def _back(request):
    """Back to the page the visitor moved the clock from (same host only), else the dashboard."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "escrow:dashboard"
