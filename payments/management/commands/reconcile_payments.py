from datetime import timedelta
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from backoffice.batch.command import BatchCommand, positive_int, warn_unknown_store
from backoffice.batch.console import BatchConsole
from backoffice.batch.results import BatchReport
from payments.batch import against_gateway
from payments.batch.reconcile import LOOKUP_FAILED, ReconcilePayments


class Command(BatchCommand):
    help = """Resolve transactions whose gateway outcome is unknown or pending.

Asks the gateway about each one with the idempotency key of the original request (never a new
key): success settles it, a decline or "no record" fails it and releases the reserved amount,
pending stays pending. Orders leave payment review once nothing is unresolved. Oldest first;
prints each change and a summary; exits with status 1 if a lookup failed. Several reconcilers
may run at once: each transaction is claimed by one of them.

--against-gateway: compares each recent payment's ledger (--since DAYS, default 30) with the
gateway's own records instead, lists every difference and exits with status 1 if any; amounts
still awaiting an answer are shown as in flight. Read only.
"""

    def add_job_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--grace-seconds",
            type=float,
            help="Leave unanswered pending requests younger than this alone: their operation "
            "may still be talking to the gateway (default: 3 × the gateway timeout).",
        )

        parser.add_argument(
            "--against-gateway",
            action="store_true",
            help="Instead: compare each recent payment's ledger with what the gateway reports "
            "(authorized, captured, refunded, voided, charged back) and list every difference. "
            "Read only; exits with status 1 if any payment differs.",
        )
        parser.add_argument(
            "--since",
            type=positive_int,
            default=30,
            metavar="DAYS",
            help="With --against-gateway: payments created or moved in the last DAYS days "
            "(default 30).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["against_gateway"]:
            return super().handle(*args, **options)
        store_code = options["store"] or None
        warn_unknown_store(self, store_code)
        console = BatchConsole(out=self.stdout, err=self.stderr, verbosity=options["verbosity"])
        report = against_gateway.run_against_gateway(
            console=console,
            store_code=store_code,
            since=timezone.now() - timedelta(days=options["since"]),
            limit=options["limit"],
            chunk_size=options["chunk_size"],
        )
        console.summary(report, against_gateway.sentence(report))
        if report.failed:
            raise CommandError(against_gateway.failure_message(report), returncode=1)
        return None

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
