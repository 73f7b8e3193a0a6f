"""python manage.py sweep [--date YYYY-MM-DD]: the deadline sweep that Celery beat ticks.

Safe to run at any time and any number of times: it derives everything from the database.
"""

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from escrow.actions.deadlines import sweep


class Command(BaseCommand):
    help = (
        "Open tranches whose year ended, remind and mark missed deadlines, accrue penalty days "
        "through the day before (SPA 5.1, EA 3.2, SPA 8.2). Idempotent; catches up missed days."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="contract day to sweep for (default: today in Asia/Shanghai)")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **options):
        try:
            today = date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError:
            raise CommandError(f"--date {options['date']!r} is not YYYY-MM-DD") from None
        report = sweep(today=today).as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
            return
        p = report["penalty"]
        self.stdout.write(
            f"sweep {report['today']}: {report['opened']} year(s) opened, {report['notifications']} "
            f"notification(s), {report['missed']} deadline(s) marked missed; penalty through {p['through']}: "
            f"{p['days_written']} day(s) written, {p['days_revalued']} revalued on {p['tranches']} tranche(s), "
            f"{p['missing_price_days']} liable day(s) without a price"
        )
