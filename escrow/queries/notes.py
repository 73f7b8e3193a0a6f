"""The dashboard's latest notifications with how many of all are unread (issue 13 item 1).

One hand-written query, built once per process: the ORM's (select_related deal, an unread count as a window)
cost 2,500 function calls a dashboard to build and compile. The notes and their deals are made as the ORM makes
them (escrow.queries.rows); tests/escrow/queries/test_notes_sql.py compares them with the ORM query, kept there.
"""

from escrow.models import Deal, Notification
from escrow.queries.rows import columns, loader, rows, width


def latest_notifications(user, limit) -> list:
    """The person's `limit` latest notifications (the model's order, newest first), each with its deal and
    `unread_total`: how many of all their notifications are unread."""
    sql = (
        f"SELECT {_NOTE_COLUMNS}, {_DEAL_COLUMNS}, {_UNREAD} FROM escrow_notification n"  # noqa: S608 (constant SQL)
        " LEFT OUTER JOIN escrow_deal d ON n.deal_id = d.id WHERE n.user_id = %s ORDER BY n.created_at DESC LIMIT %s"
    )
    load_note, load_deal = loader(Notification), loader(Deal)
    notes = []
    for row in rows(sql, (user.pk, limit)):
        note = load_note(row)
        note.deal = load_deal(row[_AT_DEAL:]) if note.deal_id is not None else None
        note.unread_total = row[-1]
        notes.append(note)
    return notes


_NOTE_COLUMNS, _DEAL_COLUMNS = columns(Notification, "n"), columns(Deal, "d")
_AT_DEAL = width(Notification)
# Count("pk", filter=Q(read_at__isnull=True)) over the whole list, as both databases write it.
_UNREAD = "COUNT(CASE WHEN n.read_at IS NULL THEN n.id END) OVER ()"
