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
