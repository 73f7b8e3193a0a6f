"""Creating a deal: its terms checked, its tranches scheduled, and its first history entry.

The admin, the staff page, the API, the `create_deal` command and `load_kaixin` all call
`create_deal`; `check_terms` is the same checking without writing, for forms that want to show every
problem next to the input before anything is saved.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.utils.translation import gettext as _

from escrow.actions.base import record
from escrow.actions.calendars import check_calendar_code
from escrow.contract.calendar import release_due
from escrow.contract.errors import InvalidInput
from escrow.contract.numbers import parse_amount, parse_iso_date, parse_quantity
from escrow.contract.policies import DEFINITIONS_BY_KEY, POLICY_DEFINITIONS
from escrow.models import Deal, HistoryAction, Tranche
from escrow.usecases.permissions import require_staff

RESERVED_SLUGS = {"new"}  # /deals/new/ is the page that creates a deal
TICKER = re.compile(r"^[A-Z0-9.\-]{1,20}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
TARGET_PLACES, TARGET_DIGITS = 2, 20  # Tranche.target_revenue
FEE_PLACES, FEE_DIGITS = 2, 12  # Deal.escrow_fee_per_year
TEXT_FIELDS = (
    "slug",
    "name",
    "name_zh",
    "target_company",
    "share_class",
    "ticker",
    "target_currency",
    "price_currency",
)
CLAUSE = "SPA 1.4, 4.1, 5.1"


def policy_keys() -> tuple:
    """The policies (P1-P8, and any later one) that the Deal stores, in their order."""
    stored = {f.name for f in Deal._meta.get_fields()}
    return tuple(d.key for d in POLICY_DEFINITIONS if d.key in stored)


@dataclass(frozen=True)
class TrancheTerms:
    """One assessment year (SPA 1.4) and its operating revenue target (SPA 4.1)."""

    year: int
    period_start: date
    period_end: date
    target_revenue: Decimal


@dataclass(frozen=True)
class DealTerms:
    """Checked and normalised terms: the Deal's fields (policies included) and its tranches."""

    fields: dict
    tranches: tuple


def check_terms(
    *,
    slug,
    name,
    target_company,
    total_shares,
    effective_date,
    tranches,
    name_zh="",
    share_class=None,
    ticker="",
    target_currency=None,
    price_currency=None,
    escrow_fee_per_year=None,
    notes="",
    policies=None,
    calendar=None,
    tranche_count=None,
) -> DealTerms:
    """The terms of a new deal, or InvalidInput naming every problem (nothing is written here)."""
    problems = []
    fields = _text_fields(
        problems,
        slug=slug,
        name=name,
        name_zh=name_zh,
        target_company=target_company,
        share_class=share_class,
        ticker=ticker,
        target_currency=target_currency,
        price_currency=price_currency,
    )
    fields["notes"] = str(notes or "").strip()
    fields["total_shares"] = _total_shares(problems, total_shares)
    fields["effective_date"] = _day(problems, effective_date, _("Give the agreement's effective date (YYYY-MM-DD)."))
    fields["escrow_fee_per_year"] = _fee(problems, escrow_fee_per_year)
    fields.update(_policies(problems, policies, calendar))
    rows = _tranches(problems, tranches, tranche_count, fields["total_shares"])
    if problems:
        raise InvalidInput(" ".join(problems), clause=CLAUSE)
    return DealTerms(fields, rows)


@transaction.atomic
def create_deal(actor, **terms) -> Deal:
    """A new deal in `awaiting_deposit` with its tranches scheduled (SPA 1.4, 4.1; each release due 60
    calendar days after its year ends, SPA 5.1). Its first history entry records the terms: shares,
    tranches with periods and targets, every policy (P1-P8) and the calendar, the effective date.

    `terms` are the keyword arguments of `check_terms`. Staff with the permission escrow.add_deal create
    deals (use case create_deal); `actor` None is the platform itself, for commands run on the server
    (`load_kaixin`)."""
    if actor is not None:
        require_staff(actor, "create_deal")
    checked = check_terms(**terms)
    if Deal.objects.select_for_update().filter(slug=checked.fields["slug"]).exists():
        raise InvalidInput(_taken(checked.fields["slug"]), clause=CLAUSE)
    deal = Deal.objects.create(tranche_count=len(checked.tranches), **checked.fields)
    Tranche.objects.bulk_create(
        [
            Tranche(
                deal=deal,
                year=t.year,
                period_start=t.period_start,
                period_end=t.period_end,
                target_revenue=t.target_revenue,
                release_due_date=release_due(t.period_end).due,
            )
            for t in checked.tranches
        ]
    )
    record(
        deal,
        action=HistoryAction.DEAL_CREATED,
        actor=actor,
        clause=CLAUSE,
        summary=summary_of(deal, checked.tranches),
        details=terms_of(deal),
    )
    return deal


def terms_of(deal, tranches=None) -> dict:
    """The deal's terms as its DEAL_CREATED history entry records them (`tranches`: the deal's, in year order,
    when the caller has them already)."""
    tranches = list(deal.tranches.order_by("year")) if tranches is None else list(tranches)
    return {
        "slug": deal.slug,
        "name": deal.name,
        "name_zh": deal.name_zh,
        "target_company": deal.target_company,
        "total_shares": deal.total_shares,
        "share_class": deal.share_class,
        "tranche_count": len(tranches),
        "ticker": deal.ticker,
        "target_currency": deal.target_currency,
        "price_currency": deal.price_currency,
        "effective_date": deal.effective_date,
        "escrow_fee_per_year": deal.escrow_fee_per_year,
        "calendar": deal.calendar,
        "notes": deal.notes,
        "policies": {
            key: {
                "number": DEFINITIONS_BY_KEY[key].number,
                "clause": DEFINITIONS_BY_KEY[key].clause,
                "value": getattr(deal, key),
            }
            for key in policy_keys()
        },
        "tranches": [
            {
                "year": t.year,
                "period_start": t.period_start,
                "period_end": t.period_end,
                "target_revenue": t.target_revenue,
                "release_due_date": t.release_due_date,
            }
            for t in tranches
        ],
    }


def summary_of(deal, tranches) -> str:
    """The DEAL_CREATED entry's one line (English, like every history summary)."""
    first, last = tranches[0], tranches[-1]
    policies = ", ".join(f"{DEFINITIONS_BY_KEY[k].number} {getattr(deal, k)}" for k in policy_keys())
    return (
        f"Deal created: {deal.total_shares:,} {deal.share_class} in {len(tranches)} tranches, "
        f"assessment years {first.period_start.isoformat()} to {last.period_end.isoformat()}, effective "
        f"{deal.effective_date.isoformat()}; policies {policies}"
    )


def _taken(slug):
    return _("Another deal already uses the address %(slug)s; choose another.") % {"slug": slug}


# --- checks: each appends messages to `problems` and returns the normalised value ---


def _text_fields(problems, **values):
    fields = {}
    for key in TEXT_FIELDS:
        value = values[key]
        if value is None:
            value = Deal._meta.get_field(key).default
        fields[key] = " ".join(str(value).split())
    for key in ("ticker", "target_currency", "price_currency"):
        fields[key] = fields[key].upper()
    _slug(problems, fields["slug"])
    if not fields["name"]:
        problems.append(_("Enter the deal's name."))
    if not fields["target_company"]:
        problems.append(_("Enter the target company (SPA recitals)."))
    if fields["ticker"] and not TICKER.match(fields["ticker"]):
        problems.append(_("The ticker %(ticker)s is not a symbol like KXIN.") % {"ticker": fields["ticker"]})
    for key in ("target_currency", "price_currency"):
        if not CURRENCY.match(fields[key]):
            problems.append(
                _("The currency %(code)s is not a three-letter code such as CNY or USD.") % {"code": fields[key] or "—"}
            )
    for key in TEXT_FIELDS:
        limit = Deal._meta.get_field(key).max_length
        if len(fields[key]) > limit:
            problems.append(
                _("%(field)s is longer than %(limit)s characters.")
                % {"field": str(Deal._meta.get_field(key).verbose_name).capitalize(), "limit": limit}
            )
    return fields


def _slug(problems, slug):
    try:
        validate_slug(slug)
    except ValidationError:
        problems.append(_("Give the deal a short address of letters, digits and hyphens, e.g. kaixin-2025."))
        return
    if slug.lower() in RESERVED_SLUGS:
        problems.append(_("The address %(slug)s is reserved; choose another.") % {"slug": slug})
    elif Deal.objects.filter(slug=slug).exists():
        problems.append(_taken(slug))


def _total_shares(problems, value):
    shares = _whole(value)
    if shares is None or shares <= 0:
        problems.append(_("The consideration shares must be a whole number above zero (SPA 1.1)."))
        return None
    return shares


def _fee(problems, value):
    if value is None or value == "":
        return Deal._meta.get_field("escrow_fee_per_year").default
    fee = _amount(value)
    if fee is None or fee < 0 or not _fits(fee, FEE_DIGITS, FEE_PLACES):
        problems.append(
            _("The escrow fee per year must be an amount of zero or more with at most two decimal places (EA 4.4).")
        )
        return None
    return fee.quantize(Decimal(1).scaleb(-FEE_PLACES))


def _policies(problems, policies, calendar):
    given = dict(policies or {})
    unknown = sorted(set(given) - set(policy_keys()))
    if unknown:
        problems.append(
            _("Unknown policy %(keys)s; the policies are %(known)s.")
            % {"keys": ", ".join(unknown), "known": ", ".join(policy_keys())}
        )
    if calendar is not None and given.get("calendar") is not None and _code(given["calendar"]) != _code(calendar):
        problems.append(_("The calendar is given twice with different codes (P6); give it once."))
    if calendar is not None:
        given["calendar"] = calendar
    values = {}
    for key in policy_keys():
        value = given.get(key)
        values[key] = Deal._meta.get_field(key).default if value in (None, "") else str(value).strip()
        if key == "calendar":
            values[key] = _calendar(problems, values[key])
        elif not DEFINITIONS_BY_KEY[key].allows(values[key]):
            definition = DEFINITIONS_BY_KEY[key]
            problems.append(
                _("%(value)s is not a reading of %(number)s %(key)s (%(clause)s); choose one of: %(choices)s.")
                % {
                    "value": values[key],
                    "number": definition.number,
                    "key": key,
                    "clause": definition.clause,
                    "choices": ", ".join(definition.choices),
                }
            )
    return values


def _code(value):
    return str(value).strip().upper()


def _calendar(problems, code):
    try:
        return check_calendar_code(code)
    except InvalidInput as exc:
        problems.append(exc.message)
        return code


def _tranches(problems, tranches, tranche_count, total_shares):
    rows = [_tranche(problems, n, row) for n, row in enumerate(tranches or (), 1)]
    rows = [r for r in rows if r is not None]
    if len(rows) < len(tranches or ()):
        return ()
    if not rows:
        problems.append(_("Give at least one tranche: its assessment year's period and target (SPA 1.4, 4.1)."))
        return ()
    count = _whole(tranche_count) if tranche_count not in (None, "") else len(rows)
    if count != len(rows):
        problems.append(
            _(
                "The deal has %(count)s tranches but %(given)s assessment years were given; give one "
                "period and target per tranche."
            )
            % {"count": tranche_count, "given": len(rows)}
        )
    if total_shares is not None and total_shares < len(rows):
        problems.append(
            _("%(shares)s shares cannot be split into %(count)s tranches: each needs at least one share.")
            % {"shares": total_shares, "count": len(rows)}
        )
    _sequence(problems, rows)
    return tuple(rows)


def _tranche(problems, n, row):
    """A row as TrancheTerms: (year, start, end, target), (start, end, target), a mapping or TrancheTerms."""
    if isinstance(row, TrancheTerms):
        row = (row.year, row.period_start, row.period_end, row.target_revenue)
    if isinstance(row, Mapping):
        row = (row.get("year", n), row.get("period_start"), row.get("period_end"), row.get("target_revenue"))
    row = tuple(row) if isinstance(row, (list, tuple)) else ()
    if len(row) == 3:
        row = (n, *row)
    if len(row) != 4:
        problems.append(_("Tranche %(n)s: give the year, the period's first and last day, and the target.") % {"n": n})
        return None
    year, start, end, target = row
    before = len(problems)
    year = _whole(year)
    start = _day(problems, start, _("Year %(n)s: give the period's first day (YYYY-MM-DD).") % {"n": n})
    end = _day(problems, end, _("Year %(n)s: give the period's last day (YYYY-MM-DD).") % {"n": n})
    amount = _amount(target)
    if amount is None or amount <= 0 or not _fits(amount, TARGET_DIGITS, TARGET_PLACES):
        problems.append(
            _(
                "Year %(n)s: the target operating revenue must be an amount above zero with at most two "
                "decimal places (SPA 4.1)."
            )
            % {"n": n}
        )
    if start and end and end <= start:
        problems.append(
            _("Year %(n)s ends on %(end)s, not after it starts on %(start)s.")
            % {"n": n, "end": end.isoformat(), "start": start.isoformat()}
        )
    if len(problems) > before:
        return None
    return TrancheTerms(year, start, end, amount.quantize(Decimal(1).scaleb(-TARGET_PLACES)))


def _sequence(problems, rows):
    """Years 1, 2, 3 ... in order, each period starting the day after the previous one ends (SPA 1.4)."""
    for n, row in enumerate(rows, 1):
        if row.year != n:
            problems.append(
                _("The tranches must be years 1, 2, 3 and so on in order; tranche %(n)s says year %(year)s.")
                % {"n": n, "year": row.year}
            )
            return
    for previous, row in pairwise(rows):
        expected = previous.period_end + timedelta(days=1)
        if row.period_start != expected:
            problems.append(
                _(
                    "Year %(year)s must start on %(expected)s, the day after year %(previous)s ends: the "
                    "assessment periods are contiguous (SPA 1.4)."
                )
                % {"year": row.year, "expected": expected.isoformat(), "previous": previous.year}
            )


def _whole(value):
    """A whole number of shares, read by the one parser (escrow.contract.numbers); None if it is not one."""
    try:
        return parse_quantity(value)
    except InvalidInput:
        return None


def _amount(value):
    """An amount, read by the one parser; None if it is not one (the caller says what was expected)."""
    try:
        return parse_amount(value)
    except InvalidInput:
        return None


def _fits(amount, digits, places):
    return amount == amount.quantize(Decimal(1).scaleb(-places)) and abs(amount) < Decimal(10) ** (digits - places)


def _day(problems, value, message):
    try:
        return parse_iso_date(value)
    except InvalidInput:
        problems.append(message)
        return None
