"""The history table's rows written in Python (escrow.views.history.rows_html, issue 13 item 1): each row must be
what the row template drew, byte for byte, in English and in Chinese: entries by a person and by the portal, with
and without states, with a transfer's references and with characters that need escaping."""

import copy

import pytest
from django.template import engines
from django.utils import translation

from escrow.queries.history import history_of
from escrow.queries.history_words import HistoryWords
from escrow.views.history import in_words, rows_html
from tests.conftest import open_and_file, release

pytestmark = pytest.mark.django_db

# The row as templates/escrow/history.html drew it before rows_html.
ROW_TEMPLATE = (
    "{% load i18n portal %}"
    '<tr data-testid="history-row"><td>{{ e.seq }}</td><td class="nowrap">{{ e.at|moment:"bare" }}</td>'
    '<td class="person">{{ e.actor_name|default:_("the portal") }}</td>'
    '<td class="small party">{{ e.party_words }}</td>\n'
    '        <td>{{ e.tranche.year|default:"" }}</td><td data-action="{{ e.action }}">{{ e.action_words }}</td>\n'
    '        <td class="small state-cell">{% if e.from_state or e.to_state %}{{ e.from_words|default:"—" }} → '
    "{{ e.to_words }}{% endif %}</td>\n"
    '        <td><span class="clause">{{ e.clause }}</span></td><td class="small summary-cell" '
    'data-testid="history-summary" title="{% translate \'The record (English, hashed):\' %} {{ e.summary }}">'
    '{{ e.summary_words }}{% include "escrow/history_references.html" with details=e.details %}</td>'
    '<td class="hash-cell">{% include "includes/hash.html" with value=e.hash testid="history-hash" %}</td></tr>'
)


def _odd(entry):
    """The entry with characters to escape everywhere a value is written, and by the portal."""
    odd = copy.copy(entry)
    odd.actor_name = ""
    odd.summary = odd.summary_words = "a <b>&\"quoted'</b>"
    odd.clause = "SPA <5.1> & EA"
    odd.party_words = "Kaixin & <Co>"
    odd.from_words = ""
    odd.to_state = odd.to_state or "x"
    odd.to_words = "<to>"
    return odd


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_each_row_is_what_the_template_drew(deposited, people, language):
    open_and_file(deposited, people, 1, "665000000")
    release(deposited, people, 1)
    template = engines["django"].from_string(ROW_TEMPLATE)
    with translation.override(language):
        entries = in_words(history_of(deposited).order_by("-seq"), HistoryWords(deposited))
        entries += [_odd(e) for e in entries]
        rows_html(entries)
        kinds = {(bool(e.actor_name), bool(e.from_state or e.to_state), e.tranche_id is not None) for e in entries}
        assert len(kinds) >= 4  # by a person and by the portal, with and without states and a year
        assert sum('data-testid="history-references"' in e.row for e in entries) >= 2  # a deposit, a release
        for entry in entries:
            assert entry.row == template.render({"e": entry}), entry.action


# The filter fields as templates/escrow/history.html drew them before the history_filters tag.
FILTERS_TEMPLATE = (
    '{% for field in form %}<div class="field"><label for="{{ field.id_for_label }}">{{ field.label }}</label>'
    '{{ field }}{% for e in field.errors %}<p class="field-error">{{ e }}</p>{% endfor %}</div>{% endfor %}'
)
FILTER_DATA = [
    None,
    {"page": "2"},
    {"action": "deposit_confirmed", "date_from": "2026-11-01"},
    {"action": "no_such_action", "date_from": "2026-13-01", "actor": "999", "acting_for": "<x>"},
]


def _choices(entries):
    """The filter's choices of these entries (the ORM reading filter_choices replaced; test_history_page_sql.py)."""
    return {
        "parties": entries.exclude(acting_for="")
        .order_by("acting_for")
        .values_list("acting_for", flat=True)
        .distinct(),
        "people": entries.exclude(actor=None).order_by("actor_name").values_list("actor_id", "actor_name").distinct(),
        "actions": entries.order_by("action").values_list("action", flat=True).distinct(),
    }


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_filters_are_what_the_template_drew_and_never_stale(deposited, people, language):
    from django.http import QueryDict

    from escrow.views.forms import HistoryFilterForm

    engine = engines["django"]
    with translation.override(language):
        for data in FILTER_DATA:
            for entries in (history_of(deposited), history_of(deposited).filter(seq__lte=1)):
                query = QueryDict(mutable=True)
                query.update(data or {})
                form = HistoryFilterForm(query if data else None, words=HistoryWords(deposited), **_choices(entries))
                form.is_valid()
                expected = engine.from_string(FILTERS_TEMPLATE).render({"form": form})
                kept = engine.from_string("{% load portal %}{% history_filters form %}").render({"form": form})
                assert kept == expected, data
