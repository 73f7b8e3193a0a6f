"""Hand-written reads bind their datetimes and dates as the ORM does (escrow.models.params, re-exported by
escrow.queries.rows): on SQLite a DateTimeField is UTC text, and a raw aware datetime bound with its '+08:00' put
a moment recorded between 00:00 and 08:00 Beijing time (still the previous day in UTC) on the wrong side of a
contract day's end. Here the deposit is confirmed exactly at a day's bound (00:00:00 Beijing) and the report,
the instruction's signatures and a suspension at 07:30 Beijing; as_of's reads of the days around them are the
ORM reads they replaced (kept in test_as_of_sql.py). Runs on PostgreSQL and SQLite."""

import io
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from escrow import actions
from escrow.models import Deal, HistoryEntry, Instrument, ShareMovement, Signature
from escrow.models.params import day, moment
from escrow.queries import as_of
from escrow.queries import rows as rows_module
from tests.conftest import SHANGHAI, open_and_file, sign_instruction, tranche
from tests.escrow.queries.test_as_of_sql import assert_same_reads

pytestmark = pytest.mark.django_db

CREATED, DEPOSITED, REPORTED, SIGNED, SUSPENDED = (
    date(2026, 12, 2),
    date(2026, 12, 5),
    date(2027, 1, 20),
    date(2027, 1, 22),
    date(2027, 1, 23),
)


def at(the_day, hour, minute=0):
    return time_machine.travel(datetime.combine(the_day, time(hour, minute), tzinfo=SHANGHAI), tick=False)


@pytest.fixture
def early_deal(django_user_model):
    """Kaixin with its deposit at 00:00:00 Beijing (the bound itself) and its report, signatures and a suspension
    at 07:30 Beijing (the previous day in UTC)."""
    with at(CREATED, 10):
        call_command("load_kaixin", stdout=io.StringIO())
        deal = Deal.objects.get(slug="kaixin-2025")
        people = {u.username: u for u in django_user_model.objects.all()}
    with at(DEPOSITED, 0):
        actions.confirm_deposit(people["agent1"], deal, reference="DRS-0001")
    with at(REPORTED, 7, 30):
        open_and_file(deal, people, 1, "665000000", today=REPORTED)
    with at(SIGNED, 7, 30):
        sign_instruction(deal, people, 1)
    with at(SUSPENDED, 7, 30):
        actions.suspend_release(people["issuer"], tranche(deal, 1).pk, reason="Seller breached the non-compete")
    return Deal.objects.get(pk=deal.pk)


def days_around(*days):
    return sorted({d + timedelta(days=shift) for d in days for shift in (-1, 0, 1)})


def test_the_rows_sit_where_the_bounds_test_them(early_deal):
    """The world puts rows on both sides of the bounds: recorded exactly at the end of DEPOSITED - 1 and in the
    first eight hours of the other days (their UTC date is the day before)."""
    bound = as_of.end_of_day(DEPOSITED - timedelta(days=1))
    deposit = ShareMovement.objects.get(deal=early_deal, kind=ShareMovement.Kind.DEPOSIT)
    assert deposit.recorded_at == bound
    signed = Signature.objects.filter(instrument__tranche__deal=early_deal).values_list("signed_at", flat=True)
    assert {timezone.localtime(s, SHANGHAI).time() for s in signed} == {time(7, 30)}
    assert {s.astimezone(UTC).date() for s in signed} == {SIGNED - timedelta(days=1)}
    reported = Instrument.objects.filter(tranche__deal=early_deal, kind="joint_instruction").get()
    assert reported.created_at.astimezone(UTC).date() == REPORTED - timedelta(days=1)


def test_the_reads_near_the_bounds_are_the_orm_reads(early_deal):
    days = days_around(DEPOSITED, REPORTED, SIGNED, SUSPENDED)
    met = assert_same_reads(early_deal, days)
    assert {"signatures", "holds", "movements"} <= met
    # and the snapshots: nothing recorded at 07:30 on a day shows on the day before, the deposit at 00:00 neither
    before = as_of.deal_as_of(early_deal, DEPOSITED - timedelta(days=1))
    assert before.balances.deposited == 0 and before.state == Deal.State.AWAITING_DEPOSIT
    assert as_of.deal_as_of(early_deal, DEPOSITED).balances.deposited == early_deal.total_shares
    assert not as_of.deal_as_of(early_deal, SIGNED - timedelta(days=1)).signatures
    assert len(as_of.deal_as_of(early_deal, SIGNED).signatures) == 2
    assert not as_of.deal_as_of(early_deal, REPORTED - timedelta(days=1)).instrument_count


def test_bound_raw_the_reads_go_wrong_on_sqlite(early_deal, monkeypatch):
    """What the helpers prevent: the same reads with the values bound raw read a row of the next day on SQLite
    (PostgreSQL compares instants, so raw values are right there)."""
    monkeypatch.setattr(as_of, "bound_moment", lambda value: value)
    monkeypatch.setattr(as_of, "bound_day", lambda value: value)
    if connection.vendor == "sqlite":
        with pytest.raises(AssertionError):
            assert_same_reads(early_deal, [SIGNED - timedelta(days=1)])
        with pytest.raises(AssertionError):
            assert_same_reads(early_deal, [DEPOSITED - timedelta(days=1)])
    else:
        assert_same_reads(early_deal, days_around(DEPOSITED, SIGNED))


def test_the_helpers_bind_as_the_orm_does(early_deal):
    """The ORM's own parameters for a DateTimeField and a DateField are the helpers' values."""
    end = as_of.end_of_day(SIGNED)
    query = HistoryEntry.objects.filter(at__lt=end).query
    _sql, params = query.sql_with_params()
    assert params == (moment(end),)
    hold_day = Deal.objects.filter(effective_date__lte=SIGNED).query.sql_with_params()[1]
    assert hold_day == (day(SIGNED),)
    assert rows_module.moment is moment and rows_module.day is day
    if connection.vendor == "sqlite":
        assert moment(end) == "2027-01-22 16:00:00"  # UTC text, as stored
        assert day(SIGNED) == "2027-01-22"
