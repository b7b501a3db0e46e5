"""The options and the exit status every batch command shares.

Exit status: 0 when every item was done or had nothing to do, 1 when any item failed (its line
says why; the others were still processed), 2 for a usage error (bad option).
"""

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backoffice.batch.console import BatchConsole
from backoffice.batch.results import BatchReport
from backoffice.batch.runner import BatchJob, run_batch
from backoffice.models import Store

DEFAULT_CHUNK_SIZE = 500


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def add_batch_arguments(parser: CommandParser, *, claims: bool = True) -> None:
    """`--dry-run`, `--limit`, `--store` (and `--chunk-size` for jobs that claim items)."""
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="Show what would be done, item by item, and write nothing.",
    )
    parser.add_argument(
        "--limit", type=positive_int, metavar="N", help="Process at most N items in this run."
    )
    parser.add_argument("--store", metavar="CODE", help="Only this store's items.")
    if claims:
        parser.add_argument(
            "--chunk-size",
            type=positive_int,
            default=DEFAULT_CHUNK_SIZE,
            metavar="N",
            help=f"Items read and claimed at a time (default {DEFAULT_CHUNK_SIZE}).",
        )


def warn_unknown_store(command: BaseCommand, code: str | None) -> None:
    # Not an error (a store may not exist yet on this installation), but said plainly: the
    # command then finds nothing to do.
    if code and not Store.objects.filter(code=code).exists():
        command.stderr.write(f"No store has the code {code!r}: nothing to do.")


class BatchCommand(BaseCommand):
    """A management command running one `BatchJob` through the shared runner."""

    def add_arguments(self, parser: CommandParser) -> None:
        add_batch_arguments(parser)
        self.add_job_arguments(parser)

    def add_job_arguments(self, parser: CommandParser) -> None:
        """The command's own options."""

    def build_job(self, *, store_code: str | None, options: dict[str, Any]) -> BatchJob:
        """The job for these options (`store_code`: `--store`, filter by it); raise
        `usage_error(...)` for bad input."""
        raise NotImplementedError

    def failure_message(self, report: BatchReport) -> str:
        return f"{report.failed} {report.noun}(s) failed; see the lines above."

    def handle(self, *args: Any, **options: Any) -> None:
        store_code = options["store"] or None
        warn_unknown_store(self, store_code)
        job = self.build_job(store_code=store_code, options=options)
        console = BatchConsole(out=self.stdout, err=self.stderr, verbosity=options["verbosity"])
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


def usage_error(message: str) -> CommandError:
    return CommandError(message, returncode=2)
