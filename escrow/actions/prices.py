"""NASDAQ closing prices for the delay penalty (SPA 8.2): entered or imported by staff, never invented.

An import is all or nothing: every malformed row is reported with its line number and nothing is
stored from a file that has one. Re-importing the same file changes nothing; a different close for a
stored day is refused unless `replace` is asked for (a correction, which the sweep then revalues).
"""
import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from escrow.queries.clock import contract_today
from escrow.contract.errors import InvalidInput
from escrow.models import SharePrice

REQUIRED = ("ticker", "date", "close")
TICKER = re.compile(r"^[A-Z0-9.\-]{1,20}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_DIGITS, PLACES = 14, 4  # SharePrice.close


@dataclass(frozen=True)
class PriceRow:
    line: int
    ticker: str
    day: date
    close: Decimal
    currency: str


def parse_price_csv(text: str, *, today: date | None = None) -> list:
    """Rows of a CSV with a header `ticker,date,close[,currency]`; InvalidInput lists every bad line."""
    today = today or contract_today()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InvalidInput(_("line 1: the header must name the columns %(required)s (missing: %(missing)s); "
                             "optional: currency.") % {"required": ", ".join(REQUIRED), "missing": ", ".join(missing)})
    reader.fieldnames = header
    rows, errors, seen = [], [], {}
    for record in reader:
        line = reader.line_num
        problems = _problems(record, today)
        if problems:
            errors.append(_("line %(line)s: %(problems)s") % {"line": line, "problems": "; ".join(problems)})
            continue
        row = _row(line, record)
        if (row.ticker, row.day) in seen:
            errors.append(_("line %(line)s: %(ticker)s %(day)s already given on line %(first)s") % {
                "line": line, "ticker": row.ticker, "day": row.day, "first": seen[row.ticker, row.day]})
            continue
        seen[row.ticker, row.day] = line
        rows.append(row)
    if not rows and not errors:
        errors.append(_("the file has no price rows"))
    if errors:
        raise InvalidInput(_("Nothing was imported. %(errors)s") % {"errors": " | ".join(errors)})
    return rows


def _problems(record, today):
    if None in record or any(record.get(c) is None for c in REQUIRED):
        return [_("wrong number of fields")]
    problems = []
    if not TICKER.match(record["ticker"].strip()):
        problems.append(_("ticker %(ticker)r is not a symbol like KXIN") % {"ticker": record["ticker"]})
    try:
        day = date.fromisoformat(record["date"].strip())
        if day > today:
            problems.append(_("%(day)s is in the future: a close is known only after the session") % {"day": day})
    except ValueError:
        problems.append(_("date %(date)r is not YYYY-MM-DD") % {"date": record["date"]})
    problems += _close_problems(record["close"].strip())
    currency = (record.get("currency") or "").strip()
    if currency and not CURRENCY.match(currency):
        problems.append(_("currency %(currency)r is not a three-letter code") % {"currency": currency})
    return problems


def _close_problems(text):
    try:
        close = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return [_("close %(close)r is not a number") % {"close": text}]
    if not close.is_finite() or close <= 0:
        return [_("close %(close)r must be a positive price") % {"close": text}]
    if close != close.quantize(Decimal(1).scaleb(-PLACES)):
        return [_("close %(close)r has more than %(places)s decimal places") % {"close": text, "places": PLACES}]
    if close >= Decimal(10) ** (MAX_DIGITS - PLACES):
        return [_("close %(close)r is too large") % {"close": text}]
    return []


def _row(line, record):
    return PriceRow(line, record["ticker"].strip(), date.fromisoformat(record["date"].strip()),
                    Decimal(record["close"].strip().replace(",", "")), (record.get("currency") or "").strip() or "USD")


@transaction.atomic
def import_prices(rows, *, actor=None, source="", replace=False) -> dict:
    """Store parsed rows (SPA 8.2 market value). All or nothing; returns counts."""
    stored = {(p.ticker, p.day): p for p in SharePrice.objects.select_for_update().filter(
        ticker__in={r.ticker for r in rows}, day__in={r.day for r in rows})}
    conflicts = [r for r in rows if (r.ticker, r.day) in stored and stored[r.ticker, r.day].close != r.close]
    if conflicts and not replace:
        raise InvalidInput(_("Nothing was imported. %(errors)s") % {"errors": " | ".join(
            _("line %(line)s: %(ticker)s %(day)s is stored as %(stored)s, the file says %(close)s (import with "
              "--replace to correct it)") % {"line": r.line, "ticker": r.ticker, "day": r.day,
                                             "stored": stored[r.ticker, r.day].close, "close": r.close}
            for r in conflicts)})
    new = [SharePrice(ticker=r.ticker, day=r.day, close=r.close, currency=r.currency, source=source[:100],
                      entered_by=actor) for r in rows if (r.ticker, r.day) not in stored]
    SharePrice.objects.bulk_create(new)
    for r in conflicts:
        price = stored[r.ticker, r.day]
        price.close, price.currency, price.source, price.entered_by = r.close, r.currency, source[:100], actor
        price.save()
        # entered_at is auto_now_add: move it, so the sweep revalues the penalty days valued before.
        SharePrice.objects.filter(pk=price.pk).update(entered_at=timezone.now())
    return {"created": len(new), "replaced": len(conflicts), "unchanged": len(rows) - len(new) - len(conflicts)}
