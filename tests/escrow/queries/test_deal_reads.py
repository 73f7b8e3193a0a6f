"""Issue 13 item 1: the deal page's and /api/deals/<ref>/'s reads in hand-written SQL (escrow.queries.deal_reads)
against the ORM queries they replaced (kept below): the same rows, in the same order, with the same related
objects already in place (nothing read again when a page follows them), for a deal before the deposit, deposited,
with a year's joint instruction open and half signed, with a release recorded with its transfer agent's evidence
and confirmation, and with an ended party and an inactive person; on PostgreSQL and SQLite alike."""

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.utils import timezone

from escrow import actions
from escrow.models import DealParty, Instrument, ShareMovement, StoredDocument, Tranche
from escrow.models.clock import contract_today
from escrow.queries.deal_reads import (
    active_people,
    current_parties,
    deal_tranches,
    movements_with_evidence,
    transfer_confirmations,
)
from escrow.queries.quantities import _rebase_rows_of, _rebase_steps_of, rebase_steps
from escrow.queries.transfers import ledger_records
from escrow.queries.year_parts import PARTS_SQL, year_parts
from tests.conftest import PASSWORD, make_pdf, open_and_file, sign_instruction, tranche
from tests.escrow.call_backs import confirm_call_back

pytestmark = pytest.mark.django_db


# The ORM versions these replaced, as they were (escrow.queries.steps.tranches_with_context and the callers).
def old_tranches(deal, *parts):
    signatures = Prefetch(
        "instruments",
        queryset=Instrument.objects.filter(status=Instrument.Status.OPEN)
        .prefetch_related("signatures__party")
        .order_by("created_at"),
        to_attr="open_instruments",
    )
    found = Tranche.objects.filter(deal__in=[deal]).select_related(None).prefetch_related(signatures)
    if parts:
        found = found.annotate(**year_parts(*parts))
    found = list(found.order_by("year"))
    for t in found:
        t.deal = deal
    return found


def old_movements(deal):
    return list(ShareMovement.objects.filter(deal=deal).select_related("recorded_by", "evidence"))


def old_confirmations(deal):
    documents = StoredDocument.objects.filter(deal=deal, kind=StoredDocument.Kind.TRANSFER_CONFIRMATION)
    return list(documents.order_by("uploaded_at", "pk"))


def old_parties(deal):
    return list(
        DealParty.objects.filter(deal=deal, ended_at__isnull=True).select_related("organisation").order_by("role")
    )


def old_people(organisation_ids):
    users = get_user_model().objects.filter(is_active=True, organisation_id__in=organisation_ids)
    return list(users.order_by("last_name", "first_name"))


def values(obj):
    return None if obj is None else (type(obj), [getattr(obj, f.attname) for f in obj._meta.concrete_fields])


def same_tranches(new, old, parts):
    assert [values(t) for t in new] == [values(t) for t in old]
    for n, o in zip(new, old, strict=True):
        assert n.deal is o.deal
        for part in parts:
            assert getattr(n, part) is bool(getattr(o, part))  # SQLite's ORM answers 0 or 1
        assert [values(i) for i in n.open_instruments] == [values(i) for i in o.open_instruments]
        for ni, oi in zip(n.open_instruments, o.open_instruments, strict=True):
            assert ni.tranche is n and oi.tranche is o
            assert [values(s) for s in ni.signatures.all()] == [values(s) for s in oi.signatures.all()]
            assert [values(s.party) for s in ni.signatures.all()] == [values(s.party) for s in oi.signatures.all()]
            assert all(s.instrument is ni for s in ni.signatures.all())


def compare(deal, django_assert_num_queries):
    parts = tuple(PARTS_SQL)
    for chosen in ((), ("has_penalty_days",), parts):
        new = deal_tranches(deal, *chosen)
        with django_assert_num_queries(0):  # everything a page follows is in place
            for t in new:
                for i in t.open_instruments:
                    [s.party.role for s in i.signatures.all()]
        same_tranches(new, old_tranches(deal, *chosen), chosen)
    tranches = deal_tranches(deal)
    movements = movements_with_evidence(deal, tranches)
    with django_assert_num_queries(0):
        followed = [(m.recorded_by.username, values(m.evidence), m.tranche_id and m.tranche.year) for m in movements]
    old = old_movements(deal)
    assert [values(m) for m in movements] == [values(m) for m in old]
    assert [values(m.recorded_by) for m in movements] == [values(m.recorded_by) for m in old]
    assert followed == [(m.recorded_by.username, values(m.evidence), m.tranche_id and m.tranche.year) for m in old]
    assert [values(d) for d in transfer_confirmations(deal)] == [values(d) for d in old_confirmations(deal)]
    parties = current_parties(deal)
    with django_assert_num_queries(0):
        [p.organisation.name for p in parties]
    assert [(values(p), values(p.organisation)) for p in parties] == [
        (values(p), values(p.organisation)) for p in old_parties(deal)
    ]
    organisations = {p.organisation_id for p in parties}
    assert [values(u) for u in active_people(organisations)] == [values(u) for u in old_people(organisations)]
    assert active_people(set()) == []
    # the ledger's records through the SQL (tranches given) and through the ORM (none given) are the same
    deposit, releases, balances = ledger_records(deal, tranches)
    old_deposit, old_releases, old_balances = ledger_records(deal)
    assert (deposit, balances) == (old_deposit, old_balances)
    assert [(t.pk, record) for t, record in releases] == [(t.pk, record) for t, record in old_releases]
    return new, movements


def test_before_the_deposit(kaixin, django_assert_num_queries):
    tranches, movements = compare(kaixin, django_assert_num_queries)
    assert tranches and not movements


def test_deposited_and_a_year_filed_and_half_signed(deposited, people, django_assert_num_queries):
    open_and_file(deposited, people, 1, "598500000")
    instruction = tranche(deposited, 1).instruments.get(kind="joint_instruction", status="open")
    tranches, _ = compare(deposited, django_assert_num_queries)
    assert len(tranches[0].open_instruments) == 1
    actions.sign_instrument(
        people["issuer"],
        instruction.pk,
        expected_sha256=instruction.document.sha256,
        password=PASSWORD,
        ip="127.0.0.1",
        user_agent="pytest",
    )
    tranches, movements = compare(deposited, django_assert_num_queries)
    assert len(tranches[0].open_instruments[0].signatures.all()) == 1 and movements


def test_a_release_with_its_evidence_and_an_ended_party(deposited, people, django_assert_num_queries):
    open_and_file(deposited, people, 1, "665000000")
    t, instruction = sign_instruction(deposited, people, 1)
    actions.prepare_release(people["agent1"], t.pk, expected_sha256=instruction.document.sha256, password=PASSWORD)
    confirm_call_back(deposited, people, t)
    actions.approve_release(
        people["agent2"],
        t.pk,
        expected_sha256=instruction.document.sha256,
        transfer_reference="TA-1",
        password=PASSWORD,
        transfer_date=contract_today(),
        transfer_agent="Continental Stock Transfer & Trust Company",
        recipient_account="Account 88-120-4471",
        confirmation=make_pdf("Transfer confirmation TA-1"),
        confirmation_name="ta-1.pdf",
    )
    DealParty.objects.filter(deal=deposited, role="auditor").update(ended_at=timezone.now())
    get_user_model().objects.filter(username="agent2").update(is_active=False)
    _, movements = compare(deposited, django_assert_num_queries)
    assert {m.kind for m in movements} == {"deposit", "release"}
    assert any(m.evidence is not None for m in movements if m.kind == "release")
    assert transfer_confirmations(deposited)
    assert (
        len(current_parties(deposited))
        == len(old_parties(deposited))
        < DealParty.objects.filter(deal=deposited).count()
    )


def old_rebase_rows(deal_ids):
    return list(
        ShareMovement.objects.filter(deal_id__in=deal_ids, kind=ShareMovement.Kind.REBASE).values_list(
            "deal_id", "tranche__year", "fact_key", "quantity", "recorded_at"
        )
    )


def test_the_rebases_of_one_deal(deposited, people):
    """quantities._rebase_rows_of (the deal page's and the API's read of a deal's rebases) against the ORM's."""
    assert _rebase_rows_of(deposited.pk) == old_rebase_rows([deposited.pk]) == []
    actions.propose_corporate_action(
        people["issuer"],
        deposited,
        ratio_new=2,
        ratio_old=1,
        effective_date=contract_today(),
        fraction_policy="floor",
    )
    actions.confirm_corporate_action(people["agent2"], deposited)
    found = _rebase_rows_of(deposited.pk)
    assert len(found) == 5 and sorted(found) == sorted(old_rebase_rows([deposited.pk]))
    deal = type(deposited).objects.get(pk=deposited.pk)
    assert rebase_steps(deal) == _rebase_steps_of([deal.pk])[deal.pk]
