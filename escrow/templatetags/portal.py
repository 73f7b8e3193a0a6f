"""Presentation filters: shares, money, percentages and labels formatted for the active language."""

import json

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language, gettext, pgettext

from escrow.contract.moments import beijing_clock, iso_day
from escrow.models import TrancheState
from escrow.notifications.texts import from_data
from escrow.queries.history_words import role_label
from escrow.queries.words import (
    amount_text,
    as_decimal,
    auth_method_label,
    grouped,
    local_name,
    money_text,
    shares_text,
)
from escrow.views.charts import svg
from escrow.views.explanations import steps
from escrow.views.labels import ACTION_LABELS
from parties.language import in_language

register = template.Library()


@register.filter
def shares(value):
    """A whole number of shares with the language's grouping: 3,000,000."""
    return shares_text(value)


@register.filter
def amount(value, places=None):
    """A grouped amount; two decimals unless the figure is whole (targets are whole yuan)."""
    return amount_text(value, places)


@register.filter
def money(value, currency="CNY"):
    """RMB 665,000,000 / 人民币 665,000,000; USD 1,234.50 / 美元 1,234.50."""
    return money_text(value, currency)


@register.filter
def percent(value, places=1):
    number = as_decimal(value)
    if number is None:
        return "—"
    return grouped(number * 100, int(places)) + "%"


@register.filter
def translated(value):
    """Look up an English text (engine policy wording, role labels) in the catalogue at render time."""
    return gettext(str(value)) if value else ""


@register.filter
def deal_name(deal, which="current"):
    """The deal's name in the active language (Chinese name when there is one); "other" for the other."""
    shown = in_language(deal.name, deal.name_zh)
    if which == "other":
        return deal.name if shown != deal.name else deal.name_zh
    return shown


@register.filter
def explained(explanations, currency="CNY"):
    """The engine's calculation steps in the reader's language (escrow.views.explanations)."""
    return steps(explanations, currency)


@register.filter
def note_subject(note):
    """A notification's subject in the language the reader reads now (issue 12)."""
    return _note_text(note, "subject", note.subject)


@register.filter
def note_body(note):
    return _note_text(note, "body", note.body)


def _note_text(note, part, stored):
    """Rendered again from the stored message id and parameters, the deal named in the reader's language;
    a notification written before they were stored shows its stored text."""
    data = (note.message or {}).get(part)
    if data is None or data == "":
        return stored
    replace = {"deal": deal_name(note.deal)} if note.deal_id else None
    try:
        return str(from_data(data, replace))
    except (KeyError, TypeError, ValueError):
        return stored


@register.filter
def auth_method(value):
    """How a signer proved who they were, as words ("password" / "密码")."""
    return auth_method_label(value)


@register.filter
def org_name(organisation):
    """An organisation's (or a deal party's) name in the reader's language (parties.language.local_name)."""
    return local_name(organisation)


register.filter("role_label", role_label)  # escrow.queries.history_words: the API's role_display reads it too


_CHOICES = {}  # (model, field name) -> the field's choices as a dict (display)


@register.filter
def display(obj, name):
    """`obj.get_<name>_display()`, the same text (Django's _get_FIELD_display: the value's label, else the value),
    with the field's choices made a dict once per process instead of on every call (a tenth of the cost)."""
    field = obj._meta.get_field(name)
    choices = _CHOICES.get((type(obj), name))
    if choices is None:
        choices = _CHOICES[type(obj), name] = dict(make_hashable(field.flatchoices))
    value = getattr(obj, field.attname)
    return force_str(choices.get(make_hashable(value), value), strings_only=True)


@register.filter
def state_label(value):
    try:
        return TrancheState(value).label
    except ValueError:
        return value or ""


@register.filter
def action_label(value):
    label = ACTION_LABELS.get(value)
    return label if label is not None else (value or "").replace("_", " ")


@register.filter
def days_left(value):
    """Calendar/business day counts: 'in 5', 'today', '3 overdue'."""
    if value is None:
        return "—"
    if value == 0:
        return pgettext("deadline", "due today")
    if value < 0:
        return gettext("%(n)s overdue") % {"n": -value}
    return str(value)


@register.filter
def short_hash(value, length=12):
    return (value or "")[: int(length)]


# One date style (issue 12 item 2): every contract date on a page goes through `day`, every moment through
# `moment`; config/formats makes whatever Django formats itself (the admin, widgets) ISO as well.
@register.filter
def day(value):
    """A contract date as ISO 8601 in every language: 2027-01-29 (never "Jan. 29, 2027", "01/29/2027")."""
    return iso_day(value) or "—"


@register.filter
def moment(value, style=""):
    """A moment on the Beijing clock, labelled: "2027-01-29 14:05 (Beijing time)" / "…（北京时间）".
    `moment:"bare"` leaves the label out, for a table column whose head already says Beijing time;
    `moment:"seconds"` adds the seconds (labelled)."""
    if value is None or value == "":
        return "—"
    clock = beijing_clock(value, seconds=style == "seconds")
    if style == "bare":
        return clock
    return gettext("%(time)s (Beijing time)") % {"time": clock}


# What includes/deal_nav.html reads of `can` (the tabs each role sees).
NAV_TABS = ("view_register", "download_statement", "view_fees", "view_corporate_actions", "enter_share_prices")
_RENDERED = {}  # fragments rendered once per process by everything they read (_kept)


@register.simple_tag(takes_context=True)
def deal_nav(context, active=""):
    """includes/deal_nav.html (the breadcrumbs and the deal's tabs) as {% include %} renders it, kept per process
    under everything it reads: the language, the URL prefix, the deal's slug, names and ticker, the year, the
    active tab and the tabs `can` opens (issue 13 item 1: it was 4% of a deal page's Python, with nine URLs to
    reverse). A change to any of them is another key, so it is never stale."""
    deal, tranche, can = context["deal"], context.get("tranche"), context.get("can") or {}
    key = (
        "deal_nav",
        get_language(),
        get_script_prefix(),
        get_urlconf(),
        deal.slug,
        deal.name,
        deal.name_zh,
        deal.ticker,
        tranche.year if tranche else None,
        active,
        tuple(bool(can.get(tab)) for tab in NAV_TABS),
    )
    return _kept(key, "includes/deal_nav.html", {"deal": deal, "tranche": tranche, "can": can, "active": active})


@register.simple_tag
def calculation(explanations, currency):
    """includes/calculation.html (the engine's steps in the reader's language) as {% include %} renders it, kept
    per process under what it reads: the language, the currency and the steps (the tranche's stored calculation,
    JSON). Another calculation is another key, so it is never stale."""
    try:
        steps_key = json.dumps(explanations, sort_keys=True)
    except (TypeError, ValueError):  # not plain JSON: rendered each time
        steps_key = None
    context = {"explanations": explanations, "deal": {"target_currency": currency}}
    if steps_key is None:
        return render_to_string("includes/calculation.html", context)
    return _kept(("calculation", get_language(), currency, steps_key), "includes/calculation.html", context)


@register.simple_tag
def whatif_result(schedule, chart, currency):
    """escrow/whatif_result.html (the what-if table, chart and steps) as {% include %} renders it, kept per process
    under everything it reads: the language, the currency, the schedule (its JSON form: each year's figures,
    offsets and steps, the totals; exact, Decimals as strings) and the chart (a dataclass: its repr names every
    bar, label and tick). Issue 13 item 1: the steps' sentences were most of the what-if page's Python. Other
    figures are another key, so it is never stale."""
    key = ("whatif_result", get_language(), currency, json.dumps(schedule.as_dict(), sort_keys=True), repr(chart))
    context = {"schedule": schedule, "chart": chart, "deal": {"target_currency": currency}}
    return _kept(key, "escrow/whatif_result.html", context)


@register.simple_tag
def whatif_fields(form):
    """escrow/whatif_fields.html (the what-if form's revenue and policy fields: labels, widgets, help, errors) as
    {% include %} renders it, kept per process under everything it shows: the language, whether the form is
    bound, and each field's kind, widget and attributes, label, choices (value and words), help, whether it is
    required, the value it shows (submitted or initial) and its errors. Issue 13 item 1: eleven widgets rendered
    through Django's form templates were a third of the page's Python."""
    fields = tuple(
        (
            name,
            type(field).__name__,
            type(field.widget).__name__,
            repr(sorted(field.widget.attrs.items())),
            str(field.label),
            tuple((str(value), str(label)) for value, label in getattr(field, "choices", ())),
            str(field.help_text),
            field.required,
            repr(form[name].value()),
            tuple(str(error) for error in form.errors.get(name, ())),
        )
        for name, field in form.fields.items()
    )
    key = ("whatif_fields", get_language(), form.is_bound, fields)
    context = {
        "revenue_fields": [form[name] for name in form.fields if name.startswith("revenue_")],
        "policy_fields": [form[name] for name in form.fields if not name.startswith("revenue_")],
    }
    return _kept(key, "escrow/whatif_fields.html", context)


@register.simple_tag
def history_filters(form):
    """The history page's filter fields (escrow/history_filters.html: labels, widgets, errors), kept per process
    under everything they show: the language, whether the form is bound, each field's choices (value and words)
    and its submitted value (which decide its errors too). Issue 13 item 1: five widgets rendered through
    Django's form templates were a tenth of the page's Python."""
    fields = tuple(
        (
            name,
            tuple((str(value), str(label)) for value, label in getattr(field, "choices", ())),
            form.data.get(name) if form.is_bound else None,
        )
        for name, field in form.fields.items()
    )
    key = ("history_filters", get_language(), form.is_bound, fields)
    return _kept(key, "escrow/history_filters.html", {"form": form})


def _kept(key, template_name, context):
    """`template_name` rendered with `context`, once per process for each `key` (which must name everything the
    template reads). Bounded: the oldest half of the entries are forgotten past 4,096."""
    found = _RENDERED.get(key)
    if found is None:
        if len(_RENDERED) >= 4096:
            for old in list(_RENDERED)[:2048]:
                _RENDERED.pop(old, None)
        found = _RENDERED[key] = render_to_string(template_name, context)
    return found


@register.simple_tag
def chart_svg(chart, testid=None):
    """An escrow.views.charts.Chart as SVG (escrow.views.charts.svg: Python, not a template, for speed)."""
    return svg(chart, testid)


@register.simple_tag
def role_list(roles):
    return ", ".join(str(role_label(r)) for r in roles) or "—"
