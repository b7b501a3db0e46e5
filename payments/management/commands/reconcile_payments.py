from datetime import timedelta
from typing import Any

from django.core.management.base import CommandParser

from backoffice.batch.command import BatchCommand
from backoffice.batch.results import BatchReport
from payments.batch.reconcile import LOOKUP_FAILED, ReconcilePayments


class Command(BatchCommand):
    help = """Resolve transactions whose gateway outcome is unknown or pending.

Asks the gateway about each one with the idempotency key of the original request (never a new
key): success settles it, a decline or "no record" fails it and releases the reserved amount,
pending stays pending. Orders leave payment review once nothing is unresolved. Oldest first;
prints each change and a summary; exits with status 1 if a lookup failed. Several reconcilers
may run at once: each transaction is claimed by one of them.
"""

    def add_job_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--grace-seconds",
            type=float,
            help="Leave unanswered pending requests younger than this alone: their operation "
            "may still be talking to the gateway (default: 3 × the gateway timeout).",
        )

    def build_job(self, *, store_code: str | None, options: dict[str, Any]) -> ReconcilePayments:
        grace = options["grace_seconds"]
        return ReconcilePayments(
            store_code=store_code, grace=None if grace is None else timedelta(seconds=grace)
        )

    def failure_message(self, report: BatchReport) -> str:
        lookups = report.count(LOOKUP_FAILED)
        if lookups == report.failed:
            return f"{lookups} lookup(s) failed; those transactions are unchanged."
        return super().failure_message(report)
