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
    return _kept(("history_filters", *_filters_key(form)), "escrow/history_filters.html", {"form": form})


@register.simple_tag(takes_context=True)
def history_form(context, form):
    """escrow/history_form.html (the history page's filter form: its fields, as history_filters keeps them, and
    its Filter and Clear buttons) as {% include %} renders it, kept per process under everything it reads: what
    history_filters reads, the URL prefix and urlconf and the deal's slug (the Clear link)."""
    deal = context["deal"]
    key = ("history_form", get_script_prefix(), get_urlconf(), deal.slug, *_filters_key(form))
    return _kept(key, "escrow/history_form.html", {"deal": deal, "form": form})


def _filters_key(form):
    """What the history's filter fields show: the language, whether the form is bound, each field's choices
    (value and words) and its submitted value (which decide its errors too)."""
    fields = tuple(
        (
            name,
            tuple((str(value), str(label)) for value, label in getattr(field, "choices", ())),
            form.data.get(name) if form.is_bound else None,
        )
        for name, field in form.fields.items()
    )
    return (get_language(), form.is_bound, fields)


@register.simple_tag(takes_context=True)
def history_heading(context):
    """escrow/history_heading.html (the history page's title and its export buttons) as {% include %} renders it,
    kept per process under everything it reads: the language, the URL prefix and urlconf, the deal's slug and
    whether the viewer may export the history (issue 13 item 1: two URLs to reverse and three translations)."""
    deal, can = context["deal"], context.get("can") or {}
    export = bool(can.get("export_history"))
    key = ("history_heading", get_language(), get_script_prefix(), get_urlconf(), deal.slug, export)
    return _kept(key, "escrow/history_heading.html", {"deal": deal, "can": {"export_history": export}})


@register.simple_tag
def history_columns():
    """escrow/history_columns.html (the history table's column headings) as {% include %} renders it, kept per
    process under the one thing it reads: the language (issue 13 item 1: nine translations on every page)."""
    return _kept(("history_columns", get_language()), "escrow/history_columns.html", {})


def exact(value):
    """A key part that tells apart values Python counts equal but a page writes differently (Decimal("1.0") and
    Decimal("1.00"), 1 and True, a date and a datetime): the value's type with its text."""
    return type(value), str(value)


@register.simple_tag(takes_context=True)
def deal_years(context):
    """escrow/deal_years.html (the deal page's rows of years) as {% include %} renders it, kept per process under
    everything it reads: the language, the URL prefix, the deal's slug and currency, and each row's figures,
    state, next step (due, clause, P6 mark, roles, action), button and whether it is this person's turn. Issue 13
    item 1: the rows were 6,900 of the page's 49,000 function calls. The clock and the viewer are in the key
    through the step and the button, so it is never stale."""
    deal, rows = context["deal"], context["rows"]
    key = (
        "deal_years",
        get_language(),
        get_script_prefix(),
        get_urlconf(),
        deal.slug,
        deal.target_currency,
        tuple(_year_row_key(row) for row in rows),
    )
    return _kept(key, "escrow/deal_years.html", {"deal": deal, "rows": rows})


def _year_row_key(row):
    tranche, step = row.tranche, row.step
    provisional = step.provisional
    return tuple(
        exact(value)
        for value in (
            tranche.year,
            tranche.period_start,
            tranche.period_end,
            tranche.target_revenue,
            tranche.audited_revenue,
            tranche.deducted,
            tranche.state,
            tranche.released_on,
            row.released,
            row.offset_shares,
            row.in_escrow,
            row.my_turn,
            row.step_url,
            step.due,
            step.clause,
            tuple(step.roles),
            step.action,
            None
            if provisional is None
            else (provisional.deadline, provisional.clause, provisional.calendar, tuple(provisional.years)),
        )
    )


@register.simple_tag(takes_context=True)
def deal_parties(context):
    """escrow/deal_parties.html (the deal page's parties and their people) as {% include %} renders it, kept per
    process under everything it reads: the language, the URL prefix, the viewer's organisation, and each party's
    organisation (id, names), role, contract name and approval, and its people's names and titles. Issue 13
    item 1: the list was 3,500 of the deal page's function calls."""
    parties, user = context["parties"], context.get("user")
    key = (
        "deal_parties",
        get_language(),
        get_script_prefix(),
        get_urlconf(),
        getattr(user, "organisation_id", None),
        tuple(
            tuple(
                exact(value)
                for value in (
                    party.organisation_id,
                    party.organisation.name,
                    party.organisation.name_zh,
                    party.role,
                    party.contract_name,
                    party.approved_at,
                    tuple((str(person), person.title) for person in party.people),
                )
            )
            for party in parties
        ),
    )
    return _kept(key, "escrow/deal_parties.html", {"parties": parties, "user": user})


@register.simple_tag(takes_context=True)
def as_of_years(context):
    """escrow/deal_as_of_years.html (the deal page's years as of a day) as {% include %} renders it, kept per
    process under everything it reads: the language, the URL prefix, the deal's slug and currencies, the day, and
    each year's period, target, state, figures, holds (their words and days) and penalty (issue 13 item 1: the
    rows were 5,900 of the page's 38,000 function calls)."""
    deal, snapshot = context["deal"], context["snapshot"]
    key = (
        "as_of_years",
        get_language(),
        get_script_prefix(),
        get_urlconf(),
        deal.slug,
        deal.target_currency,
        deal.price_currency,
        exact(snapshot.day),
        tuple(
            tuple(
                exact(value)
                for value in (
                    t.year,
                    t.state,
                    t.tranche.period_start,
                    t.tranche.period_end,
                    t.tranche.target_revenue,
                    t.audited_revenue,
                    t.release_quantity,
                    t.released,
                    t.released_on,
                    tuple((str(h.kind_label), exact(h.started_on)) for h in t.holds),
                    t.penalty.accrued_through,
                    t.penalty.total,
                    t.penalty.capped,
                )
            )
            for t in snapshot.tranches
        ),
    )
    return _kept(key, "escrow/deal_as_of_years.html", {"deal": deal, "snapshot": snapshot})


@register.simple_tag(takes_context=True)
def transfer_evidence_box(context):
    """escrow/transfer_evidence_box.html (the deposit's or a release's record) as {% include %} renders it, kept
    per process under everything it reads: the language, the URL prefix and each fact of the record, its
    confirmation (id, name, digest) and who recorded it when (issue 13 item 1: 1,700 of the deal page's calls)."""
    transfer = context.get("transfer")
    confirmation = getattr(transfer, "confirmation", None)
    key = (
        "transfer_evidence_box",
        get_language(),
        get_script_prefix(),
        get_urlconf(),
        None
        if not transfer
        else tuple(
            exact(value)
            for value in (
                transfer.kind,
                transfer.quantity,
                transfer.reference,
                transfer.transfer_date,
                transfer.transfer_agent,
                transfer.recipient_account,
                None if confirmation is None else (confirmation.pk, confirmation.original_name, confirmation.sha256),
                bool(confirmation),
                str(transfer.recorded_by),
                transfer.recorded_at,
            )
        ),
    )
    return _kept(key, "escrow/transfer_evidence_box.html", {"transfer": transfer})


LEDGER_FIGURES = ("deposited", "rebased", "released", "returned", "in_escrow")  # what includes/ledger.html reads


@register.simple_tag(takes_context=True)
def ledger_stats(context):
    """includes/ledger.html (the ledger's balances) as {% include %} renders it, kept per process under what it
    reads: the language and the five balances (a dict, balances_of's, or an escrow.queries.as_of.Balances)."""
    balances = context["balances"]
    figures = tuple(
        exact(balances[name] if isinstance(balances, dict) else getattr(balances, name)) for name in LEDGER_FIGURES
    )
    return _kept(("ledger", get_language(), figures), "includes/ledger.html", {"balances": balances})


@register.simple_tag(takes_context=True)
def as_of_instruments(context):
    """escrow/as_of_instruments.html for the deal page as of a day (every year's instruments and signatures then)
    as {% include ... with years=snapshot.tranches instrument_count=snapshot.instrument_count %} renders it, kept
    per process under everything it reads: the language and each instrument's year, kind, shares, status, roles
    awaited and signatures (role, signer, moment). Issue 13 item 1."""
    snapshot = context["snapshot"]
    key = (
        "as_of_instruments",
        get_language(),
        snapshot.instrument_count,
        tuple(
            (
                exact(t.year),
                tuple(
                    (
                        exact(i.kind),
                        exact(i.quantity),
                        exact(i.status),
                        tuple(exact(role) for role in i.awaiting_roles),
                        tuple((exact(s.party_role), str(s.signer), exact(s.signed_at)) for s in i.signatures),
                    )
                    for i in t.instruments
                ),
            )
            for t in snapshot.tranches
        ),
    )
    fragment = {"years": snapshot.tranches, "instrument_count": snapshot.instrument_count}
    return _kept(key, "escrow/as_of_instruments.html", fragment)


@register.simple_tag(takes_context=True)
def as_of_picker(context):
    """escrow/as_of_picker.html (the as-of day's field) as {% include %} renders it, kept per process under
    everything it reads: the language, the page's path, the form's class, whether it is bound, the day it shows,
    the refusal and whether a day is shown (issue 13 item 1: the form's widget templates were 1,800 function
    calls of the deal page)."""
    request, form = context["request"], context["as_of_form"]
    refused, snapshot = context.get("as_of_refused"), context.get("snapshot")
    key = (
        "as_of_picker",
        get_language(),
        request.path,
        type(form),
        form.is_bound,
        exact(form.data.get("as_of") if form.is_bound else form.initial.get("as_of")),
        exact(refused),
        bool(snapshot),
    )
    picker = {"request": request, "as_of_form": form, "as_of_refused": refused, "snapshot": snapshot}
    return _kept(key, "escrow/as_of_picker.html", picker)


@register.simple_tag
def kept_text(template_name, **flags):
    """`template_name`, a fragment of fixed words (table heads: {% translate %} tags and markup, nothing of the
    deal), as {% include ... with flags %} renders it, kept per process under all it reads: the language and
    the flags it is given (issue 13 item 1: the tranche page's heads were ~20 translations a request)."""
    key = ("kept_text", template_name, get_language(), tuple(sorted(flags.items())))
    return _kept(key, template_name, flags)


# What escrow/tranche_stats.html reads of the tranche.
STAT_FIELDS = ("own_release", "deducted", "release_quantity", "release_due_date", "transfer_due_date", "released_on")


@register.simple_tag(takes_context=True)
def tranche_stats(context):
    """escrow/tranche_stats.html (the year's figures under their labels) as {% include %} renders it, kept per
    process under all it reads: the language, each figure (as text: 1.0 and 1 are other keys) and the provisional
    transfer date's reason in that language. Another figure is another key, so it is never stale."""
    tranche, provisional = context["tranche"], context.get("transfer_provisional")
    figures = tuple(str(getattr(tranche, name)) for name in STAT_FIELDS)
    reason = str(provisional.reason) if provisional else None
    key = ("tranche_stats", get_language(), figures, bool(provisional), reason)
    return _kept(key, "escrow/tranche_stats.html", {"tranche": tranche, "transfer_provisional": provisional})


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
