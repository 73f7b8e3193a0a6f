"""Compliance history: browse a deal's hash-chained history with filters, verify it, export it."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from escrow.contract.moments import beijing_clock, file_stamp
from escrow.queries.history import NewestFirst, history_of, page_reads
from escrow.queries.history_words import HistoryWords, action_label, state_label
from escrow.queries.transfers import entry_references
from escrow.views.common import deal_for, viewer
from escrow.views.forms import HistoryFilterForm

PER_PAGE = 50


@login_required
def history(request, slug):
    deal = deal_for(request, slug)
    role, can = viewer(request, deal)
    entries = history_of(deal)
    words = HistoryWords(deal)
    (choices, count), check = page_reads(deal)  # the chain's check is incremental: its cost does not grow
    form = HistoryFilterForm(request.GET or None, words=words, **choices)
    if form.is_valid() and any(form.cleaned_data.get(name) for name in FILTERS):
        pages = Paginator(_filtered(entries, form.cleaned_data).order_by("-seq"), PER_PAGE)
    else:  # every entry: counted with the choices, each page read by hand-written SQL
        pages = Paginator(NewestFirst(deal, count), PER_PAGE)
    page = pages.get_page(request.GET.get("page"))
    rows_html(in_words(page.object_list, words))
    return render(
        request,
        "escrow/history.html",
        {
            "deal": deal,
            "role": role,
            "can": can,
            "form": form,
            "page": page,
            "check": check,
            "query": _query_without_page(request),
        },
    )


def in_words(entries, words):
    """What the reader reads of each entry: its action, states, party and summary as words in the reader's
    language; the stored English summary stays on the entry (the legal record, shown as a tooltip)."""
    entries = list(entries)
    for entry in entries:
        entry.action_words = action_label(entry.action)
        entry.from_words = state_label(entry.from_state) if entry.from_state else ""
        entry.to_words = state_label(entry.to_state) if entry.to_state else ""
        entry.party_words = words.party_label(entry.acting_for) if entry.acting_for else ""
        entry.summary_words = words.summary(entry)
    return entries


def rows_html(entries):
    """Each entry's table row (`entry.row`) as the history table's row template drew it, written in Python (issue
    13 item 1: the row's eleven cells, its references and its hash were 60% of the page's Python). The same bytes
    as ROW_TEMPLATE in tests/escrow/views/test_history_rows.py, which checks it in English and Chinese. The
    entries carry their words (in_words)."""
    texts = {
        "portal": gettext("the portal"),  # a filter's literal argument: not escaped by the template either
        "record": escape(gettext("The record (English, hashed):")),
        "copy_full": escape(gettext("Copy the full hash")),
        "copied": escape(gettext("Copied")),
        "copy": escape(gettext("Copy")),
    }
    for entry in entries:
        entry.row = _row(entry, texts)
    return entries


def _row(e, texts):
    at = "—" if e.at is None or e.at == "" else escape(beijing_clock(e.at))
    who = conditional_escape(e.actor_name) if e.actor_name else texts["portal"]
    year = e.tranche.year if e.tranche_id and e.tranche.year else ""
    states = ""
    if e.from_state or e.to_state:
        before = conditional_escape(e.from_words) if e.from_words else "—"
        states = f"{before} → {conditional_escape(e.to_words)}"
    refs = entry_references(e.details)
    references = render_to_string("escrow/history_references.html", {"details": e.details}) if refs else "\n"
    value = escape(e.hash)
    return mark_safe(  # noqa: S308 - every value in it is escaped above or here
        f'<tr data-testid="history-row"><td>{e.seq}</td><td class="nowrap">{at}</td><td class="person">{who}</td>'
        f'<td class="small party">{conditional_escape(e.party_words)}</td>\n'
        f'        <td>{year}</td><td data-action="{escape(e.action)}">{conditional_escape(e.action_words)}</td>\n'
        f'        <td class="small state-cell">{states}</td>\n'
        f'        <td><span class="clause">{escape(e.clause)}</span></td><td class="small summary-cell" '
        f'data-testid="history-summary" title="{texts["record"]} {escape(e.summary)}">'
        f"{conditional_escape(e.summary_words)}{references}</td>"
        f'<td class="hash-cell"><code class="small nobreak" data-testid="history-hash" data-hash="{value}" '
        f'title="{value}">{escape((e.hash or "")[:12])}…</code><button type="button" class="copy" data-copy="{value}" '
        f'data-testid="copy-hash" aria-label="{texts["copy_full"]}" title="{texts["copy_full"]}" '
        f'data-done="{texts["copied"]}">{texts["copy"]}</button>\n</td></tr>'
    )


FILTERS = ("acting_for", "actor", "action", "date_from", "date_to")  # the form's fields _filtered reads


def _filtered(entries, data):
    if data.get("acting_for"):
        entries = entries.filter(acting_for=data["acting_for"])
    if data.get("actor"):
        entries = entries.filter(actor_id=data["actor"])
    if data.get("action"):
        entries = entries.filter(action=data["action"])
    if data.get("date_from"):
        entries = entries.filter(at__date__gte=data["date_from"])
    if data.get("date_to"):
        entries = entries.filter(at__date__lte=data["date_to"])
    return entries


def _query_without_page(request):
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _export(request, slug, exporter, content_type, extension):
    deal = deal_for(request, slug, action="export_history")
    data, check = exporter(deal)
    response = HttpResponse(data, content_type=content_type)
    # The moment in the name is Beijing time, like every page and the export itself (issue 12 item 2).
    stamp = file_stamp(timezone.now())
    response["Content-Disposition"] = f'attachment; filename="{deal.slug}-history-{stamp}-beijing.{extension}"'
    response["X-Chain-Length"] = str(check.length)
    response["X-Chain-Head"] = check.head_hash
    response["X-Chain-Verified"] = "yes" if check.ok else "no"
    return response


@login_required
def history_csv(request, slug):
    from escrow.queries.exports import export_csv

    return _export(request, slug, export_csv, "text/csv; charset=utf-8", "csv")


@login_required
def history_pdf(request, slug):
    from escrow.queries.exports import export_pdf

    return _export(request, slug, export_pdf, "application/pdf", "pdf")
