"""Issue 13 item 1: the period statement reads its years, ledger, penalty days, dividends, voting instructions,
meetings and fee invoices in one hand-written query (escrow.queries.statement_reads); compared here with the ORM
queries it replaced (kept below) for every month of a walked deal's life and a period around all of it, with and
without the rights, on PostgreSQL and SQLite alike: deposits and releases, penalty days, a paid dividend, an
instruction, lodged and unlodged meetings, invoices of two years."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import Q

from escrow.models import Dividend, FeeInvoice, Meeting, PenaltyDay, ShareMovement, VotingInstruction
from escrow.queries.as_of import end_of_day
from escrow.queries.statement_reads import RIGHTS, statement_reads
from tests.escrow.statements_world import walk_into_february

pytestmark = pytest.mark.django_db


def old_reads(deal, *, start, end, since, until, rights=True):  # as statement_for and positions_as_of read them
    found = {
        "tranches": list(deal.tranches.order_by("year")),
        "ledger": list(ShareMovement.objects.filter(deal=deal, recorded_at__lt=until).order_by("recorded_at", "pk")),
        "penalty_days": list(PenaltyDay.objects.filter(tranche__deal=deal, day__lte=end).order_by("tranche_id", "day")),
        "invoices": list(FeeInvoice.objects.filter(deal=deal).order_by("year")),
    }
    if rights:
        found["dividends"] = list(
            deal.dividends.filter(passed_on__gte=start, passed_on__lte=end).order_by("passed_on", "pk")
        )
        found["instructions"] = list(
            VotingInstruction.objects.filter(meeting__deal=deal, given_at__gte=since, given_at__lt=until)
            .select_related("meeting")
            .order_by("given_at", "pk")
        )
        found["meetings"] = list(
            deal.meetings.filter(Q(lodged_on__gte=start, lodged_on__lte=end) | Q(lodged_at__isnull=True)).order_by("pk")
        )
    return found


def fields(obj):
    return (type(obj), {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields})


def shape(read):
    return {
        kind: [(fields(o), fields(o.meeting)) if kind == "instructions" else fields(o) for o in found]
        for kind, found in read.items()
    }


def test_the_reads_are_the_orm_reads(django_user_model):
    deal, _people = walk_into_february(django_user_model)
    for tranche in deal.tranches.order_by("-year")[:2]:  # penalty days of two years, stored in no particular order
        for day in (date(2027, 3, 2), date(2026, 12, 30), date(2027, 1, 5)):
            PenaltyDay.objects.create(
                tranche=tranche, day=day, liable="issuer", reason="late", charged=Decimal("1.50000001"), cap=None
            )
    assert Dividend.objects.filter(deal=deal, passed_on__isnull=False).exists()
    assert VotingInstruction.objects.filter(meeting__deal=deal).exists() and Meeting.objects.filter(deal=deal).exists()
    assert FeeInvoice.objects.filter(deal=deal).exists()
    periods = [(date(2020, 1, 1), date(2030, 12, 31))]
    day = date(2025, 10, 1)
    while day < date(2027, 6, 1):
        following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        periods.append((day, following - timedelta(days=1)))
        day = following
    seen = set()
    for start, end in periods:
        since, until = end_of_day(start - timedelta(days=1)), end_of_day(end)
        for rights in (True, False):
            period = {"start": start, "end": end, "since": since, "until": until}
            kinds = ("ledger", "penalty_days", "invoices", "tranches", *(RIGHTS if rights else ()))
            mine = shape(statement_reads(deal, **period, kinds=kinds))
            assert mine == shape(old_reads(deal, **period, rights=rights)), (start, end, rights)
            seen |= {kind for kind, found in mine.items() if found}
    assert seen == {*RIGHTS, "ledger", "penalty_days", "invoices", "tranches"}  # every kind was read somewhere
    # Bounds on the very moments recorded (SQLite compares the bound text: it must be bound as the ORM binds it).
    kinds = ("ledger", "invoices", *RIGHTS)
    moments = [m.recorded_at for m in ShareMovement.objects.filter(deal=deal)]
    moments += [i.given_at for i in VotingInstruction.objects.filter(meeting__deal=deal)]
    for moment in moments:
        day = moment.date()
        period = {"start": day, "end": day, "since": moment, "until": moment + timedelta(microseconds=1)}
        for bounds in (period, {**period, "since": moment - timedelta(microseconds=1), "until": moment}):
            mine = shape(statement_reads(deal, **bounds, kinds=kinds))
            assert mine == {k: v for k, v in shape(old_reads(deal, **bounds)).items() if k in kinds}, bounds
