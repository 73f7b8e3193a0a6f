"""python manage.py create_deal TERMS.json --by USERNAME: a new deal from its terms (SPA 1.4, 4.1, 5.1).

TERMS.json holds the keyword arguments of escrow.actions.deals.check_terms, for example:
    {"slug": "acme-2026", "name": "Acme earn-out", "target_company": "Acme Ltd", "total_shares": 900,
     "effective_date": "2026-01-05", "calendar": "HK", "ticker": "ACME",
     "policies": {"excess_credit": "half-of-excess", "rounding": "floor"},
     "tranches": [{"year": 1, "period_start": "2026-01-01", "period_end": "2026-12-31", "target_revenue": "100"}]}
Amounts may be numbers or strings; numbers are read as decimals, never as floating point.
"""

import inspect
import json
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from escrow.actions.deals import check_terms, create_deal
from escrow.contract.errors import DomainError
from escrow.management.commands._by import person

TERMS = list(inspect.signature(check_terms).parameters)


class Command(BaseCommand):
    help = "Create a deal and its tranches from a JSON file of its terms, as the staff member named by --by."

    def add_arguments(self, parser):
        parser.add_argument("file", help="JSON file (UTF-8) with the deal's terms")
        parser.add_argument("--by", required=True, metavar="USERNAME", help="the staff member who creates the deal")

    def handle(self, *args, **options):
        actor = person(options["by"])
        terms = self._terms(Path(options["file"]))
        try:
            deal = create_deal(actor, **terms)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Created: {deal.name} ({deal.slug}), {deal.total_shares:,} shares in {deal.tranche_count} tranches."
        )

    def _terms(self, path):
        try:
            terms = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path} is not JSON: {exc}") from exc
        if not isinstance(terms, dict):
            raise CommandError(f"{path} must hold one JSON object with the deal's terms.")
        unknown = sorted(set(terms) - set(TERMS))
        if unknown:
            raise CommandError(f"unknown terms {', '.join(unknown)}; the terms are: {', '.join(TERMS)}.")
        missing = [
            name
            for name, p in inspect.signature(check_terms).parameters.items()
            if p.default is inspect.Parameter.empty and name not in terms
        ]
        if missing:
            raise CommandError(f"missing terms: {', '.join(missing)}.")
        return terms
