"""Fragments the deal and tranche pages render once per process (issue 13 item 1): the deal's navigation (the
deal_nav tag), the calculation's steps (the calculation tag) and the policies in force (policies_html). Each
must be what its include drew, in English and in Chinese, and never stale: whatever it reads is in its key."""

import pytest
from django.template import engines
from django.utils import translation

from escrow.contract.policies import POLICY_DEFINITIONS
from escrow.models import Deal
from escrow.views.deals import policies_html
from tests.conftest import open_and_file

pytestmark = pytest.mark.django_db
LANGUAGES = ("en", "zh-hans")


def render(text, **context):
    return engines["django"].from_string("{% load portal %}" + text).render(context)


NAV_TAG = "{% deal_nav active %}"
NAV_INCLUDE = '{% include "includes/deal_nav.html" %}'
CAN = [
    {},
    {"view_register": True, "download_statement": True},
    {"view_fees": True, "view_corporate_actions": True, "enter_share_prices": True},
]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_navigation_is_what_the_include_drew(kaixin, language):
    year = kaixin.tranches.get(year=2)
    with translation.override(language):
        for can in CAN:
            for tranche in (None, year):
                for active in ("", "deal", "register", "prices"):
                    context = {"deal": kaixin, "tranche": tranche, "can": can, "active": active}
                    assert render(NAV_TAG, **context) == render(NAV_INCLUDE, **context)


def test_the_navigation_follows_the_deal(kaixin):
    """The deal's names and ticker are in the key: a renamed deal is shown by its new name at once."""
    context = {"tranche": None, "can": {"enter_share_prices": True}, "active": "deal"}
    before = render(NAV_TAG, deal=kaixin, **context)
    Deal.objects.filter(pk=kaixin.pk).update(name="Renamed deal", name_zh="新名称", ticker="")
    renamed = Deal.objects.get(pk=kaixin.pk)
    after = render(NAV_TAG, deal=renamed, **context)
    assert after != before and "Renamed deal" in after and 'data-testid="tab-prices"' not in after
    assert after == render(NAV_INCLUDE, deal=renamed, **context)
    with translation.override("zh-hans"):
        assert "新名称" in render(NAV_TAG, deal=renamed, **context)


CALCULATION_TAG = "{% calculation explanations deal.target_currency %}"
CALCULATION_INCLUDE = '{% include "includes/calculation.html" %}'


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_calculation_is_what_the_include_drew(deposited, people, language):
    years = [open_and_file(deposited, people, 1, "598500000"), open_and_file(deposited, people, 2, "865000000")]
    shown = set()
    with translation.override(language):
        for tranche in years:
            context = {"explanations": tranche.calculation["explanations"], "deal": deposited}
            kept = render(CALCULATION_TAG, **context)
            assert kept == render(CALCULATION_INCLUDE, **context)
            assert render(CALCULATION_TAG, **context) == kept  # from the kept copy the second time
            shown.add(kept)
        assert render(CALCULATION_TAG, explanations=[], deal=deposited) == render(CALCULATION_INCLUDE, deal=deposited)
    assert len(shown) == 2  # each year's own steps


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_policies_follow_the_deal(kaixin, language):
    """A changed reading is another key: the page shows the deal's readings as they are now."""
    first = POLICY_DEFINITIONS[0]
    with translation.override(language):
        before = policies_html(kaixin)
        setattr(kaixin, first.key, first.alternatives[0])
        after = policies_html(kaixin)
        assert f'data-value="{first.alternatives[0]}"' in after and f'data-value="{first.default}"' in before
        assert after.count("<dd") == before.count("<dd") == len(POLICY_DEFINITIONS)


KEPT_TEXTS = [
    ("escrow/instrument_head.html", '{% kept_text "escrow/instrument_head.html" sees_origin=sees_origin %}'),
    ("escrow/year_history_head.html", '{% kept_text "escrow/year_history_head.html" %}'),
    ("includes/penalty_head.html", '{% kept_text "includes/penalty_head.html" %}'),
]


@pytest.mark.parametrize(("name", "tag"), KEPT_TEXTS)
def test_the_kept_heads_are_what_the_include_drew(name, tag):
    """The tranche page's table heads (kept_text): what {% include %} drew, in each language and with each flag,
    and another language or flag is another copy (the key holds all they read)."""
    include = '{% include "' + name + '" %}'
    shown = set()
    for language in LANGUAGES:
        with translation.override(language):
            for sees_origin in ("1", None):
                kept = render(tag, sees_origin=sees_origin)
                assert kept == render(include, sees_origin=sees_origin)
                assert render(tag, sees_origin=sees_origin) == kept  # from the kept copy the second time
                shown.add(kept)
    assert len(shown) == (4 if "sees_origin" in tag else 2)


STATS_TAG = "{% tranche_stats %}"
STATS_INCLUDE = '{% include "escrow/tranche_stats.html" %}'


def test_the_year_figures_are_what_the_include_drew():
    """The tranche page's figures (tranche_stats): what {% include %} drew, in each language, and another value
    of anything it reads (each figure, the provisional transfer date's reason) is another copy."""
    from datetime import date
    from decimal import Decimal
    from types import SimpleNamespace

    from escrow.queries.clock import ProvisionalDeadline

    base = {
        "own_release": 3000000,
        "deducted": 0,
        "release_quantity": 3000000,
        "release_due_date": date(2027, 5, 1),
        "transfer_due_date": date(2027, 5, 8),
        "released_on": None,
    }
    changed = {
        "own_release": 2999999,
        "deducted": Decimal("10.5"),
        "release_quantity": None,
        "release_due_date": None,
        "transfer_due_date": date(2027, 5, 9),
        "released_on": date(2027, 5, 7),
    }
    provisional = ProvisionalDeadline("transfer_due_date", "EA 3.2", date(2027, 5, 8), "CN", (2027,))
    cases = [({}, None), ({}, provisional)] + [({name: value}, None) for name, value in changed.items()]
    for language in LANGUAGES:
        shown = set()
        with translation.override(language):
            for change, provisional_date in cases:
                context = {"tranche": SimpleNamespace(**{**base, **change}), "transfer_provisional": provisional_date}
                kept = render(STATS_TAG, **context)
                assert kept == render(STATS_INCLUDE, **context)
                assert render(STATS_TAG, **context) == kept  # from the kept copy the second time
                shown.add(kept)
        assert len(shown) == len(cases)
        assert any("warn-text" in html for html in shown)


HEADING_TAG = "{% history_heading %}"
HEADING_INCLUDE = '{% include "escrow/history_heading.html" %}'
COLUMNS_TAG = "{% history_columns %}"
COLUMNS_INCLUDE = '{% include "escrow/history_columns.html" %}'


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_history_heading_and_columns_are_what_the_includes_drew(kaixin, language):
    with translation.override(language):
        for can in ({}, {"export_history": False}, {"export_history": True}, {"export_history": True, "x": 1}):
            context = {"deal": kaixin, "can": can}
            assert render(HEADING_TAG, **context) == render(HEADING_INCLUDE, **context)
        assert render(COLUMNS_TAG) == render(COLUMNS_INCLUDE)


def test_the_history_heading_follows_each_input(kaixin):
    """The language, the right to export and the deal's slug are in the key: each change shows at once."""
    plain = render(HEADING_TAG, deal=kaixin, can={})
    exporting = render(HEADING_TAG, deal=kaixin, can={"export_history": True})
    assert 'data-testid="export-csv"' not in plain and 'data-testid="export-csv"' in exporting
    with translation.override("zh-hans"):
        chinese = render(HEADING_TAG, deal=kaixin, can={"export_history": True})
        chinese_columns = render(COLUMNS_TAG)
    assert chinese != exporting and chinese_columns != render(COLUMNS_TAG)
    assert chinese_columns == translation.override("zh-hans")(lambda: render(COLUMNS_INCLUDE))()
    Deal.objects.filter(pk=kaixin.pk).update(slug="renamed-slug")
    renamed = Deal.objects.get(pk=kaixin.pk)
    moved = render(HEADING_TAG, deal=renamed, can={"export_history": True})
    assert moved != exporting and "/renamed-slug/" in moved
    assert moved == render(HEADING_INCLUDE, deal=renamed, can={"export_history": True})


FORM_TAG = "{% history_form form %}"
FORM_INCLUDE = '{% include "escrow/history_form.html" %}'


def _filter_form(deal, data):
    from django.http import QueryDict

    from escrow.queries.history import history_of
    from escrow.queries.history_words import HistoryWords
    from escrow.views.forms import HistoryFilterForm
    from tests.escrow.views.test_history_rows import _choices

    query = QueryDict(mutable=True)
    query.update(data or {})
    form = HistoryFilterForm(query if data else None, words=HistoryWords(deal), **_choices(history_of(deal)))
    form.is_valid()
    return form


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_history_form_is_what_the_include_drew_and_follows_each_input(deposited, language):
    """The filter form (fields and buttons) is what its include drew for each submitted filter; another filter,
    language or slug is another fragment."""
    from tests.escrow.views.test_history_rows import FILTER_DATA

    with translation.override(language):
        drawn = set()
        for data in FILTER_DATA:
            form = _filter_form(deposited, data)
            kept = render(FORM_TAG, deal=deposited, form=form)
            assert kept == render(FORM_INCLUDE, deal=deposited, form=form), data
            drawn.add(kept)
        assert len(drawn) > 2  # the submitted values and their errors show
        Deal.objects.filter(pk=deposited.pk).update(slug="renamed-slug")
        renamed = Deal.objects.get(pk=deposited.pk)
        form = _filter_form(renamed, None)
        moved = render(FORM_TAG, deal=renamed, form=form)
        assert "/renamed-slug/" in moved and moved == render(FORM_INCLUDE, deal=renamed, form=form)
    english = render(FORM_TAG, deal=renamed, form=form)
    with translation.override("zh-hans"):
        assert render(FORM_TAG, deal=renamed, form=_filter_form(renamed, None)) != english
