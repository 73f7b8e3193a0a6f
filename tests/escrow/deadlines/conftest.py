"""Helpers for the sweep tests: a frozen Shanghai clock, price files, counts of what was written."""

import io
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command

from escrow.models import HistoryEntry, Notification, OutboxMessage, PenaltyDay
from tests.conftest import SHANGHAI


@contextmanager
def on(day: date, hour=10):
    """Freeze the clock at `hour` o'clock on `day` in Shanghai (contract_today() follows)."""
    with time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False):
        yield


def days(first: date, last: date):
    d = first
    while d <= last:
        yield d
        d += timedelta(days=1)


def import_csv(tmp_path, text, *args):
    path = tmp_path / "prices.csv"
    path.write_text(text)
    out = io.StringIO()
    call_command("import_prices", str(path), *args, stdout=out)
    return out.getvalue()


def price_csv(first: date, last: date, close="2.5000", ticker="KXIN", weekdays_only=True):
    """NASDAQ closes: one per weekday (non-trading days use the last close, SPA 8.2)."""
    lines = ["ticker,date,close"]
    lines += [f"{ticker},{d},{close}" for d in days(first, last) if not weekdays_only or d.weekday() < 5]
    return "\n".join(lines) + "\n"


def written():
    """Everything the sweep writes, counted: a repeat must leave every number unchanged."""
    return {
        "penalty_days": PenaltyDay.objects.count(),
        "notifications": Notification.objects.count(),
        "outbox": OutboxMessage.objects.count(),
        "history": HistoryEntry.objects.count(),
        "keys": sorted(Notification.objects.values_list("dedupe_key", flat=True)),
    }


@pytest.fixture
def kxin_prices(db, people):
    """Closes for Dec 2026 - Mar 2027 at USD 2.50, entered by the issuer (SPA 8.2)."""
    from escrow.actions.prices import import_prices, parse_price_csv

    rows = parse_price_csv(price_csv(date(2026, 12, 1), date(2027, 3, 31)), today=date(2027, 12, 31))
    import_prices(people["issuer"], rows, source="test")
