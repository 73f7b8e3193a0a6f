"""python manage.py import_prices FILE.csv: NASDAQ closes for the delay penalty (SPA 8.2)."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from escrow.actions.prices import import_prices, parse_price_csv
from escrow.contract.errors import InvalidInput


class Command(BaseCommand):
    help = ("Import daily closing prices from a CSV with the header ticker,date,close[,currency]. "
            "A file with any malformed row imports nothing; each bad row is reported with its line number.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file (UTF-8)")
        parser.add_argument("--replace", action="store_true", help="correct stored closes that differ")
        parser.add_argument("--source", default="", help="where the prices come from (stored with each row)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}")
        try:
            rows = parse_price_csv(text)
            counts = import_prices(rows, source=options["source"] or path.name, replace=options["replace"])
        except InvalidInput as exc:
            raise CommandError(exc.message.replace(" | ", "\n"))
        self.stdout.write(f"{path.name}: {counts['created']} imported, {counts['replaced']} corrected, "
                          f"{counts['unchanged']} already stored.")
