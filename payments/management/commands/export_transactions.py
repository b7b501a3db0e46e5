import getpass
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from backoffice.audit.events import EXPORT, record_event
from backoffice.batch.command import add_batch_arguments, usage_error, warn_unknown_store
from backoffice.batch.console import BatchConsole
from backoffice.batch.results import BatchReport
from payments.batch.export import (
    FORMATS,
    export_rows,
    exported,
    formatted,
    statuses_sentence,
    transactions_between,
)
from payments.export_csv import ExportRow


def day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise usage_error(f"{text!r} is not a date: use YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = """Export the transactions created between two dates as CSV or JSON Lines.

--from and --to are calendar days in each store's own time zone, both included; timestamps in
the file are UTC. Rows are oldest first and streamed from the database, so memory stays flat
however many there are. Without -o the data goes to stdout and the report to stderr; with -o
the file appears complete or not at all (written beside it, then renamed). --dry-run counts
what would be exported and writes no file. The CSV columns are those of the transaction
list's Export button.
"""

    def add_arguments(self, parser: CommandParser) -> None:
        add_batch_arguments(parser, claims=False)
        parser.add_argument("--from", dest="first", required=True, metavar="DATE")
        parser.add_argument("--to", dest="last", required=True, metavar="DATE")
        parser.add_argument(
            "--format", choices=FORMATS, help="csv or jsonl (default: from -o's extension, csv)."
        )
        parser.add_argument("-o", "--output", metavar="FILE", help="Write here (default: stdout).")

    def handle(self, *args: Any, **options: Any) -> None:
        first, last = day(options["first"]), day(options["last"])
        if last < first:
            raise usage_error("--to must be on or after --from.")
        path = options["output"] if options["output"] not in (None, "-") else None
        fmt = options["format"] or _format_of(path)
        store_code, dry_run = options["store"] or None, options["dry_run"]
        warn_unknown_store(self, store_code)
        queryset = transactions_between(first=first, last=last, store_code=store_code)
        console = BatchConsole(
            out=self.stdout,
            err=self.stderr,
            verbosity=options["verbosity"],
            report_to_err=path is None,
        )
        report = BatchReport(
            job="export_transactions",
            title="Export transactions",
            noun="transaction",
            dry_run=dry_run,
        )
        total = queryset.count()
        if options["limit"]:
            total = min(total, options["limit"])
        rows = export_rows(queryset, limit=options["limit"])
        with (
            console.progress(total, title="Exporting") as advance,
            self._sink(path, dry_run=dry_run) as write,
        ):
            for line in formatted(_counted(rows, report, advance), fmt=fmt):
                write(line)
        where = path or "stdout"
        verb = "Dry run: would export" if dry_run else "Exported"
        if not dry_run:
            record_event(
                type=EXPORT,
                user_label=f"operator ({getpass.getuser()})",
                store_code=store_code or "",
                message=f"export_transactions: {report.seen} transaction(s) from {first} to "
                f"{last} ({fmt}) to {where}",
                details={"from": str(first), "to": str(last), "format": fmt, "rows": report.seen},
            )
        if console.verbosity:
            # Silent at verbosity 0 even when some rows are failed transactions: exporting
            # them is no failure of this job (its own failures raise).
            console.summary(
                report,
                f"{verb} {report.seen} transaction(s) created from {first} to {last} "
                f"({fmt}){'' if dry_run else f' to {where}'}.{statuses_sentence(report)}",
            )

    @contextmanager
    def _sink(self, path: str | None, *, dry_run: bool) -> Iterator[Callable[[str], Any]]:
        if dry_run:
            yield lambda line: None
        elif path is None:
            yield lambda line: self.stdout.write(line, ending="")
        else:
            part = f"{path}.part"
            try:
                with open(part, "w", encoding="utf-8", newline="") as file:
                    yield file.write
                os.replace(part, path)
            finally:
                if os.path.exists(part):
                    os.remove(part)


def _format_of(path: str | None) -> str:
    return "jsonl" if path and path.endswith((".jsonl", ".json")) else "csv"


def _counted(
    rows: Iterable[ExportRow], report: BatchReport, advance: Callable[[], None]
) -> Iterator[ExportRow]:
    """The rows, unchanged, counted per transaction type and final status on the way through."""
    for row in rows:
        report.add(exported(row))
        advance()
        yield row
