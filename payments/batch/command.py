"""The options and the exit status every batch command shares.

Exit status: 0 when every item was done or had nothing to do, 1 when any item failed (its line
says why; the others were still processed), 2 for a usage error (bad option).
"""

import argparse
from abc import abstractmethod
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backoffice.models import Store
from payments.batch.console import BatchConsole
from payments.batch.runner import BatchJob, BatchReport, run_batch

DEFAULT_CHUNK_SIZE = 100


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


class BatchCommand(BaseCommand):
    """A management command running one `BatchJob` through the shared runner."""

    # export_transactions writes its data to stdout: its report goes to stderr.
    report_to_err = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show what would be done, item by item, and write nothing.",
        )
        parser.add_argument(
            "--limit", type=positive_int, metavar="N", help="Process at most N items in this run."
        )
        parser.add_argument("--store", metavar="CODE", help="Only this store's items.")
        parser.add_argument(
            "--chunk-size",
            type=positive_int,
            default=DEFAULT_CHUNK_SIZE,
            metavar="N",
            help=f"Items read and claimed at a time (default {DEFAULT_CHUNK_SIZE}).",
        )
        self.add_job_arguments(parser)

    def add_job_arguments(self, parser: CommandParser) -> None:
        """The command's own options."""

    @abstractmethod
    def build_job(self, *, store_code: str | None, options: dict[str, Any]) -> BatchJob:
        """The job for these options (`store_code`: `--store`, filter by it); raise
        `usage_error(...)` for bad input."""

    def failure_message(self, report: BatchReport) -> str:
        return f"{report.failed} {report.noun}(s) failed; see the lines above."

    def handle(self, *args: Any, **options: Any) -> None:
        store_code = options["store"] or None
        self.warn_unknown_store(store_code)
        job = self.build_job(store_code=store_code, options=options)
        console = BatchConsole(
            out=self.stdout,
            err=self.stderr,
            verbosity=options["verbosity"],
            report_to_err=self.report_to_err,
        )
        report = run_batch(
            job,
            console=console,
            limit=options["limit"],
            dry_run=options["dry_run"],
            chunk_size=options["chunk_size"],
        )
        console.summary(report, job.sentence(report))
        if report.failed:
            raise CommandError(self.failure_message(report), returncode=1)

    def warn_unknown_store(self, code: str | None) -> None:
        # Not an error (a store may not exist yet on this installation), but said plainly: the
        # job then finds nothing to do.
        if code and not Store.objects.filter(code=code).exists():
            self.stderr.write(f"No store has the code {code!r}: nothing to do.")


def usage_error(message: str) -> CommandError:
    return CommandError(message, returncode=2)
