"""The dashboard's two long lists, "Waiting for you" and "Your deals", written row by row in Python:
`{% due_rows due %}` and `{% deal_rows deals %}` in templates/escrow/dashboard.html.

Issue 13 item 1: rendered by the template language, each due row cost about 1,000 function calls (two {% url %}
tags, five filters, an include, ten variable lookups) and each deal row 500: 30,000 of the page's 97,000 for
20 + 20 rows. Here a row is one format_html over the values the template read, with the same filters called
as functions, and each URL pattern is reversed once per list (`Links`). The markup is the template's, byte for
byte: tests/escrow/views/test_dashboard_rows.py renders the template rows this replaced and compares.
"""

import re
from functools import cached_property

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from escrow.models import Deal
from escrow.templatetags.portal import action_label, day, days_left, deal_name, role_label

PLAIN = re.compile(r"[-A-Za-z0-9_]+")  # what reverse() leaves as it is (no percent-encoding)
SLUG, YEAR = "0slug0", 99999  # stand-ins, replaced in the reversed pattern

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


class Links:
    """The deal's and the year's page, each pattern reversed once: a slug of plain characters goes into the
    reversed pattern as reverse() would put it; any other slug is reversed as usual."""

    @cached_property
    def _deal(self):
        return reverse("escrow:deal", args=[SLUG])

    @cached_property
    def _tranche(self):
        return reverse("escrow:tranche", args=[SLUG, YEAR])

    def deal(self, slug):
        if PLAIN.fullmatch(slug):
            return self._deal.replace(SLUG, slug)
        return reverse("escrow:deal", args=[slug])

    def tranche(self, slug, year):
        if PLAIN.fullmatch(slug) and isinstance(year, int):
            return self._tranche.replace(f"/{YEAR}/", f"/{year}/").replace(SLUG, slug)
        return reverse("escrow:tranche", args=[slug, year])


@register.simple_tag
def due_rows(due, links=None) -> str:
    """The rows of "Waiting for you": `due` is (item, the page that does it) pairs, most urgent first."""
    if not due:
        return ""
    links = links or Links()
    words = {
        "do_it": gettext("Do it"),
        "firm": _provisional(None),  # what the include writes for a firm deadline (its last newline)
    }
    # Each row is format_html's output (its values escaped): the joined rows are as safe as each one.
    return mark_safe("".join(_due_row(item, url, links, words) for item, url in due))  # noqa: S308


def _due_row(item, url, links, words):
    slug, step = item.deal.slug, item.step
    if item.tranche:
        year = format_html('<a href="{}">{}</a>', links.tranche(slug, item.tranche.year), item.tranche.year)
    else:
        year = "—"
    if step.due:
        mark = _provisional(step.provisional) if step.provisional else words["firm"]
        deadline = format_html("{}{}", day(step.due), mark)
    else:
        deadline = format_html('<span class="muted">{}</span>', gettext("no fixed date"))
    return format_html(
        DUE_ROW,
        action=step.action,
        urgency=_urgency(item),
        deal_url=links.deal(slug),
        deal_name=deal_name(item.deal),
        year=year,
        label=action_label(step.action),
        clause=step.clause,
        deadline=deadline,
        business=days_left(item.business_days_left),
        calendar=days_left(item.calendar_days_left),
        url=url,
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
    # get_state_display's label, its choices read once for the list (the model rebuilds them on every call).
    states = dict(Deal._meta.get_field("state").flatchoices)
    return mark_safe(  # noqa: S308 (each row is format_html's output, its values escaped)
        "".join(
            format_html(
                DEAL_ROW,
                deal_url=links.deal(deal.slug),
                deal_name=deal_name(deal),
                role=role_label(role),
                state=force_str(states.get(deal.state, deal.state), strings_only=True),
            )
            for deal, role in deals
        )
    )
