"""python manage.py import_prices FILE.csv --by USERNAME: NASDAQ closes for the delay penalty (SPA 8.2).

The person named by --by is the one who enters the prices: staff with the permission, or the issuer
of a deal whose shares trade under every ticker in the file. The reference history records the
import with the file's SHA-256.
"""

import hashlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from escrow.actions.prices import import_prices, parse_price_csv
from escrow.contract.errors import DomainError
from escrow.management.commands._by import person


class Command(BaseCommand):
    help = (
        "Import daily closing prices from a CSV with the header ticker,date,close[,currency]. "
        "A file with any malformed row imports nothing; each bad row is reported with its line number."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file (UTF-8)")
        parser.add_argument(
            "--by",
            required=True,
            metavar="USERNAME",
            help="who enters the prices: staff with the permission, or the issuer of the deal",
        )
        parser.add_argument("--replace", action="store_true", help="correct stored closes that differ")
        parser.add_argument("--source", default="", help="where the prices come from (stored with each row)")

    def handle(self, *args, **options):
        actor = person(options["by"])
        path = Path(options["file"])
        try:
            data = path.read_bytes()
            text = data.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        try:
            rows = parse_price_csv(text)
            counts = import_prices(
                actor,
                rows,
                source=options["source"] or path.name,
                replace=options["replace"],
                file_sha256=hashlib.sha256(data).hexdigest(),
            )
        except DomainError as exc:
            raise CommandError(exc.message.replace(" | ", "\n")) from exc
        self.stdout.write(
            f"{path.name}: {counts['created']} imported, {counts['replaced']} corrected, "
            f"{counts['unchanged']} already stored."
        )
