"""NASDAQ closing prices for the delay penalty (SPA 8.2): entered, corrected or imported by staff with
the permission or by the issuer of a deal whose shares trade under the ticker; never invented. Each
change goes into the reference history with the value before and after.

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

from escrow.contract.errors import InvalidInput, NotAllowed
from escrow.history.chain import record_reference_event
from escrow.models import Deal, HistoryAction, SharePrice
from escrow.queries.clock import contract_today
from escrow.usecases.permissions import STAFF_USE_CASES, may, party_for, require_staff

REQUIRED = ("ticker", "date", "close")
TICKER = re.compile(r"^[A-Z0-9.\-]{1,20}$")
# A close as people type it: ASCII digits, optionally grouped in threes by commas, and a decimal point. No
# exponent (1e2), underscore, sign or other script's digits, all of which Decimal() would read.
CLOSE = re.compile(r"^(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_DIGITS, PLACES = 14, 4  # SharePrice.close
SOURCE_LENGTH = SharePrice._meta.get_field("source").max_length
REASON_LENGTH = 2000
CLAUSE = "SPA 8.2; EA 5.2"


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
        raise InvalidInput(
            _("line 1: the header must name the columns %(required)s (missing: %(missing)s); optional: currency.")
            % {"required": ", ".join(REQUIRED), "missing": ", ".join(missing)}
        )
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
            errors.append(
                _("line %(line)s: %(ticker)s %(day)s already given on line %(first)s")
                % {"line": line, "ticker": row.ticker, "day": row.day, "first": seen[row.ticker, row.day]}
            )
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
    problems = _ticker_problems(record["ticker"].strip())
    try:
        problems += _day_problems(date.fromisoformat(record["date"].strip()), today)
    except ValueError:
        problems.append(_("date %(date)r is not YYYY-MM-DD") % {"date": record["date"]})
    problems += _close_problems(record["close"].strip())
    currency = (record.get("currency") or "").strip()
    if currency:
        problems += _currency_problems(currency)
    return problems


def _ticker_problems(ticker):
    if not TICKER.match(ticker):
        return [_("ticker %(ticker)r is not a symbol like KXIN") % {"ticker": ticker}]
    return []


def _day_problems(day, today):
    if day > today:
        return [_("%(day)s is in the future: a close is known only after the session") % {"day": day}]
    return []


def _currency_problems(currency):
    if not CURRENCY.match(currency):
        return [_("currency %(currency)r is not a three-letter code") % {"currency": currency}]
    return []


def _close_problems(text):
    if not CLOSE.match(str(text)):
        return [
            _("close %(close)r is not a price: write it with the digits 0-9 and a point, e.g. 2.51") % {"close": text}
        ]
    try:
        close = Decimal(str(text).replace(",", ""))
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
    return PriceRow(
        line,
        record["ticker"].strip(),
        date.fromisoformat(record["date"].strip()),
        Decimal(record["close"].strip().replace(",", "")),
        (record.get("currency") or "").strip() or "USD",
    )


@transaction.atomic
def import_prices(actor, rows, *, source="", replace=False, file_sha256="") -> dict:
    """Store parsed rows (SPA 8.2 market value). All or nothing; returns counts. The history entry keeps
    the counts, the file's SHA-256 and every corrected close before and after."""
    tickers = {r.ticker for r in rows}
    acting_for = _authorise(actor, tickers, "import_share_prices")
    stored = {
        (p.ticker, p.day): p
        for p in SharePrice.objects.select_for_update().filter(ticker__in=tickers, day__in={r.day for r in rows})
    }
    conflicts = [r for r in rows if (r.ticker, r.day) in stored and stored[r.ticker, r.day].close != r.close]
    if conflicts and not replace:
        raise InvalidInput(
            _("Nothing was imported. %(errors)s")
            % {
                "errors": " | ".join(
                    _(
                        "line %(line)s: %(ticker)s %(day)s is stored as %(stored)s, the file says %(close)s "
                        "(import it again replacing stored closes, --replace, to correct it)"
                    )
                    % {
                        "line": r.line,
                        "ticker": r.ticker,
                        "day": r.day,
                        "stored": stored[r.ticker, r.day].close,
                        "close": r.close,
                    }
                    for r in conflicts
                )
            }
        )
    if conflicts:
        _authorise(actor, {r.ticker for r in conflicts}, "correct_share_price")
    source = " ".join(str(source or "").split())[:SOURCE_LENGTH]
    new = [
        SharePrice(ticker=r.ticker, day=r.day, close=r.close, currency=r.currency, source=source, entered_by=actor)
        for r in rows
        if (r.ticker, r.day) not in stored
    ]
    SharePrice.objects.bulk_create(new)
    corrections = [_replace(stored[r.ticker, r.day], r.close, r.currency, source, actor) for r in conflicts]
    counts = {"created": len(new), "replaced": len(conflicts), "unchanged": len(rows) - len(new) - len(conflicts)}
    if new or conflicts:  # one entry per import: ENTERED when it adds closes, CORRECTED when it only corrects
        record_reference_event(
            HistoryAction.SHARE_PRICE_ENTERED if new else HistoryAction.SHARE_PRICE_CORRECTED,
            actor=actor,
            clause=CLAUSE,
            summary=f"Closing prices imported from {source or 'a file'}: {counts['created']} new, "
            f"{counts['replaced']} corrected, {counts['unchanged']} already stored",
            details={
                "import": True,
                **counts,
                "file_sha256": file_sha256,
                "source": source,
                "tickers": sorted(tickers),
                "first_day": min(r.day for r in rows),
                "last_day": max(r.day for r in rows),
                "acting_for": acting_for,
                "corrections": corrections,
            },
        )
    return counts


@transaction.atomic
def enter_share_price(actor, ticker, day, close, currency="USD", source=""):
    """One closing price (SPA 8.2), entered by staff or by the issuer of a deal whose shares trade under the
    ticker. A stored day is corrected with `correct_share_price`, never entered twice."""
    ticker, currency = str(ticker or "").strip().upper(), str(currency or "USD").strip().upper()
    problems = _ticker_problems(ticker) + _currency_problems(currency) + _close_problems(str(close).strip())
    if not isinstance(day, date):
        problems.append(_("give the day as YYYY-MM-DD"))
    elif not problems:
        problems += _day_problems(day, contract_today())
    if problems:
        raise InvalidInput(
            _("The price was not stored: %(problems)s.") % {"problems": "; ".join(problems)}, clause=CLAUSE
        )
    acting_for = _authorise(actor, {ticker}, "enter_share_price")
    close = Decimal(str(close).replace(",", ""))
    stored = SharePrice.objects.select_for_update().filter(ticker=ticker, day=day).first()
    if stored is not None:
        raise InvalidInput(
            _("%(ticker)s %(day)s is stored as %(stored)s; correct that price instead.")
            % {"ticker": ticker, "day": day, "stored": stored.close},
            clause=CLAUSE,
        )
    source = " ".join(str(source or "").split())[:SOURCE_LENGTH]
    price = SharePrice.objects.create(
        ticker=ticker, day=day, close=close, currency=currency, source=source, entered_by=actor
    )
    record_reference_event(
        HistoryAction.SHARE_PRICE_ENTERED,
        actor=actor,
        clause=CLAUSE,
        summary=f"{ticker} closed at {close} {currency} on {day.isoformat()}" + (f" ({source})" if source else ""),
        details={
            "ticker": ticker,
            "day": day,
            "before": None,
            "after": _price_state(price),
            "source": source,
            "acting_for": acting_for,
        },
    )
    return price


@transaction.atomic
def correct_share_price(actor, price, close, reason):
    """A stored close was wrong (SPA 8.2): the new close replaces it, the history keeps both and why, and the
    sweep revalues the penalty days valued with the old one."""
    price = SharePrice.objects.select_for_update().get(pk=price.pk)
    acting_for = _authorise(actor, {price.ticker}, "correct_share_price")
    problems = _day_problems(price.day, contract_today()) + _close_problems(str(close).strip())
    reason = " ".join(str(reason or "").split())
    if not reason:
        problems.append(_("say why the close is corrected"))
    elif len(reason) > REASON_LENGTH:
        problems.append(_("the reason is longer than %(limit)s characters") % {"limit": REASON_LENGTH})
    if problems:
        raise InvalidInput(
            _("The price was not corrected: %(problems)s.") % {"problems": "; ".join(problems)}, clause=CLAUSE
        )
    close = Decimal(str(close).replace(",", ""))
    if close == price.close:
        raise InvalidInput(
            _("%(ticker)s %(day)s is already stored as %(close)s.")
            % {"ticker": price.ticker, "day": price.day, "close": price.close},
            clause=CLAUSE,
        )
    correction = _replace(price, close, price.currency, price.source, actor)
    record_reference_event(
        HistoryAction.SHARE_PRICE_CORRECTED,
        actor=actor,
        clause=CLAUSE,
        summary=f"{price.ticker} close on {price.day.isoformat()} corrected from {correction['before']['close']} "
        f"to {close}: {reason}",
        details={**correction, "reason": reason, "acting_for": acting_for},
    )
    return SharePrice.objects.get(pk=price.pk)


def _replace(price, close, currency, source, actor):
    """Write a corrected close; entered_at moves so the sweep revalues the days valued with the old one."""
    before = _price_state(price)
    price.close, price.currency, price.source, price.entered_by = close, currency, source, actor
    price.save()
    SharePrice.objects.filter(pk=price.pk).update(entered_at=timezone.now())  # entered_at is auto_now_add
    return {"ticker": price.ticker, "day": price.day, "before": before, "after": _price_state(price)}


def _price_state(price):
    return {"close": price.close, "currency": price.currency, "source": price.source}


def _authorise(actor, tickers, use_case) -> str:
    """Staff with the staff use case's permission, or the issuer of a deal whose shares trade under every
    ticker (the enter_share_prices use case, SPA 8.2). Returns whom the person acts for ("" for staff)."""
    try:
        require_staff(actor, use_case)
        return ""
    except NotAllowed:
        pass
    acting_for = set()
    for ticker in sorted(tickers):
        party = _issuer_for(actor, ticker)
        if party is None:
            raise NotAllowed(
                _(
                    "Only platform staff with the permission %(permission)s, or the issuer of a deal "
                    "whose shares trade as %(ticker)s, may enter its closing prices."
                )
                % {"permission": STAFF_USE_CASES[use_case].permission, "ticker": ticker},
                clause="SPA 8.2",
            )
        acting_for.add(f"{party.organisation.name} ({party.role})")
    return "; ".join(sorted(acting_for))


def _issuer_for(actor, ticker):
    if not (actor and actor.is_authenticated and actor.is_active):
        return None
    for deal in Deal.objects.filter(ticker=ticker):
        party = party_for(actor, deal)
        if party is not None and may(party.role, "enter_share_prices"):
            return party
    return None
