"""Each person's start page: what is waiting for me, my deals, my notifications."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from escrow.models import Notification
from escrow.queries.available import now_for_each
from escrow.queries.deals import visible_with_roles
from escrow.queries.due import actions_due_for
from escrow.queries.overview import overseen_roles
from escrow.usecases import STAFF_USE_CASES
from escrow.views.links import offered_step_url
from parties.access import administers

RECENT_NOTIFICATIONS = 8
DEALS_PER_PAGE = 20  # issue 13 item 1: the start page's lists are bounded, whatever the number of deals


@login_required
def dashboard(request):
    items = actions_due_for(request.user)  # the most urgent DUE_LIMIT, and how many there are in all
    deals = Paginator(visible_with_roles(request.user).order_by("slug"), DEALS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    # Issue 12 item 3: only steps this person can take now (four eyes, already signed), asked of the actions'
    # own checks; the parties and register entries of those deals are read at once.
    now = now_for_each(request.user, {item.deal for item in items.items})
    due = [
        (item, url)
        for item in items.items
        if (url := offered_step_url(now[item.deal.pk], item.deal, item.tranche, item.step.action))
    ]
    return render(
        request,
        "escrow/dashboard.html",
        {
            "due": due,
            "due_total": items.total,
            "deals": [(deal, deal.my_role) for deal in deals],
            "page": deals,
            "notifications": Notification.objects.filter(user=request.user).select_related("deal")[
                :RECENT_NOTIFICATIONS
            ],
            "unread": Notification.objects.filter(user=request.user, read_at__isnull=True).count(),
            "staff_links": staff_links(request.user),
            # Issue 12 item 8: compliance and the escrow agent reach the overview of overdue items and holds.
            "oversees": bool(overseen_roles(request.user)),
        },
    )


def staff_links(user) -> dict:
    """Platform pages offered to staff holding their permission (a contract role is never enough)."""
    if not user.is_staff:
        return {}
    prices = ("enter_share_price", "correct_share_price", "import_share_prices")
    return {
        "create_deal": administers(user, STAFF_USE_CASES["create_deal"].permission),
        "prices": any(administers(user, STAFF_USE_CASES[name].permission) for name in prices)
        or administers(user, "escrow.view_shareprice"),
    }


@login_required
def notifications(request):
    page = Paginator(Notification.objects.filter(user=request.user).select_related("deal", "tranche"), 50)
    return render(request, "escrow/notifications.html", {"page": page.get_page(request.GET.get("page"))})


@login_required
@require_POST
def mark_read(request, pk=None):
    """Mark one notification (or all of mine) as read; never anyone else's."""
    mine = Notification.objects.filter(user=request.user, read_at__isnull=True)
    if pk is not None:
        mine = mine.filter(pk=get_object_or_404(Notification, pk=pk, user=request.user).pk)
    mine.update(read_at=timezone.now())
    return redirect(_next(request))


def _next(request):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "escrow:notifications"
