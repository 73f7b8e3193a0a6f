"""The oversight overview (issue 12 item 8): overdue items and active holds across the deals the person
oversees (compliance, the escrow agent), most urgent first, paginated."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from escrow.contract.errors import NotAllowed
from escrow.queries.clock import contract_today
from escrow.queries.overview import HOLD_CLAUSES, hold_days, overview_for

PER_PAGE = 20


@login_required
def overview(request):
    today = contract_today()
    try:
        rows = overview_for(request.user, today)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.items = [(item, item.days(today)) for item in row.overdue]
        row.hold_items = [(hold, hold_days(hold, today), HOLD_CLAUSES.get(hold.kind, "")) for hold in row.holds]
        row.span = len(row.items) + len(row.hold_items)
    return render(request, "escrow/overview.html", {"page": page, "today": today, "total": len(rows)})
