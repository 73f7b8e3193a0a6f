"""Issue 13 item 1: the dividends and meetings (escrow.queries.holdings: the "Dividends and votes" page and the
API) read the ledger, the dividends, the meetings and their instructions with hand-written SQL. Each read is
compared here with the ORM read it replaced (kept below) on a deal with a released year, a cash dividend passed
through, a stock dividend still to come, a meeting with the seller's instruction and one without; on PostgreSQL
and on SQLite alike."""

from datetime import date

import pytest

from escrow.actions import holdings as act
from escrow.models import ShareMovement, TransferEvidence
from escrow.queries import holdings
from escrow.queries.holdings import Ledger, dividend_view, meeting_view
from escrow.queries.quantities import rebase_days
from tests.escrow.as_of_world import on
from tests.escrow.statements_world import walk_into_february

pytestmark = pytest.mark.django_db
TODAY = date(2027, 3, 1)


# The ORM reads these replaced, as they were.
def old_movements(deal):
    rows = list(ShareMovement.objects.filter(deal=deal).select_related("evidence", "tranche"))
    rebased = any(m.kind == ShareMovement.Kind.REBASE for m in rows)
    return Ledger(rows, rebase_days([deal.pk]) if rebased else {})


def old_dividends_for(deal):
    ledger, tranches = old_movements(deal), list(deal.tranches.order_by("year"))
    return [
        dividend_view(d, ledger, TODAY, tranches)
        for d in deal.dividends.select_related("deal").order_by("record_date", "pk")
    ]


def old_meetings_for(deal, now):
    ledger = old_movements(deal)
    return [
        meeting_view(m, ledger, now)
        for m in deal.meetings.select_related("deal").prefetch_related("instructions").order_by("meeting_date", "pk")
    ]


def fields(obj):
    return None if obj is None else [getattr(obj, f.attname) for f in obj._meta.concrete_fields]


def evidence_of(movement):
    try:
        return fields(movement.evidence)
    except ShareMovement.evidence.RelatedObjectDoesNotExist:
        return "none"


def ledger(read):
    return [(fields(m), evidence_of(m), fields(m.tranche) if m.tranche_id else None) for m in read.movements], read.days


@pytest.fixture
def february(django_user_model):
    deal, people = walk_into_february(django_user_model)
    with on(TODAY):
        act.record_dividend(
            people["issuer"],
            deal,
            kind="shares",
            declared_on=date(2027, 2, 25),
            record_date=date(2027, 2, 26),
            payment_date=date(2027, 3, 20),
            per_share="0.1",
            stock_policy="pro-rata",
        )
        act.record_meeting(
            people["issuer"], deal, record_date=date(2027, 2, 27), meeting_date=date(2027, 4, 30), resolutions="One\n"
        )
    return deal


def test_the_ledger_is_the_orms(february, kaixin):
    assert ShareMovement.objects.filter(deal=february, tranche__isnull=False).exists()
    with_evidence = TransferEvidence.objects.filter(deal=february).count()
    assert with_evidence  # the release was recorded with the transfer agent's evidence
    read = ledger(holdings._movements(february))
    assert read == ledger(old_movements(february))
    assert sum(1 for _m, evidence, _t in read[0] if evidence != "none") == with_evidence
    assert ledger(holdings._movements(kaixin)) == ledger(old_movements(kaixin))


def test_dividends_and_meetings_are_the_orms(february, kaixin, django_assert_max_num_queries):
    with on(TODAY):
        now = holdings.contract_now()
        for deal in (february, kaixin):
            dividends = [v.as_dict() for v in holdings.dividends_for(deal)]
            assert dividends == [v.as_dict() for v in old_dividends_for(deal)]
            meetings = holdings.meetings_for(deal)
            old = old_meetings_for(deal, now)
            assert [v.as_dict() for v in meetings] == [v.as_dict() for v in old]
            assert [[fields(i) for i in v.instructions] for v in meetings] == [
                [fields(i) for i in v.instructions] for v in old
            ]
        kinds = {d["kind"] for d in (v.as_dict() for v in holdings.dividends_for(february))}
        assert kinds == {"cash", "shares"}
        assert sum(len(v.instructions) for v in holdings.meetings_for(february)) == 1
        with django_assert_max_num_queries(0):  # the instructions are read with the meetings
            [list(v.meeting.instructions.all()) for v in meetings]
