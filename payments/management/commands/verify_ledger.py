import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backoffice.batch.progress import progress_bar
from backoffice.money import format_money
from payments.gateway_check import Verdict, describe, payment_checks, payments_in_scope
from payments.verification import ledger_drifts, payments_for_verification


class Command(BaseCommand):
    help = """Recompute every payment's amounts from its transactions and report drift.

Read only: compares each payment's cached amounts (authorized, captured, refunded, voided,
charged back and the pending ones) with what its ledger rows add up to. Prints each payment
that drifted and a summary; exits with status 1 if any did.

--against-gateway: also compares each payment's ledger with its gateway's own records (as
`reconcile_payments --against-gateway` does) and exits with status 1 if any differs.
"""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", help="Only this store's payments (store code).")
        parser.add_argument("--limit", type=int, help="At most N payments.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Accepted for uniformity: never writes."
        )
        parser.add_argument("--chunk-size", type=int, default=500, help=argparse.SUPPRESS)
        parser.add_argument(
            "--against-gateway",
            action="store_true",
            help="Also compare each payment's ledger with what its gateway reports and list "
            "every difference (exit status 1 if any).",
        )

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
        differing = self._against_gateway(options) if options["against_gateway"] else 0
        if drifted:
            raise CommandError(f"{drifted} payment(s) drifted from their ledger.", returncode=1)
        if differing:
            raise CommandError(
                f"{differing} payment(s) differ from the gateway's records.", returncode=1
            )

    def _against_gateway(self, options: dict[str, Any]) -> int:
        """The same payments against their gateway's records: the number that differ (or
        whose lookup failed)."""
        counts = dict.fromkeys(Verdict, 0)
        checks = payment_checks(
            payments_in_scope(store_code=options["store"]),
            limit=options["limit"],
            chunk_size=options["chunk_size"],
        )
        for check in checks:
            counts[check.verdict] += 1
            if check.verdict in {Verdict.DIFFERS, Verdict.LOOKUP_FAILED}:
                line = f"#{check.payment.order.number} payment {check.payment.pk}: "
                self.stderr.write(self.style.ERROR(line + describe(check)))
        not_compared = counts[Verdict.NOTHING_TO_COMPARE] + counts[Verdict.CANNOT_COMPARE]
        self.stdout.write(
            f"Compared {sum(counts.values())} payment(s) with the gateway: "
            f"{counts[Verdict.DIFFERS]} with differences, {counts[Verdict.IN_FLIGHT]} in flight, "
            f"{not_compared} not compared, {counts[Verdict.LOOKUP_FAILED]} lookup error(s)."
        )
        return counts[Verdict.DIFFERS] + counts[Verdict.LOOKUP_FAILED]
