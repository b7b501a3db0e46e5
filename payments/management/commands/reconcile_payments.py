from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backoffice.money import format_money
from payments.models import Transaction
from payments.services.reconcile import (
    ReconcileChange,
    open_transactions,
    payments_reconcile,
)

from ._progress import progress_bar


class Command(BaseCommand):
    help = """Resolve transactions whose gateway outcome is unknown or pending.

Asks the gateway about each one with the idempotency key of the original request (never a new
key): success settles it, a decline or "no record" fails it and releases the reserved amount,
pending stays pending. Orders leave payment review once nothing is unresolved. Prints each
change and a summary; exits with status 1 if a lookup failed.
"""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Ask, print, change nothing.")
        parser.add_argument("--limit", type=int, help="At most N transactions (oldest first).")
        parser.add_argument("--store", help="Only this store's transactions (store code).")
        parser.add_argument(
            "--grace-seconds",
            type=float,
            help="Leave unanswered pending requests younger than this alone: their operation "
            "may still be talking to the gateway (default: 3 × the gateway timeout).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["limit"] is not None and options["limit"] < 1:
            raise CommandError("--limit must be at least 1.")
        store, dry_run = options["store"], options["dry_run"]
        grace = options["grace_seconds"]
        total = open_transactions(store_code=store).count()
        if options["limit"]:
            total = min(total, options["limit"])
        with progress_bar("Reconciling", total) as advance:
            report = payments_reconcile(
                store_code=store,
                limit=options["limit"],
                dry_run=dry_run,
                grace=None if grace is None else timedelta(seconds=grace),
                on_progress=lambda _txn, _change: advance(),
            )
        for change in report.changes:
            self._print(change)
        prefix = "Dry run: " if dry_run else ""
        verb = "would resolve" if dry_run else "resolved"
        self.stdout.write(
            f"{prefix}checked {report.checked} open transaction(s), {verb} "
            f"{len(report.resolved)}, {len(report.errors)} lookup error(s)."
        )
        if report.errors:
            raise CommandError(
                f"{len(report.errors)} lookup(s) failed; those transactions are unchanged.",
                returncode=1,
            )

    def _print(self, change: ReconcileChange) -> None:
        txn: Transaction = change.transaction
        head = (
            f"#{txn.order.number} {txn.get_type_display()} {txn.uuid} "
            f"{format_money(txn.amount, txn.currency)}: {change.before} → {change.after}"
        )
        line = f"{head}. {change.message}"
        if change.error:
            self.stderr.write(self.style.ERROR(line))
        else:
            self.stdout.write(line)
