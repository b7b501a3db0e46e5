import argparse
from datetime import timedelta
from typing import Any

from django.core.management.base import CommandParser

from backoffice.batch.command import BatchCommand, usage_error
from backoffice.money import MoneyError
from orders.batch.capture import CaptureAuthorized, max_amount_q


def hours(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of hours") from None
    if value < 0:
        raise argparse.ArgumentTypeError("can't be negative")
    return value


class Command(BatchCommand):
    help = """Invoice and capture online the authorized orders that are not invoiced yet.

For each order with an open authorization and items not invoiced (new, pending payment or
processing), one invoice covers every item not invoiced, and Capture Online takes its total
from the order's authorizations, soonest-expiring first. Each order gets a result line; a
decline is reported (and written to the order's history) and the batch goes on; the exit
status is 1 when any order failed. Running it again never invoices or captures an order twice.
"""

    def add_job_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=hours,
            metavar="HOURS",
            help="Only orders placed at least HOURS ago (e.g. 24: leave a day to cancel).",
        )
        parser.add_argument(
            "--max-amount",
            metavar="AMOUNT",
            help="Only orders whose grand total is at most AMOUNT, in major units of each "
            "order's own currency (e.g. 500.00).",
        )

    def build_job(self, *, store_code: str | None, options: dict[str, Any]) -> CaptureAuthorized:
        older_than = options["older_than"]
        limit = None
        if options["max_amount"] is not None:
            try:
                limit = max_amount_q(options["max_amount"], store_code=store_code)
            except MoneyError as exc:
                raise usage_error(
                    f"--max-amount {options['max_amount']}: {exc} Pick one store with --store."
                ) from None
        return CaptureAuthorized(
            store_code=store_code,
            older_than=None if older_than is None else timedelta(hours=older_than),
            max_amount=limit,
        )
