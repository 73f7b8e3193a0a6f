# ruff: noqa: E501 (the template loops as they were written)
"""The tranche page's state history and document list written in Python (escrow.templatetags.year_rows, issue 13
item 1): each must be what the template loop drew, byte for byte, in English and in Chinese: entries by a person and
by the portal, with and without states, with a transfer's references, documents with and without an uploader, the
empty lists, and characters that need escaping."""

import copy

import pytest
from django.template import engines
from django.utils import translation

from escrow.models import Tranche
from escrow.queries.history_words import HistoryWords
from escrow.queries.year_reads import documents_read, year_history
from escrow.templatetags.year_rows import document_items, year_history_rows
from escrow.views.history import in_words
from tests.conftest import open_and_file, release

pytestmark = pytest.mark.django_db

# The loops as templates/escrow/tranche.html drew them before the tags.
HISTORY_LOOP = (
    "{% load i18n portal %}"
    "{% for e in history %}\n"
    '      <tr><td>{{ e.seq }}</td><td class="nowrap">{{ e.at|moment:"bare" }}</td>\n'
    '        <td>{{ e.actor_name|default:_("the portal") }}{% if e.acting_for %}<div class="small muted">{{ e.party_words }}</div>{% endif %}</td>\n'
    '        <td data-action="{{ e.action }}">{{ e.action_words }}</td>\n'
    '        <td class="nowrap">{% if e.from_state or e.to_state %}{{ e.from_words|default:"—" }} → {{ e.to_words }}{% endif %}</td>\n'
    '        <td><span class="clause">{{ e.clause }}</span></td><td class="small" data-testid="history-summary" title="{% translate \'The record (English, hashed):\' %} {{ e.summary }}">{{ e.summary_words }}{% include "escrow/history_references.html" with details=e.details %}</td></tr>\n'
    '    {% empty %}<tr><td colspan="7" class="muted">{% translate "Nothing has happened on this year yet." %}</td></tr>{% endfor %}'
)
DOCUMENTS_LOOP = (
    "{% load i18n portal %}"
    "{% for doc in documents %}\n"
    '        <li><a href="{% url \'escrow:document\' doc.pk %}" data-testid="document-download">{{ doc|display:"kind" }}</a>\n'
    '          <div class="small muted">{{ doc.original_name }} · {{ doc.size|filesizeformat }} · {{ doc.uploaded_at|moment }}{% if doc.uploaded_by %} · {{ doc.uploaded_by }}{% endif %}</div>\n'
    '          <div class="small"><code>{{ doc.sha256 }}</code></div></li>\n'
    '      {% empty %}<li class="muted">{% translate "No documents yet." %}</li>{% endfor %}'
)


def _odd_entry(entry):
    odd = copy.copy(entry)
    odd.actor_name = ""
    odd.acting_for = "issuer"
    odd.summary = odd.summary_words = "a <b>&\"quoted'</b>"
    odd.clause = "SPA <5.1> & EA"
    odd.party_words = "Kaixin & <Co>"
    odd.action = "x<y>"
    odd.from_words = ""
    odd.to_state = odd.to_state or "x"
    odd.to_words = "<to>"
    return odd


def _odd_document(document):
    odd = copy.copy(document)
    odd.original_name = "<report> & \"its\" 'name'.pdf"
    odd.sha256 = "<&>"
    odd.size = 123456789
    odd.uploaded_by = None
    return odd


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_rows_are_what_the_loops_drew(deposited, people, language):
    open_and_file(deposited, people, 1, "665000000")
    release(deposited, people, 1)
    history, documents = (engines["django"].from_string(t) for t in (HISTORY_LOOP, DOCUMENTS_LOOP))
    shown = {"references": 0, "by the portal": 0, "documents": 0}
    with translation.override(language):
        for tranche in Tranche.objects.filter(deal=deposited).order_by("year"):
            entries = in_words(year_history(deposited, tranche), HistoryWords(deposited))
            entries += [_odd_entry(e) for e in entries]
            for some in (entries, entries[:1], []):
                drawn = year_history_rows(some)
                assert drawn == history.render({"history": some}), tranche.year
            shown["references"] += year_history_rows(entries).count('data-testid="history-references"')
            shown["by the portal"] += sum(not e.actor_name for e in entries)
            found = documents_read(tranche)
            found += [_odd_document(d) for d in found]
            for some in (found, found[:1], []):
                assert document_items(some) == documents.render({"documents": some}), tranche.year
            shown["documents"] += len(found)
    assert all(shown.values()), shown


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_kept_picker_is_the_include_and_never_stale(deposited, language):
    """Each input of the kept picker (path, day asked, refusal, snapshot shown) changes what it shows, as the
    include does; asked again, the same inputs give the same bytes."""
    from django.test import RequestFactory

    from escrow.views.forms import AsOfForm

    include = engines["django"].from_string('{% include "escrow/as_of_picker.html" %}')
    tag = engines["django"].from_string("{% load year_rows %}{% as_of_picker %}")
    cases = []
    for path in ("/deals/kaixin-2025/years/1/", "/deals/kaixin-2025/years/2/"):
        for raw in ("", "2026-12-01", "2025-06-30", "<bad & 'day'>"):
            for refused in ("", "2025-06-30 is before <the deal> & was created"):
                for snapshot in (None, object()):
                    cases.append((path, raw, refused, snapshot))
    drawn = set()
    with translation.override(language):
        for path, raw, refused, snapshot in cases + cases:  # twice: the second time from the kept fragments
            request = RequestFactory().get(path, {"as_of": raw})
            context = {"request": request, "as_of_form": AsOfForm(initial={"as_of": raw}), "as_of_refused": refused}
            context["snapshot"] = snapshot
            shown = tag.render(context)
            assert shown == include.render(context), (path, raw, refused, bool(snapshot))
            drawn.add(shown)
    assert len(drawn) == len(cases)  # every input changed the fragment


def test_the_document_link_is_what_reverse_writes():
    """document_url: the link reversed once per script prefix and urlconf, each pk in its place; another prefix is
    another copy (under a prefix the link changes with it)."""
    from django.urls import reverse, set_script_prefix

    from escrow.templatetags.year_rows import document_url

    seen = set()
    for prefix in ("/", "/portal/", "/"):
        set_script_prefix(prefix)
        try:
            for pk in (1, 2, 10, 987654321, 123456789012):
                assert document_url(pk) == reverse("escrow:document", args=[pk])
            seen.add(document_url(7))
        finally:
            set_script_prefix("/")
    assert seen == {"/documents/7/", "/portal/documents/7/"}
