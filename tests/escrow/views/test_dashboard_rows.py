# ruff: noqa: E501 (the template's rows as they were, verbatim)
"""Issue 13 item 1: the dashboard's rows are written in Python (escrow/templatetags/dashboard_rows.py); they must be the
markup the template wrote, byte for byte, for every kind of row and in both languages. OLD_DUE and OLD_DEALS are
the template's loops as they were before (templates/escrow/dashboard.html)."""

import re
from datetime import UTC, date, datetime

import pytest
from django.template import Context, RequestContext, Template
from django.utils import translation

from escrow.models import Deal, Notification, Role, Tranche, TrancheState
from escrow.queries.clock import ProvisionalDeadline
from escrow.queries.due import DueAction
from escrow.queries.steps import CONFIRM_DEPOSIT, NextStep, next_step
from escrow.templatetags.dashboard_rows import deal_rows, due_rows
from escrow.views.links import Links

OLD_DUE = """{% load i18n portal %}{% for item, url in due %}
      <tr data-testid="due-action" data-action="{{ item.step.action }}" class="{% if item.calendar_days_left is not None and item.calendar_days_left < 0 %}overdue{% elif item.business_days_left is not None and item.business_days_left <= 3 %}soon{% endif %}">
        <td><a href="{% url 'escrow:deal' item.deal.slug %}">{{ item.deal|deal_name }}</a></td>
        <td>{% if item.tranche %}<a href="{% url 'escrow:tranche' item.deal.slug item.tranche.year %}">{{ item.tranche.year }}</a>{% else %}—{% endif %}</td>
        <td>{{ item.step.action|action_label }}</td>
        <td><span class="clause">{{ item.step.clause }}</span></td>
        <td>{% if item.step.due %}{{ item.step.due|day }}{% include "includes/provisional.html" with provisional=item.step.provisional %}{% else %}<span class="muted">{% translate "no fixed date" %}</span>{% endif %}</td>
        <td class="num" data-testid="business-days-left">{{ item.business_days_left|days_left }}</td>
        <td class="num" data-testid="calendar-days-left">{{ item.calendar_days_left|days_left }}</td>
        <td><a class="button small" href="{{ url }}" data-testid="do-action">{% translate "Do it" %}</a></td>
      </tr>
    {% endfor %}"""
OLD_DEALS = """{% load i18n portal %}{% for deal, role in deals %}
        <li>
          <a href="{% url 'escrow:deal' deal.slug %}" data-testid="deal-link">{{ deal|deal_name }}</a>
          <span class="muted">· {{ role|role_label }} · {{ deal.get_state_display }}</span>
        </li>
      {% empty %}
        <li class="muted">{% translate "You are not a party to any deal." %}</li>
      {% endfor %}"""

KAIXIN = Deal(pk=7, slug="kaixin-2025", name="Kaixin <Holdings> & Co", name_zh="凯鑫", state=Deal.State.IN_ESCROW)
ODD = Deal(pk=8, slug="odd-slug_2", name="Odd", name_zh="", state=Deal.State.AWAITING_DEPOSIT)
PROVISIONAL = ProvisionalDeadline("transfer_due_date", "EA 3.2", date(2027, 2, 10), "CN", (2027,))


def due_items():
    deposit = NextStep((Role.ESCROW_AGENT,), "confirm_deposit", CONFIRM_DEPOSIT, date(2025, 12, 23), "EA 1.1")
    yield DueAction(ODD, None, deposit, 22, 15), "/deals/odd-slug_2/deposit/"
    for days in (-3, 0, 2, 5, None):
        for state in (TrancheState.AWAITING_REPORT, TrancheState.DISPUTED, TrancheState.INSTRUCTED):
            tranche = Tranche(
                pk=11, year=2, deal=KAIXIN, state=state, calculation={}, release_due_date=date(2027, 1, 29)
            )
            step = next_step(tranche, signed_roles=set())
            yield DueAction(KAIXIN, tranche, step, days, days), "/deals/kaixin-2025/years/2/?a=1&b=<2>"
    late = NextStep((Role.ESCROW_AGENT,), "prepare_release", "Prepare", date(2027, 2, 10), "EA 3.2", PROVISIONAL)
    yield DueAction(KAIXIN, Tranche(pk=12, year=3, deal=KAIXIN), late, 40, 3), "/x/"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_due_rows_are_the_templates(language):
    due = list(due_items())
    with translation.override(language):
        old = Template(OLD_DUE).render(Context({"due": due}))
        assert due_rows(due, Links()) == old


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_deal_rows_are_the_templates(language):
    deals = [(KAIXIN, Role.ISSUER), (ODD, "auditor"), (KAIXIN, None), (ODD, "")]
    with translation.override(language):
        old = Template(OLD_DEALS).render(Context({"deals": deals}))
        assert deal_rows(deals, Links()) == old


def test_links_are_reverses():
    from django.urls import reverse

    links = Links()
    for slug in ("kaixin-2025", "a_b", "x"):
        assert links.deal(slug) == reverse("escrow:deal", args=[slug])
        for year in (1, 5, 12):
            assert links.tranche(slug, year) == reverse("escrow:tranche", args=[slug, year])
    # slugs that look like the stand-ins, and another pattern (an instrument's page)
    for slug, year in (("a-987654321", 987654320), ("0slug01x", 2)):
        assert links.tranche(slug, year) == reverse("escrow:tranche", args=[slug, year])
    for pk in (1, 987654320, 42):
        assert links.reverse("escrow:sign", [pk]) == reverse("escrow:sign", args=[pk])


def notes():
    kaixin, odd = KAIXIN, ODD
    moment = datetime(2026, 11, 30, 9, 5, tzinfo=UTC)
    yield Notification(
        pk=1, subject="Report <due>", body="Body & more", clause="SPA 4.2", deal=kaixin, created_at=moment
    )
    yield Notification(pk=2, subject="Read one", body="", clause="", deal=None, created_at=moment, read_at=moment)
    yield Notification(pk=3, subject="No deal", body="x", clause="EA <3>", deal=None, created_at=moment)
    yield Notification(pk=4, subject="Odd", body="", clause="", deal=odd, created_at=moment, read_at=moment)
    yield Notification(pk=987654320, subject="Big", body="b", clause="", deal=odd, created_at=moment)


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("count", [0, 1, 5])
def test_note_rows_are_the_include(rf, language, count):
    request = rf.get("/?page=2&x=<a>")
    listed = list(notes())[:count]
    include = Template('{% include "includes/notification_list.html" with notes=notes %}')
    ours = Template("{% load dashboard_rows %}{% csrf_token %}|{% note_rows notes %}")
    with translation.override(language):
        old = include.render(RequestContext(request, {"notes": listed}))
        new = ours.render(RequestContext(request, {"notes": listed}))
    token, rows = new.split("|", 1)
    assert CSRF.sub("T", rows) == CSRF.sub("T", old)
    if count:  # the page's one token (the csrf context processor's), as {% csrf_token %} writes it
        assert CSRF.search(rows).group(0) == CSRF.search(token).group(0)


def test_escaping_is_djangos():
    from django.utils.html import conditional_escape
    from django.utils.safestring import mark_safe

    from escrow.templatetags.dashboard_rows import _escaped

    for value in ["", "plain", "<a href=\"x\">'&'</a>", "&amp;", "中文 & <b>", 42, None, mark_safe("<b>kept</b>")]:
        assert _escaped(value) == conditional_escape(value), value
