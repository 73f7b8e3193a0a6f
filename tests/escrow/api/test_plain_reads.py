"""Issue 13 item 1: /api/deals/<ref>/history/, /tranches/ and /penalty/ write plain dicts (escrow.api.plain) and the
history is read with hand-written SQL (escrow.queries.history.history_rows); each must be exactly what the
serializer (the schema's description) and the ORM query it replaced give, for every kind of item, in both
languages."""

import json
from decimal import Decimal

import pytest
from django.utils import translation

from escrow.api import plain
from escrow.api import serializers as out
from escrow.models import HistoryEntry, Tranche, TrancheState
from escrow.queries.history import history_of, history_rows
from escrow.queries.penalties import DealPenalties, TranchePenalty, deal_penalties
from escrow.queries.steps import tranches_with_context
from tests.escrow.api.test_penalty_api import late as late  # the fixture: a late year with penalty days

pytestmark = pytest.mark.django_db
LANGUAGES = ["en", "zh-hans"]


def rendered(data):
    """As the JSON renderer writes it: keys in their order, so a field out of place fails too."""
    return json.dumps(data, ensure_ascii=False)


def test_history_rows_are_history_of(late, kaixin):
    assert HistoryEntry.objects.filter(deal=late.deal, tranche__isnull=False).exists()
    assert HistoryEntry.objects.filter(deal=late.deal, tranche__isnull=True).exists()
    for deal in (late.deal, kaixin):
        read = [
            (entry.pk, [getattr(entry, f.attname) for f in entry._meta.concrete_fields], year)
            for entry, year in history_rows(deal)
        ]
        orm = [
            (e.pk, [getattr(e, f.attname) for f in e._meta.concrete_fields], e.tranche.year if e.tranche else None)
            for e in history_of(deal)
        ]
        assert read == orm and read


@pytest.mark.parametrize("language", LANGUAGES)
def test_history_entries_are_the_serializers(late, language):
    with translation.override(language):
        data = [plain.history_entry_data(entry, year) for entry, year in history_rows(late.deal)]
        assert rendered(data) == rendered(out.HistoryEntrySerializer(history_of(late.deal), many=True).data)


def summaries(deal):
    """The deal's years as the list reads them, then each of them in every state, with and without figures."""
    tranches = list(tranches_with_context([deal]).order_by("year"))
    yield from tranches
    for state in TrancheState:
        for tranche in tranches[:2]:
            tranche.__dict__["state"] = state  # the state field is protected (django_fsm)
            yield tranche
    tranche = tranches[0]
    tranche.audited_revenue, tranche.offset_shares, tranche.own_release = None, {}, None
    yield tranche
    tranche.audited_revenue, tranche.offset_shares, tranche.own_release = Decimal("598500000.005"), {2: 7}, 12
    yield tranche
    tranche.offset_shares = None
    yield tranche


@pytest.mark.parametrize("language", LANGUAGES)
def test_tranche_summaries_are_the_serializers(late, language):
    with translation.override(language):
        for tranche in summaries(late.deal):
            expected = rendered(out.TrancheSummarySerializer(tranche).data)
            assert rendered(out.tranche_summary_data(tranche)) == expected, tranche.state


@pytest.mark.parametrize("language", LANGUAGES)
def test_deal_penalties_are_the_serializers(late, kaixin, language):
    deal = late.deal
    penalties = deal_penalties(deal)
    assert penalties.by_party and penalties.total
    tranche = Tranche.objects.filter(deal=deal).first()
    odd = DealPenalties(
        deal,
        [
            TranchePenalty(tranche, Decimal("1.50000000"), None, False, None, {"issuer": 0}, {"issuer": 2}, 3),
            TranchePenalty(tranche, Decimal("0"), Decimal("12.3"), True, late.period_end, {}, {}, 0),
        ],
        {"escrow_agent": Decimal("0.10000001"), "issuer": 2},
        {"issuer": 4, "escrow_agent": 1, "other": 0},
    )
    with translation.override(language):
        for summary in (penalties, deal_penalties(kaixin), odd):
            assert rendered(plain.deal_penalty_data(summary)) == rendered(out.DealPenaltySerializer(summary).data)
