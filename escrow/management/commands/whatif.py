"""What-if calculator: the release table for hypothetical audited revenues (SPA 5.1, 5.2), through the
schedule every page and action reads (escrow.queries.quantities.schedule_for): years already released
show what they released, and later offsets for them are capped at what is left of their fifth."""

import json
import sys
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand

from escrow.contract.policies import Policies, PolicyError
from escrow.models import Deal
from escrow.queries.quantities import schedule_for


class UsageError(Exception):
    pass


class Command(BaseCommand):
    help = "Print per year: target, actual, own release, deducted, offset for earlier years, total release (SPA 5.2)."

    def add_arguments(self, parser):
        parser.add_argument("--deal", required=True, help="deal slug, e.g. kaixin-2025")
        parser.add_argument("--actuals", required=True, help="audited revenues per year, comma-separated (RMB)")
        parser.add_argument(
            "--policy",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="override a policy (P1-P8 keys of RULES.md); repeatable",
        )
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **options):
        try:
            deal, schedule = self._compute(options)
        except UsageError as exc:
            sys.stderr.write(f"whatif: {exc}\n")
            sys.exit(2)
        data = as_json(deal, schedule)
        if options["json"]:
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(as_table(data, notes(schedule)))

    def _compute(self, options):
        deal = Deal.objects.filter(slug=options["deal"]).first()
        if deal is None:
            raise UsageError(f"unknown deal '{options['deal']}'")
        actuals = parse_actuals(options["actuals"])
        tranches = list(deal.tranches.order_by("year"))
        if len(actuals) > len(tranches):
            raise UsageError(f"{len(actuals)} revenues given but deal '{deal.slug}' has {len(tranches)} years")
        policies = parse_policies(deal, options["policy"])
        try:
            return deal, schedule_for(deal, tranches=tranches, actuals=actuals, policies=policies)
        except ValueError as exc:
            raise UsageError(str(exc)) from exc


def parse_actuals(text):
    values = []
    for i, raw in enumerate(text.split(","), 1):
        try:
            value = Decimal(raw.strip().replace("_", ""))
        except InvalidOperation:
            raise UsageError(f"revenue of year {i} '{raw.strip()}' is not a number") from None
        if not value.is_finite() or value < 0:
            raise UsageError(f"revenue of year {i} '{raw.strip()}' must be a number >= 0")
        values.append(value)
    return values


def parse_policies(deal, pairs):
    mapping = deal.policies.as_dict()
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise UsageError(f"policy '{pair}' is not KEY=VALUE")
        if key.strip() not in mapping:
            raise UsageError(f"unknown policy '{key.strip()}' (known: {', '.join(mapping)})")
        mapping[key.strip()] = value.strip()
    try:
        return Policies.from_mapping(mapping)
    except PolicyError as exc:
        raise UsageError(str(exc)) from exc


def as_json(deal, schedule):
    return {
        "deal": deal.slug,
        "policies": schedule.policies.as_dict(),
        "years": [
            {
                "year": y.year,
                "target": f"{y.target:.2f}",
                "actual": f"{y.actual:.2f}",
                "own_release": y.own_release,
                "deducted": y.deducted,
                "offset_shares": {str(k): v for k, v in y.offset_shares.items()},
                "total_release": y.total_release,
            }
            for y in schedule.years
        ],
        "cancelled_at_expiry": schedule.cancelled_at_expiry,
    }


def notes(schedule):
    """What makes a row differ from the bare formula: a year already released, a capped offset (SPA 5.1)."""
    lines = []
    for y in schedule.years:
        if y.released:
            lines.append(f"Year {y.year} is released: {y.total_release:,} shares as recorded, not the formula's.")
        if y.offset_capped_for_years:
            years = ", ".join(str(n) for n in y.offset_capped_for_years)
            lines.append(
                f"Year {y.year}: offset for year {years} capped at what is still unreleased of its fifth (SPA 5.1)."
            )
    return lines


def as_table(data, remarks=()):
    head = (
        f"{'year':>4} {'target':>16} {'actual':>16} {'own release':>12} {'deducted':>10} "
        f"{'offset':>22} {'total release':>14}"
    )
    lines = [
        f"Deal {data['deal']}; policies: " + ", ".join(f"{k}={v}" for k, v in data["policies"].items()),
        head,
        "-" * len(head),
    ]
    for y in data["years"]:
        offset_shares = ", ".join(f"y{k}: {v:,}" for k, v in y["offset_shares"].items()) or "-"
        lines.append(
            f"{y['year']:>4} {Decimal(y['target']):>16,} {Decimal(y['actual']):>16,} "
            f"{y['own_release']:>12,} {y['deducted']:>10,} {offset_shares:>22} {y['total_release']:>14,}"
        )
    lines += remarks
    cancelled = data["cancelled_at_expiry"]
    lines.append(
        f"Cancelled at expiry (SPA 5.2(1)): {cancelled:,}"
        if cancelled is not None
        else "Cancelled at expiry: not known until every year is audited"
    )
    return "\n".join(lines)
