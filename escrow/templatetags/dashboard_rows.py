"""The dashboard's two long lists, "Waiting for you" and "Your deals", written row by row in Python:
`{% due_rows due links %}` and `{% deal_rows deals links %}` in templates/escrow/dashboard.html.

Issue 13 item 1: rendered by the template language, each due row cost about 1,000 function calls (two {% url %}
tags, five filters, an include, ten variable lookups) and each deal row 500: 30,000 of the page's 97,000 for
20 + 20 rows. Here a row is the row's markup formatted with its values escaped as format_html escapes them, the
template's filters called as functions, each label looked up once per list and each URL pattern reversed once
(`escrow.views.links.Links`). The markup is the template's, byte for byte: tests/escrow/views/test_dashboard_rows.py
renders the template rows this replaced and compares.
"""

from html import escape

from django import template
from django.template.loader import render_to_string
from django.utils.encoding import force_str
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from escrow.models import Deal
from escrow.templatetags.portal import action_label, day, days_left, deal_name, role_label
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
    kept, anything else escaped as django.utils.html.escape escapes it (the standard html.escape of its text)."""
    html = getattr(value, "__html__", None)
    return html() if html is not None else escape(str(value))


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
