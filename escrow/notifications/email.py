"""The email of a notification (issue 12 item 7): something a person can act on, in their language.

Each email has the subject, a sentence saying where to look, the notification's own text, the deadline and
its clause (or the clause alone when the notice sets none) and an absolute link to the page (the year's page
when there is a year, else the deal's, else the notifications list) under `PORTAL_BASE_URL`. It is written
as a text part and an HTML part, rendered once per language inside `translation.override` (like the
subject and body, escrow.notifications.notify) and sent by the outbox worker (escrow.notifications.outbox).
"""

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from escrow.contract.moments import iso_day


@dataclass(frozen=True)
class Email:
    text: str
    html: str


def page_url(deal=None, tranche=None) -> str:
    """The absolute address of the page the notification is about."""
    if deal is not None and tranche is not None:
        path = reverse("escrow:tranche", args=[deal.slug, tranche.year])
    elif deal is not None:
        path = reverse("escrow:deal", args=[deal.slug])
    else:
        path = reverse("escrow:notifications")
    return f"{settings.PORTAL_BASE_URL}{path}"


def compose(subject, body, *, deal=None, tranche=None, clause="", due=None) -> Email:
    """Both parts, in the active language; `subject` and `body` already rendered in it."""
    context = {
        "subject": subject,
        "body": body,
        "clause": clause,
        "due": iso_day(due),
        "link": page_url(deal, tranche),
    }
    return Email(
        text=render_to_string("email/notification.txt", context).strip() + "\n",
        html=render_to_string("email/notification.html", context),
    )
