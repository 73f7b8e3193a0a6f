"""Issue 13 item 1: the period statement reads its dividends, voting instructions, meetings and fee invoices in one
hand-written query (escrow.queries.statement_reads); compared here with the ORM queries it replaced (kept below)
for every month of a walked deal's life and a period around all of it, with and without the rights, on PostgreSQL
and SQLite alike: a paid dividend, an instruction, lodged and unlodged meetings, invoices of two years."""

from datetime import date, timedelta

import pytest
from django.db.models import Q

from escrow.models import Dividend, FeeInvoice, Meeting, VotingInstruction
from escrow.queries.as_of import end_of_day
from escrow.queries.statement_reads import statement_reads
from tests.escrow.statements_world import walk_into_february

pytestmark = pytest.mark.django_db


def old_reads(deal, *, start, end, since, until, rights=True):  # as statement_for read them
    dividends = instructions = meetings = ()
    if rights:
        dividends = deal.dividends.filter(passed_on__gte=start, passed_on__lte=end).order_by("passed_on", "pk")
        instructions = (
            VotingInstruction.objects.filter(meeting__deal=deal, given_at__gte=since, given_at__lt=until)
            .select_related("meeting")
            .order_by("given_at", "pk")
        )
        meetings = deal.meetings.filter(
            Q(lodged_on__gte=start, lodged_on__lte=end) | Q(lodged_at__isnull=True)
        ).order_by("pk")
    invoices = FeeInvoice.objects.filter(deal=deal).order_by("year")
    return list(dividends), list(instructions), list(meetings), list(invoices)


def fields(obj):
    return (type(obj), {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields})


def shape(read):
    dividends, instructions, meetings, invoices = read
    return (
        [fields(d) for d in dividends],
        [(fields(i), fields(i.meeting)) for i in instructions],
        [fields(m) for m in meetings],
        [fields(i) for i in invoices],
    )


def test_the_reads_are_the_orm_reads(django_user_model):
    deal, _people = walk_into_february(django_user_model)
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
            period = {"start": start, "end": end, "since": since, "until": until, "rights": rights}
            mine = shape(statement_reads(deal, **period))
            assert mine == shape(old_reads(deal, **period)), (start, end, rights)
            seen |= {kind for kind, found in enumerate(mine) if found}
    assert seen == {0, 1, 2, 3}  # every kind was read somewhere
