"""Issue 13 item 1: deal_penalties reads the deal's years, the sums per tranche and liable party and each tranche's
last accrued day with hand-written SQL (escrow.queries.penalties). Each is compared here with the ORM read it
replaced (kept below) on a late year with liable days of both parties, a pause and days with no close yet, and on
a deal with none; on PostgreSQL and on SQLite alike."""

import pytest
from django.db.models import Count, Sum

from escrow.models import PenaltyDay
from escrow.queries import penalties
from tests.escrow.api.test_penalty_api import late as late  # the fixture: a late year with penalty days

pytestmark = pytest.mark.django_db


# The ORM reads these replaced, as they were.
def old_sums(tranche_ids):
    return list(
        PenaltyDay.objects.filter(tranche__in=tranche_ids)
        .exclude(liable="")
        .values("tranche_id", "liable", "missing_price")
        .annotate(charged=Sum("charged"), days=Count("pk"))
        .order_by()
    )


def fields(obj):
    return [getattr(obj, f.attname) for f in obj._meta.concrete_fields]


def key(row):
    return (row["tranche_id"], row["liable"], row["missing_price"])


def test_the_reads_are_the_orms(late, kaixin):
    for deal in (late.deal, kaixin):
        tranches = penalties._tranches_of(deal)
        assert [fields(t) for t in tranches] == [fields(t) for t in deal.tranches.order_by("year")]
        assert all(t.deal is deal for t in tranches)
        ids = [t.pk for t in tranches]
        assert sorted(penalties._sums(ids), key=key) == sorted(old_sums(ids), key=key)
        latest = sorted(fields(d) for d in penalties._latest_days(ids))
        assert latest == sorted(fields(d) for d in penalties.latest_days(ids))
    ids = [t.pk for t in late.deal.tranches.all()]
    assert {row["liable"] for row in old_sums(ids)} >= {"issuer"} and penalties._latest_days(ids)


def test_the_deals_penalties_are_what_they_were(late):
    """The answer itself, against the one built from the ORM reads."""
    deal = late.deal
    now = penalties.deal_penalties(deal)
    tranches = list(deal.tranches.order_by("year"))
    old = penalties.deal_penalties(deal, tranches)
    assert now.by_party == old.by_party and now.liable_days == old.liable_days and now.total == old.total
    assert [
        (t.tranche.pk, t.total, t.cap, t.capped, t.accrued_through, t.by_party, t.liable_days, t.missing_price_days)
        for t in now.tranches
    ] == [
        (t.tranche.pk, t.total, t.cap, t.capped, t.accrued_through, t.by_party, t.liable_days, t.missing_price_days)
        for t in old.tranches
    ]
