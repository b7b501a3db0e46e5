import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backoffice.batch.progress import progress_bar
from backoffice.money import format_money
from payments.verification import ledger_drifts, payments_for_verification


class Command(BaseCommand):
    help = """Recompute every payment's amounts from its transactions and report drift.

Read only: compares each payment's cached amounts (authorized, captured, refunded, voided,
charged back and the pending ones) with what its ledger rows add up to. Prints each payment
that drifted and a summary; exits with status 1 if any did.
"""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", help="Only this store's payments (store code).")
        parser.add_argument("--limit", type=int, help="At most N payments.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Accepted for uniformity: never writes."
        )
        parser.add_argument("--chunk-size", type=int, default=500, help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["limit"] is not None and options["limit"] < 1:
            raise CommandError("--limit must be at least 1.")
        payments = payments_for_verification(store_code=options["store"])
        total = payments.count()
        if options["limit"]:
            total = min(total, options["limit"])
        checked = drifted = 0
        with progress_bar("Verifying the ledger", total) as advance:
            for payment, drift in ledger_drifts(
                payments=payments, limit=options["limit"], chunk_size=options["chunk_size"]
            ):
                checked += 1
                advance()
                if drift is None:
                    continue
                drifted += 1
                fields = ", ".join(
                    f"{name} cached {format_money(cached, payment.currency)} "
                    f"≠ ledger {format_money(value, payment.currency)}"
                    for name, (cached, value) in drift.fields.items()
                )
                self.stderr.write(
                    self.style.ERROR(f"#{payment.order.number} payment {payment.pk}: {fields}")
                )
        self.stdout.write(f"Checked {checked} payment(s): {drifted} with drift.")
        if drifted:
            raise CommandError(f"{drifted} payment(s) drifted from their ledger.", returncode=1)
