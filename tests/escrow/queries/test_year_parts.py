"""escrow.queries.year_parts (issue 13 item 1): the EXISTS columns read with a year say whether its holds,
declines, call-backs and release movement exist, and the tranche page and /api/tranches/<id>/ that skip an
empty list show exactly what they showed when they read every list."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from escrow import actions
from escrow.models import CallBack, Decline, Hold, Instrument, PenaltyDay, ShareMovement, Tranche
from escrow.queries import year_parts as parts
from tests.conftest import open_and_file, release
from tests.escrow.api.helpers import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def years(deposited, people):
    """Year 1 released (a call-back, a release movement), year 2 awaiting its instruction with a decline and a
    dispute (a hold), year 3 scheduled with nothing."""
    open_and_file(deposited, people, 1, "598500000")
    release(deposited, people, 1)
    open_and_file(deposited, people, 2, "865000000")
    instruction = Instrument.objects.get(tranche__deal=deposited, tranche__year=2, status="open")
    actions.decline_to_sign(people["purchaser"], instruction.pk, reason="Related-party sale.")
    actions.raise_dispute(people["seller"], instruction.tranche_id, reason="Related-party sale.")
    return deposited


def test_the_tables_are_the_models():
    names = " ".join(sql for sql, _params in parts.PARTS_SQL.values())
    for model in (Hold, Decline, Instrument, CallBack, ShareMovement, PenaltyDay):
        assert f" {model._meta.db_table} " in names
    assert f'"{Tranche._meta.db_table}"."id"' in names


def test_each_column_says_whether_the_list_has_rows(years):
    read = Tranche.objects.filter(deal=years).annotate(**parts.year_parts()).order_by("year")
    for tranche in read:
        assert tranche.has_holds == Hold.objects.filter(tranche=tranche).exists()
        assert tranche.has_declines == Decline.objects.filter(instrument__tranche=tranche).exists()
        assert tranche.has_call_backs == CallBack.objects.filter(tranche=tranche).exists()
        released = ShareMovement.objects.filter(tranche=tranche, kind=ShareMovement.Kind.RELEASE).exists()
        assert tranche.has_release == released
        assert tranche.has_penalty_days == PenaltyDay.objects.filter(tranche=tranche).exists()
    assert [(t.has_holds, t.has_declines, t.has_call_backs, t.has_release) for t in read[:3]] == [
        (False, False, True, True),
        (True, True, False, False),
        (False, False, False, False),
    ]


def _pages(deal, people):
    """The deal page and the tranche pages (as each signatory role, English and Chinese) and the API reads."""
    shown = {}
    for who in ("issuer", "purchaser", "seller", "agent1", "compliance"):
        page, api = Client(), client_for(people[who])
        page.force_login(people[who])
        for language in ("en", "zh-hans"):
            body = page.get(reverse("escrow:deal", args=[deal.slug]), HTTP_ACCEPT_LANGUAGE=language).content.decode()
            shown[who, "deal", language] = re.sub(r'value="[^"]{64}"', "csrf", body)
        shown[who, "deal", "api"] = api.get(reverse("api:deal-detail", args=[deal.slug])).json()
        for tranche in Tranche.objects.filter(deal=deal).order_by("year"):
            for language in ("en", "zh-hans"):
                url = reverse("escrow:tranche", args=[deal.slug, tranche.year])
                body = page.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
                shown[who, tranche.year, language] = re.sub(r'value="[^"]{64}"', "csrf", body)
            shown[who, tranche.year, "api"] = api.get(reverse("api:tranche-detail", args=[tranche.pk])).json()
    return shown


def test_the_pages_show_what_reading_every_list_showed(years, people, monkeypatch):
    skipping = _pages(years, people)
    assert 'data-testid="transfer-evidence"' in skipping["compliance", 1, "en"]  # each list shows somewhere
    assert 'data-testid="declines"' in skipping["compliance", 2, "en"]
    assert skipping["compliance", 1, "api"]["transfer"] and skipping["compliance", 2, "api"]["holds"]
    assert skipping["compliance", 2, "api"]["instruments"][0]["declines"]
    monkeypatch.setattr(parts, "PARTS_SQL", {})  # no column: every list read, as before
    assert _pages(years, people) == skipping
