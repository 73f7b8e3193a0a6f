"""Monthly statements by email (issue 14 item 6): once a month has ended (Asia/Shanghai), each party's people and
compliance are told that their statement for it is ready, with its link (escrow.views.statements) and the
statement's PDF attached in their language (built by the outbox as the email is sent, OutboxMessage.attachment).
Beat ticks hourly (escrow.tasks.send_statements); the dedupe key `statement:<deal>:<role>:<YYYY-MM>` makes every tick
after the first of a month a no-op, and a tick missed on the 1st is caught up by the next one. Writes no
history: a notification only, like the sweep's reminders."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from escrow.models import Deal, DealParty, ShareMovement
from escrow.notifications.notify import notify_roles
from escrow.notifications.texts import Text
from escrow.queries.as_of import end_of_day, first_day
from escrow.queries.clock import contract_today
from escrow.queries.statements import STATEMENT_ROLES, last_full_month

STATEMENT_SUBJECT = _("%(deal)s: your statement for %(month)s is ready")
STATEMENT_BODY = _(
    "Your statement for %(start)s to %(end)s (Beijing contract dates) is attached as a PDF: positions, movements, "
    "releases and what concerns you in the period. The page, with the PDF and CSV downloads: %(url)s. Shares in "
    "escrow at the end of the period: %(shares)s."
)


def statement_link(deal, start, end) -> str:
    path = reverse("escrow:deal_statement", args=[deal.slug])
    return f"{settings.PORTAL_BASE_URL}{path}?start={start.isoformat()}&end={end.isoformat()}"


def send_monthly_statements(today=None) -> int:
    """Notify every deal's parties of their statement for the last full calendar month; returns the number of
    notifications created (0 on every repeat)."""
    today = today or contract_today()
    start, end = last_full_month(today)
    month = f"{start:%Y-%m}"
    created = 0
    for deal in Deal.objects.order_by("pk"):
        if first_day(deal) > end:
            continue  # the deal was not in the portal during that month
        roles = set(DealParty.objects.filter(deal=deal, ended_at__isnull=True).values_list("role", flat=True))
        shares = ShareMovement.objects.filter(deal=deal, recorded_at__lt=end_of_day(end)).balances()["in_escrow"]
        for role in STATEMENT_ROLES:
            if role not in roles:
                continue
            created += notify_roles(
                deal,
                (role,),
                subject=Text(STATEMENT_SUBJECT, deal=deal.name, month=month),
                body=Text(
                    STATEMENT_BODY,
                    start=start.isoformat(),
                    end=end.isoformat(),
                    url=statement_link(deal, start, end),
                    shares=f"{shares:,}",
                ),
                clause="EA 3.2, SPA 9",
                key=f"statement:{deal.slug}:{role}:{month}",
                # The PDF is built as each email is sent, for its reader's role and language (queries.statements).
                attachment={
                    "kind": "statement",
                    "deal": deal.pk,
                    "role": role,
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                },
            )
    return created
