import sys
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from orders.services.importing import ImportReport, orders_import_lines


class Command(BaseCommand):
    help = """Import orders from a JSON Lines file (one order per line), or from stdin with '-'.

Each line is validated completely and written in its own transaction: an invalid line is
reported on stderr with its line number and reason and nothing of it is written; the other
lines import. An order number that already exists is skipped, so re-importing a file changes
nothing. Exits with status 1 when any line failed.

Keys per line: number, store, currency, placed_at, customer {email, name}, billing_address and
optional shipping_address {name, street, city, postcode, region, country, phone}, items [{sku,
name, qty, price, tax, discount}] (tax and discount are row totals), optional shipping
{method, amount}, optional payments [{gateway, action: authorize | authorize_capture, amount,
reference, authorized_at, expires_at, card {brand, last4}, method_title}]. Amounts are decimal
strings in major units of the order currency ("56.00"; JPY "5600"): more decimals than the
currency has is an error. Grand total = sum(price x qty) + sum(tax) - sum(discount) + shipping.
An authorize_capture payment is recorded as captured at checkout and the order is invoiced.
"""

    # Tests pass a StringIO for '-' through call_command(stdin=...).
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="JSON Lines file, or '-' to read standard input")

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["file"]
        lines = self._read(source, options.get("stdin") or sys.stdin)
        report = self._run(lines, source_name="stdin" if source == "-" else Path(source).name)
        for error in report.failed:
            for message in error.messages():
                self.stderr.write(message)
        self.stdout.write(report.summary())
        if not report.ok:
            raise CommandError(
                f"{len(report.failed)} line(s) failed; nothing of them was written.", returncode=1
            )

    def _read(self, source: str, stdin: TextIO) -> list[str]:
        if source == "-":
            return stdin.read().splitlines()
        try:
            # utf-8-sig: spreadsheet tools like to prepend a byte order mark.
            return Path(source).read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {source}: {exc}") from exc

    def _run(self, lines: list[str], *, source_name: str) -> ImportReport:
        if not sys.stderr.isatty():
            return orders_import_lines(lines=lines, source_name=source_name)
        progress = Progress(
            TextColumn("Importing orders"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(file=sys.stderr),
            transient=True,
        )
        with progress:
            task = progress.add_task("import", total=len(lines))
            return orders_import_lines(
                lines=lines,
                source_name=source_name,
                on_line=lambda line_no: progress.update(task, completed=line_no),
            )
