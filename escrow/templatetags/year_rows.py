"""The tranche page's state history and document list written in Python (issue 13 item 1): the template loops cost
about 700 function calls an entry and 300 a document. Each tag returns, byte for byte, what the `{% for %}` loop it
replaced in templates/escrow/tranche.html rendered (its {% empty %} row included); the loops are kept in
tests/escrow/views/test_year_rows.py, which compares both in English and Chinese, escaping included."""

from django import template
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from escrow.contract.moments import beijing_clock
from escrow.queries.transfers import entry_references
from escrow.templatetags.portal import _kept, display, moment

register = template.Library()


@register.simple_tag
def year_history_rows(entries):
    """`{% for e in history %}` of the state-history table; the entries carry their words (views.history.in_words)."""
    if not entries:
        return mark_safe(  # noqa: S308 - a translated text, escaped
            f'<tr><td colspan="7" class="muted">{escape(gettext("Nothing has happened on this year yet."))}</td></tr>'
        )
    portal = gettext("the portal")  # a filter's literal argument: the template does not escape it either
    record = escape(gettext("The record (English, hashed):"))
    return mark_safe("".join(_history_row(e, portal, record) for e in entries))  # noqa: S308 - escaped in the row


def _history_row(e, portal, record):
    at = "—" if e.at is None or e.at == "" else escape(beijing_clock(e.at))
    who = conditional_escape(e.actor_name) if e.actor_name else portal
    party = f'<div class="small muted">{conditional_escape(e.party_words)}</div>' if e.acting_for else ""
    states = ""
    if e.from_state or e.to_state:
        before = conditional_escape(e.from_words) if e.from_words else "—"
        states = f"{before} → {conditional_escape(e.to_words)}"
    references = render_to_string("escrow/history_references.html", {"details": e.details}) if _refs(e) else "\n"
    return (
        f'\n      <tr><td>{e.seq}</td><td class="nowrap">{at}</td>\n'
        f"        <td>{who}{party}</td>\n"
        f'        <td data-action="{escape(e.action)}">{conditional_escape(e.action_words)}</td>\n'
        f'        <td class="nowrap">{states}</td>\n'
        f'        <td><span class="clause">{escape(e.clause)}</span></td>'
        f'<td class="small" data-testid="history-summary" title="{record} {escape(e.summary)}">'
        f"{conditional_escape(e.summary_words)}{references}</td></tr>\n    "
    )


def _refs(entry):
    return entry_references(entry.details)


@register.simple_tag
def document_items(documents):
    """`{% for doc in documents %}` of the year's document list."""
    if not documents:
        return mark_safe(f'<li class="muted">{escape(gettext("No documents yet."))}</li>')  # noqa: S308 - escaped
    return mark_safe("".join(_document_item(doc) for doc in documents))  # noqa: S308 - escaped in the item


_PLACEHOLDER = 987654321  # no document's pk: the link reversed once is split around it
_DOCUMENT_LINKS = {}  # (script prefix, urlconf) -> the document link's halves around the pk


def document_url(pk) -> str:
    """reverse("escrow:document", args=[pk]), reversed once per process for each script prefix and urlconf (all
    the link reads; the paths have no language prefix) and each pk put in its place."""
    key = (get_script_prefix(), get_urlconf())
    halves = _DOCUMENT_LINKS.get(key)
    if halves is None:
        head, _, tail = reverse("escrow:document", args=[_PLACEHOLDER]).rpartition(str(_PLACEHOLDER))
        halves = _DOCUMENT_LINKS[key] = (head, tail)
    return f"{halves[0]}{int(pk)}{halves[1]}"


def _document_item(doc):
    url = escape(document_url(doc.pk))
    kind = conditional_escape(display(doc, "kind"))
    by = f" · {conditional_escape(doc.uploaded_by)}" if doc.uploaded_by else ""
    return (
        f'\n        <li><a href="{url}" data-testid="document-download">{kind}</a>\n'
        f'          <div class="small muted">{conditional_escape(doc.original_name)} · '
        f"{conditional_escape(filesizeformat(doc.size))} · {conditional_escape(moment(doc.uploaded_at))}{by}</div>\n"
        f'          <div class="small"><code>{conditional_escape(doc.sha256)}</code></div></li>\n      '
    )


@register.simple_tag(takes_context=True)
def as_of_picker(context):
    """escrow/as_of_picker.html as {% include %} renders it on the year-as-of page, kept per process under everything
    it reads: the language, the page's path, the day asked for (the form's initial value), the refusal and whether
    a snapshot is shown. Its date widget, rendered through Django's form templates, was 1,500 function calls."""
    request, form = context["request"], context["as_of_form"]
    refused, snapshot = context.get("as_of_refused") or "", context.get("snapshot")
    key = (
        "as_of_picker",
        get_language(),
        request.path,
        str(form.initial.get("as_of", "")),
        str(refused),
        bool(snapshot),
    )
    values = {"request": request, "as_of_form": form, "as_of_refused": refused, "snapshot": snapshot}
    return _kept(key, "escrow/as_of_picker.html", values)
