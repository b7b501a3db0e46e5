import argparse
from datetime import timedelta
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone

from backoffice.batch.command import BatchCommand, warn_unknown_store
from backoffice.money import format_money
from orders.batch.expiring import authorizations_expiring, local_time
from orders.batch.expiry import ExpireAuthorizations
from orders.services.invoice_outcome import authorization_label
from payments.ledger import uncaptured_remainder


def hours(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of hours") from None
    if not 0 < value <= 24 * 366:
        raise argparse.ArgumentTypeError("must be more than 0 and at most a year")
    return value


class Command(BatchCommand):
    help = """Release authorizations past their expiry and cancel the orders left with nothing
captured.

An authorization expires at its expiry date (from its gateway account's validity, 7 days by
default, or from the import). Its uncaptured remainder is voided online while the gateway may
still hold it, otherwise (or when the gateway declines) recorded as expired. An order with
nothing captured is then canceled with its unpaid invoices and the items not invoiced. Every
step is written to the order's history. Held orders and orders in payment review are left
alone and reported.

--warn-hours H only lists the open authorizations that expire within H hours (the same list as
the dashboard) and changes nothing.
"""

    def add_job_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--warn-hours",
            type=hours,
            metavar="H",
            help="List the open authorizations expiring within H hours; change nothing.",
        )

    def build_job(self, *, store_code: str | None, options: dict[str, Any]) -> ExpireAuthorizations:
        return ExpireAuthorizations(store_code=store_code)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["warn_hours"] is None:
            return super().handle(*args, **options)
        warn_unknown_store(self, options["store"])
        self._warn(within=options["warn_hours"], store=options["store"], limit=options["limit"])

    def _warn(self, *, within: float, store: str | None, limit: int | None) -> None:
        now = timezone.now()
        rows = authorizations_expiring(within=timedelta(hours=within), now=now)
        if store:
            rows = rows.filter(order__store__code=store)
        if limit:
            rows = rows[:limit]
        count = 0
        totals: dict[str, int] = {}  # currency → uncaptured minor units
        for payment in rows.iterator(chunk_size=500):
            order, left = payment.order, uncaptured_remainder(payment)
            count += 1
            totals[payment.currency] = totals.get(payment.currency, 0) + left
            assert payment.expires_at is not None  # the selector only lists dated ones
            in_hours = (payment.expires_at - now).total_seconds() / 3600
            self.stdout.write(
                f"#{order.number} ({order.store.code}) {authorization_label(payment)}: "
                f"{format_money(left, payment.currency)} uncaptured, expires "
                f"{local_time(payment.expires_at, order.store)} (in {in_hours:.0f} h)"
            )
        money = " · ".join(format_money(v, c) for c, v in sorted(totals.items()))
        self.stdout.write(
            f"{count} open authorization(s) expire within {within:g} hour(s)"
            + (f": {money} not captured yet." if count else ".")
        )
