"""Each person's start page: what is waiting for me, my deals, my notifications."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from escrow.models import Notification
from escrow.queries.available import now_for_each
from escrow.queries.deals import DealList
from escrow.queries.due import actions_due_for
from escrow.queries.notes import latest_notifications
from escrow.queries.overview import oversees
from escrow.usecases import STAFF_USE_CASES
from escrow.views.links import SIGN_KINDS, Links, step_url
from parties.access import administers

RECENT_NOTIFICATIONS = 8
DEALS_PER_PAGE = 20  # issue 13 item 1: the start page's lists are bounded, whatever the number of deals


@login_required
def dashboard(request):
    # The most urgent DUE_LIMIT, and how many there are in all; a signing step links to its open instrument.
    items = actions_due_for(request.user, links=SIGN_KINDS)
    deals = DealList(request.user).page(request.GET.get("page"), DEALS_PER_PAGE)  # Paginator's page, one query
    # Issue 12 item 3 with issue 13's flat cost: the list is what waits for this person (the role table, the
    # register and four eyes, read for all the deals at once); each row opens the step's page, whose form the
    # action's own checks guard (a stale form explains). No per-row precondition query (tests/escrow/perf).
    now = now_for_each(request.user, {item.deal for item in items.items})
    links = Links()  # each URL pattern reversed once for the page's rows
    due = [(item, _where(item, links)) for item in items.items if _waits_for(request.user, now[item.deal.pk], item)]
    # The latest notifications with how many of all are unread, in one query (a window count rides along).
    recent = latest_notifications(request.user, RECENT_NOTIFICATIONS)
    return render(
        request,
        "escrow/dashboard.html",
        {
            "due": due,
            "links": links,
            "due_total": items.total,
            "deals": [(deal, deal.my_role) for deal in deals],
            "page": deals,
            "notifications": recent,
            "unread": recent[0].unread_total if recent else 0,  # none at all: none unread
            "staff_links": staff_links(request.user),
            # Issue 12 item 8: compliance and the escrow agent reach the overview of overdue items and holds.
            "oversees": oversees(request.user),
        },
    )


def _waits_for(user, now, item) -> bool:
    """The step is this person's: their role may take it, they are on the register if it needs signing
    power, and an approval is never theirs after they prepared the transfer (EA 3.2, four eyes)."""
    action = item.step.action
    if not now.can.get(action):
        return False
    return not (action == "approve_release" and item.tranche.prepared_by_id == user.pk)


# The approval waits on the call-back (issue 10 item 2), which the row does not carry: its row opens the year's
# page, where the call-back form and the approval are offered exactly as the actions accept them.
CHECKED_ON_THE_YEAR_PAGE = {"approve_release"}


def _where(item, links) -> str:
    """The step's own page (the signing page, the report, the deposit), else the year's or the deal's page."""
    action = item.step.action
    if action not in CHECKED_ON_THE_YEAR_PAGE and (url := step_url(item.deal, item.tranche, action, links.reverse)):
        return url
    if item.tranche is None:
        return links.deal(item.deal.slug)
    return links.tranche(item.deal.slug, item.tranche.year)


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
