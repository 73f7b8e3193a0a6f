"""Issue 13 item 1: /api/deals/<ref>/ writes its years, parties, balances, next step and P6 mark as plain dicts
(escrow.api.serializers tranche_summary_data, party_data, balances_data, next_step_data, provisional_data);
they must be exactly what TrancheSummarySerializer, PartySerializer, BalancesSerializer, NextStepSerializer and
ProvisionalDeadlineSerializer give (the schema's description), for years in every state and in both languages."""

import copy
import dataclasses
import datetime
import json
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.utils import timezone, translation

from escrow.api import serializers as out
from escrow.api.year_data import transfer_record_data
from escrow.models import Deal, DealParty, StoredDocument, TrancheState
from escrow.queries.deal_reads import current_parties, deal_tranches
from escrow.queries.transfers import ledger_records
from tests.conftest import open_and_file, release

pytestmark = pytest.mark.django_db
LANGUAGES = ("en", "zh-hans")


def same(fast, serializer):
    assert fast == serializer
    assert json.dumps(fast) == json.dumps(serializer)  # the same types and key order, as the renderer writes them


def variants(tranche):
    """The year as read, and copies with each field the summary writes in its other shapes."""
    yield tranche
    for changes in (
        {"audited_revenue": None, "own_release": None, "deducted": None, "release_quantity": None},
        {"audited_revenue": Decimal("598500000.5"), "target_revenue": Decimal("1.005")},
        {"audited_revenue": Decimal("12345678901234567.891")},
        {"offset_shares": {}},
        {"offset_shares": {"1": 5, 2: 7}},
        {"offset_shares": None},
        {"transfer_reference": "", "released_on": None, "documents_complete_on": None, "transfer_due_date": None},
    ):
        changed = copy.copy(tranche)
        changed.__dict__.update(changes)
        yield changed
    for state in TrancheState:
        changed = copy.copy(tranche)
        changed.__dict__["state"] = state  # the state machine's field refuses a plain assignment
        yield changed


def check_deal(deal):
    for language in LANGUAGES:
        with translation.override(language):
            for tranche in deal_tranches(deal):
                for variant in variants(tranche):
                    same(out.tranche_summary_data(variant), dict(out.TrancheSummarySerializer(variant).data))
            for party in current_parties(deal):
                same(out.party_data(party), dict(out.PartySerializer(party).data))
                party.approved_at = timezone.now() if party.approved_at is None else None
                same(out.party_data(party), dict(out.PartySerializer(party).data))
            balances = ledger_records(deal)[2]
            same(out.balances_data(balances), dict(out.BalancesSerializer(balances).data))


def test_before_the_deposit(kaixin):
    check_deal(kaixin)


def test_a_year_filed_and_one_released(deposited, people):
    open_and_file(deposited, people, 1, "598500000")
    check_deal(deposited)
    release(deposited, people, 1)
    open_and_file(deposited, people, 2, "865000000")
    DealParty.objects.filter(deal=deposited, role="auditor").update(approved_at=None)
    check_deal(deposited)


def check_whole_deal(deal, people):
    """deal_data(deal, request): DealSerializer(deal, context={"request": request}).data, for each role."""
    factory = RequestFactory()
    for username in ("issuer", "seller", "agent1", "auditor", "compliance"):
        request = factory.get(f"/api/deals/{deal.slug}/")
        request.user = people[username]
        for language in LANGUAGES:
            with translation.override(language):
                fast = out.deal_data(Deal.objects.get(pk=deal.pk), request)
                slow = out.DealSerializer(Deal.objects.get(pk=deal.pk), context={"request": request}).data
                same(fast, dict(slow))


def test_the_whole_deal(deposited, people):
    check_whole_deal(Deal.objects.get(pk=deposited.pk), people)
    open_and_file(deposited, people, 1, "598500000")
    release(deposited, people, 1)
    Deal.objects.filter(pk=deposited.pk).update(escrow_fee_per_year=Decimal("1234.5"), notes="Line 1\nLine 2")
    check_whole_deal(deposited, people)


def test_the_whole_deal_before_the_deposit(kaixin, people):
    check_whole_deal(kaixin, people)


def test_the_transfer_record_is_what_its_serializer_writes(deposited, people):
    """transfer_record_data (the deposit's and each release's record): TransferRecordSerializer's `.data`, with
    each fact recorded, missing or empty, and a confirmation with its download link."""
    open_and_file(deposited, people, 1, "598500000")
    request = RequestFactory().get(f"/api/deals/{deposited.slug}/")
    request.user = people["compliance"]
    context = {"request": request}
    record = ledger_records(deposited)[0]
    document = StoredDocument.objects.filter(deal=deposited).first()
    assert record is not None and document is not None
    for changes in (
        {},
        {"transfer_date": datetime.date(2026, 3, 1), "transfer_agent": "Computershare", "recipient_account": "A-1"},
        {"transfer_agent": "", "recipient_account": "", "reference": ""},
        {"confirmation": document},
        {"recorded_by": None},
    ):
        variant = dataclasses.replace(record, **changes)
        for language in LANGUAGES:
            with translation.override(language):
                slow = out.TransferRecordSerializer(variant, context=context).data
                same(transfer_record_data(variant, context), dict(slow))
