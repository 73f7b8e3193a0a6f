"""python manage.py sweep [--date YYYY-MM-DD]: the deadline sweep that Celery beat ticks.

Safe to run at any time and any number of times: it derives everything from the database. `--date`
catches up a past contract day; a day after today's (Asia/Shanghai) is refused and nothing is written
(clocks only move forward): the error is one line on stderr and the exit status is 1.
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from escrow.actions.deadlines import sweep
from escrow.contract.errors import DomainError
from escrow.contract.numbers import InputProblem, parse_iso_date


class Command(BaseCommand):
    help = (
        "Open tranches whose year ended, remind and mark missed deadlines, issue the escrow fee invoice of "
        "each started escrow year, accrue penalty days through the day before (SPA 5.1, EA 3.2, EA 4.4, "
        "SPA 8.2). Idempotent; catches up missed days."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", help="a past contract day to catch up, YYYY-MM-DD (default and latest: today in Asia/Shanghai)"
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **options):
        try:
            today = None if options["date"] is None else parse_iso_date(options["date"])
            report = sweep(today=today).as_dict()
        except InputProblem as exc:
            raise CommandError(f"--date: {exc.translated(gettext).message}") from None
        except DomainError as exc:  # a day after today's contract date: nothing was written
            raise CommandError(exc.message) from None
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
            return
        p = report["penalty"]
        self.stdout.write(
            f"sweep {report['today']}: {report['opened']} year(s) opened, {report['notifications']} "
            f"notification(s), {report['missed']} deadline(s) marked missed, {report['fee_invoices']} escrow fee "
            f"invoice(s) issued; penalty through {p['through']}: "
            f"{p['days_written']} day(s) written, {p['days_revalued']} revalued on {p['tranches']} tranche(s), "
            f"{p['missing_price_days']} liable day(s) without a price"
        )
