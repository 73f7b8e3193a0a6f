"""The dashboard's two long lists, "Waiting for you" and "Your deals", written row by row in Python:
`{% due_rows due links %}` and `{% deal_rows deals links %}` in templates/escrow/dashboard.html.

Issue 13 item 1: rendered by the template language, each due row cost about 1,000 function calls (two {% url %}
tags, five filters, an include, ten variable lookups) and each deal row 500: 30,000 of the page's 97,000 for
20 + 20 rows. Here a row is the row's markup formatted with its values escaped as format_html escapes them, the
template's filters called as functions, each label looked up once per list and each URL pattern reversed once
(`escrow.views.links.Links`). The markup is the template's, byte for byte: tests/escrow/views/test_dashboard_rows.py
renders the template rows this replaced and compares.
"""

from django import template
from django.template.loader import render_to_string
from django.utils.encoding import force_str
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from escrow.models import Deal
from escrow.templatetags.portal import (
    action_label,
    day,
    days_left,
    deal_name,
    moment,
    note_body,
    note_subject,
    role_label,
)
from escrow.views.links import Links

register = template.Library()
DUE_ROW = (
    '\n      <tr data-testid="due-action" data-action="{action}" class="{urgency}">\n'
    '        <td><a href="{deal_url}">{deal_name}</a></td>\n'
    "        <td>{year}</td>\n"
    "        <td>{label}</td>\n"
    '        <td><span class="clause">{clause}</span></td>\n'
    "        <td>{deadline}</td>\n"
    '        <td class="num" data-testid="business-days-left">{business}</td>\n'
    '        <td class="num" data-testid="calendar-days-left">{calendar}</td>\n'
    '        <td><a class="button small" href="{url}" data-testid="do-action">{do_it}</a></td>\n'
    "      </tr>\n    "
)
DEAL_ROW = (
    "\n        <li>\n"
    '          <a href="{deal_url}" data-testid="deal-link">{deal_name}</a>\n'
    '          <span class="muted">· {role} · {state}</span>\n'
    "        </li>\n      "
)


@register.simple_tag
def due_rows(due, links=None) -> str:
    """The rows of "Waiting for you": `due` is (item, the page that does it) pairs, most urgent first."""
    if not due:
        return ""
    links = links or Links()
    words = {
        "do_it": _escaped(gettext("Do it")),
        "firm": _provisional(None),  # what the include writes for a firm deadline (its last newline)
        "undated": format_html('<span class="muted">{}</span>', gettext("no fixed date")),
        "labels": {},  # action -> its label, escaped: looked up once per list
    }
    # Each row is format_html's output (its values escaped as format_html escapes them): the rows are as safe as each.
    return mark_safe("".join(_due_row(item, url, links, words) for item, url in due))  # noqa: S308


def _escaped(value) -> str:
    """What format_html does to each value (django.utils.html.conditional_escape, without its three calls): HTML
    kept, anything else escaped as django.utils.html.escape escapes it (the standard html.escape of its text:
    the same five characters, the same entities, in one pass)."""
    html = getattr(value, "__html__", None)
    return html() if html is not None else str(value).translate(HTML_ESCAPES)


# html.escape(text, quote=True) as a table: & < > " ' (one str.translate instead of five str.replace).
HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"})


def _due_row(item, url, links, words):
    slug, step = item.deal.slug, item.step
    if item.tranche:
        year = item.tranche.year
        year = f'<a href="{_escaped(links.tranche(slug, year))}">{_escaped(year)}</a>'
    else:
        year = "—"
    if step.due:
        mark = _provisional(step.provisional) if step.provisional else words["firm"]
        deadline = _escaped(day(step.due)) + _escaped(mark)
    else:
        deadline = words["undated"]
    labels = words["labels"]
    label = labels.get(step.action)
    if label is None:
        label = labels[step.action] = _escaped(action_label(step.action))
    # format_html(DUE_ROW, ...) with each value escaped above: the same string, a tenth of the calls.
    return DUE_ROW.format(
        action=_escaped(step.action),
        urgency=_urgency(item),  # "overdue", "soon" or "": nothing to escape
        deal_url=_escaped(links.deal(slug)),
        deal_name=_escaped(deal_name(item.deal)),
        year=year,
        label=label,
        clause=_escaped(step.clause),
        deadline=deadline,
        business=_escaped(days_left(item.business_days_left)),
        calendar=_escaped(days_left(item.calendar_days_left)),
        url=_escaped(url),
        do_it=words["do_it"],
    )


def _urgency(item) -> str:
    """Overdue in calendar days, or due within three business days."""
    if item.calendar_days_left is not None and item.calendar_days_left < 0:
        return "overdue"
    if item.business_days_left is not None and item.business_days_left <= 3:
        return "soon"
    return ""


def _provisional(provisional) -> str:
    """P6's mark: includes/provisional.html, the one markup of it, rendered as the row's include rendered
    it: a template's output, a SafeString with its values escaped."""
    return render_to_string("includes/provisional.html", {"provisional": provisional})


@register.simple_tag
def deal_rows(deals, links=None) -> str:
    """The rows of "Your deals": (deal, the person's role on it) pairs."""
    links = links or Links()
    # get_state_display's label, its choices read once for the list (the model rebuilds them on every call); the
    # role and state labels escaped once per list.
    states = dict(Deal._meta.get_field("state").flatchoices)
    roles, shown = {}, {}
    rows = []
    for deal, role in deals:
        if role not in roles:
            roles[role] = _escaped(role_label(role))
        if deal.state not in shown:
            shown[deal.state] = _escaped(force_str(states.get(deal.state, deal.state), strings_only=True))
        rows.append(
            DEAL_ROW.format(  # format_html(DEAL_ROW, ...) with each value escaped as it escapes them
                deal_url=_escaped(links.deal(deal.slug)),
                deal_name=_escaped(deal_name(deal)),
                role=roles[role],
                state=shown[deal.state],
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 (each value escaped above)


# includes/notification_list.html, row by row (the dashboard's eight latest notifications; the notifications page
# keeps the include): about 950 function calls a note through the template language, a tenth of that here.
NOTE_ROW = (
    '\n  <li class="note{unread}" data-testid="notification">\n'
    "    <div>\n"
    "      <strong>{subject}</strong>\n"
    "      {clause}\n"
    '      <div class="muted small">{moment}{deal}</div>\n'
    "      {body}\n"
    "    </div>\n"
    "    {form}\n"
    "  </li>\n"
)
NOTE_FORM = (
    "\n"
    '    <form method="post" action="{action}">\n'
    '      {csrf}<input type="hidden" name="next" value="{next}">\n'
    '      <button type="submit" class="button small secondary" data-testid="mark-read">{mark_read}</button>\n'
    "    </form>\n"
    "    "
)
NOTES_EMPTY = '\n  <li class="muted">{}</li>\n'


@register.simple_tag(takes_context=True)
def note_rows(context, notes, links=None) -> str:
    """includes/notification_list.html for `notes`, as {% include %} renders it in this context (the page's CSRF
    token, its path); tests/escrow/views/test_dashboard_rows.py renders the include and compares."""
    links = links or Links()
    if not notes:
        rows = NOTES_EMPTY.format(_escaped(gettext("No notifications.")))
    else:
        words = {"csrf": _csrf_input(context), "mark_read": _escaped(gettext("Mark read"))}
        request = context.get("request")
        words["next"] = _escaped(request.get_full_path()) if request is not None else ""
        rows = "".join(_note_row(note, links, words) for note in notes)
    return mark_safe(f'<ul class="notes">\n{rows}\n</ul>\n')  # noqa: S308 (each value escaped)


def _note_row(note, links, words):
    deal = note.deal
    if deal:
        deal = f' · <a href="{_escaped(links.deal(deal.slug))}">{_escaped(deal_name(deal))}</a>'
    form = ""
    if not note.read_at:
        form = NOTE_FORM.format(
            action=_escaped(links.reverse("escrow:notification_read", [note.pk])),
            csrf=words["csrf"],
            next=words["next"],
            mark_read=words["mark_read"],
        )
    return NOTE_ROW.format(
        unread="" if note.read_at else " unread",
        subject=_escaped(note_subject(note)),
        clause=f'<span class="clause">{_escaped(note.clause)}</span>' if note.clause else "",
        moment=_escaped(moment(note.created_at)),
        deal=deal or "",
        body=f"<p>{_escaped(note_body(note))}</p>" if note.body else "",
        form=form,
    )


def _csrf_input(context) -> str:
    """What {% csrf_token %} writes in this context (django.template.defaulttags.CsrfTokenNode)."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":  # noqa: S105 (the csrf processor's word for no token)
        return ""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
