"""python manage.py import_prices FILE.csv --by USERNAME: all or nothing, bad rows named by line, entered by
staff with the permission or the deal's issuer, and recorded in the reference history (SPA 8.2 prices)."""

import hashlib
from datetime import date
from decimal import Decimal

import pytest
from django.core.management.base import CommandError

from escrow.history.chain import REFERENCE_CHAIN
from escrow.models import HistoryEntry, SharePrice

from .conftest import import_csv as _import_csv
from .conftest import on

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _staff(admin_user):
    """The imports below are run by platform staff (pytest-django's superuser "admin")."""


def import_csv(tmp_path, text, *args):
    return _import_csv(tmp_path, text, "--by", "admin", *args)


def reference_entries():
    """The reference chain's share-price entries (load_kaixin's organisations are there too)."""
    return list(
        HistoryEntry.objects.filter(chain__key=REFERENCE_CHAIN, action__startswith="share_price").order_by("seq")
    )


GOOD = "ticker,date,close,currency\nKXIN,2027-01-28,2.5100,USD\nKXIN,2027-01-29,2.4800,USD\n"


def test_a_good_file_is_imported_and_a_repeat_changes_nothing(tmp_path):
    with on(date(2027, 2, 1)):
        assert "2 imported" in import_csv(tmp_path, GOOD)
        assert "2 already stored" in import_csv(tmp_path, GOOD)
    assert dict(SharePrice.objects.values_list("day", "close")) == {
        date(2027, 1, 28): Decimal("2.51"),
        date(2027, 1, 29): Decimal("2.48"),
    }


def test_a_file_with_bad_rows_imports_nothing_and_names_each_line(tmp_path):
    bad = (
        "ticker,date,close\n"
        "KXIN,2027-01-27,2.50\n"  # line 2: fine, but not imported
        "KXIN,27/01/2027,2.50\n"  # line 3: date format
        "KXIN,2027-01-26,-1\n"  # line 4: negative
        "KXIN,2027-01-25,abc\n"  # line 5: not a number
        "KXIN,2027-01-27,2.51\n"  # line 6: duplicate of line 2
        "KXIN,2027-03-01,2.50\n"  # line 7: in the future
        "KXIN,2027-01-22\n"  # line 8: a field short
        "KXIN,2027-01-21,2.123456\n"
    )  # line 9: too many decimals
    with on(date(2027, 2, 1)), pytest.raises(CommandError) as error:
        import_csv(tmp_path, bad)
    message = str(error.value)
    for line in (3, 4, 5, 6, 7, 8, 9):
        assert f"line {line}:" in message
    assert "line 2:" not in message and "Nothing was imported" in message
    assert not SharePrice.objects.exists()


def test_a_missing_column_is_refused(tmp_path):
    with on(date(2027, 2, 1)), pytest.raises(CommandError, match=r"line 1: .*missing: close"):
        import_csv(tmp_path, "ticker,date\nKXIN,2027-01-28\n")


def test_a_different_close_for_a_stored_day_needs_replace(tmp_path):
    with on(date(2027, 2, 1)):
        import_csv(tmp_path, GOOD)
        with pytest.raises(CommandError, match=r"line 2: KXIN 2027-01-28 is stored as 2\.5100"):
            import_csv(tmp_path, "ticker,date,close\nKXIN,2027-01-28,2.60\nKXIN,2027-01-30,2.60\n")
        assert SharePrice.objects.count() == 2
        assert "1 imported, 1 corrected" in import_csv(
            tmp_path, "ticker,date,close\nKXIN,2027-01-28,2.60\nKXIN,2027-01-30,2.60\n", "--replace"
        )
    assert SharePrice.objects.get(day=date(2027, 1, 28)).close == Decimal("2.6")


def test_an_import_is_recorded_with_its_counts_and_the_files_sha256(tmp_path, admin_user):
    with on(date(2027, 2, 1)):
        import_csv(tmp_path, GOOD)
        import_csv(tmp_path, GOOD)  # a repeat changes nothing and records nothing
        import_csv(tmp_path, "ticker,date,close\nKXIN,2027-01-28,2.60\n", "--replace", "--source", "NASDAQ")
    first, correction = reference_entries()
    assert (first.action, first.actor, first.clause) == ("share_price_entered", admin_user, "SPA 8.2; EA 5.2")
    assert first.details["file_sha256"] == hashlib.sha256(GOOD.encode()).hexdigest()
    assert (first.details["created"], first.details["replaced"], first.details["unchanged"]) == (2, 0, 0)
    assert correction.action == "share_price_corrected" and correction.details["source"] == "NASDAQ"
    assert correction.details["corrections"] == [
        {
            "ticker": "KXIN",
            "day": "2027-01-28",
            "before": {"close": "2.5100", "currency": "USD", "source": "prices.csv"},
            "after": {"close": "2.60", "currency": "USD", "source": "NASDAQ"},
        }
    ]


def test_the_issuer_imports_its_own_ticker_and_nobody_else_does(tmp_path, kaixin, people):
    with on(date(2027, 2, 1)):
        assert "2 imported" in _import_csv(tmp_path, GOOD, "--by", "issuer")
        for who in ("purchaser", "agent1", "auditor"):
            with pytest.raises(CommandError, match="issuer of a deal whose shares trade as KXIN"):
                _import_csv(tmp_path, "ticker,date,close\nKXIN,2027-01-27,2.50\n", "--by", who)
        with pytest.raises(CommandError, match="trade as OTHR"):
            _import_csv(tmp_path, "ticker,date,close\nKXIN,2027-01-26,2.50\nOTHR,2027-01-26,9.00\n", "--by", "issuer")
    assert SharePrice.objects.count() == 2
    assert reference_entries()[0].details["acting_for"] == "Kaixin Holdings (issuer)"


def test_by_is_required_and_must_name_someone(tmp_path):
    with on(date(2027, 2, 1)):
        with pytest.raises(CommandError, match="--by"):
            _import_csv(tmp_path, GOOD)
        with pytest.raises(CommandError, match=r"--by nobody: nobody has that username"):
            _import_csv(tmp_path, GOOD, "--by", "nobody")
    assert not SharePrice.objects.exists()
