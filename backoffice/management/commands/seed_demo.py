import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from backoffice.demo.generator import TWO_AUTHORIZATIONS_NUMBER
from backoffice.demo.seed import REALISTIC_ORDERS, demo_seed
from backoffice.demo.stripe_account import demo_stripe_account_ensure


class _RichProgress:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None

    def start(self, label: str, total: int) -> None:
        self.task = self.progress.add_task(label, total=total)

    def advance(self, steps: int = 1) -> None:
        if self.task is not None:
            self.progress.advance(self.task, steps)


class Command(BaseCommand):
    help = (
        "Load demo data: stores us (USD), eu (EUR), jp (JPY, captures at checkout) with sandbox "
        "gateway accounts (and a Stripe account on us when STRIPE_SECRET_KEY is a test-mode key, "
        "sk_test_…); the roles (setup_roles); users admin (superuser), manager, finance, "
        "support, viewer (all stores) and finance_eu (finance on eu only), each with the "
        "password <username>-pass and an authenticator app whose secret is printed "
        "(demo only); and orders. The first "
        f"{REALISTIC_ORDERS} orders are realistic stories imported through import_orders "
        "(authorized, expiring, expired, partly and fully captured, refunded, voided, charged "
        "back, payment review, on hold, paid at checkout; order "
        f"{TWO_AUTHORIZATIONS_NUMBER} in store us has two authorizations of 61.00 for a "
        "122.00 order). Orders beyond that are bulk-created benchmark orders. Deterministic "
        "(seeded); safe to re-run: what exists is skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--orders",
            type=int,
            default=REALISTIC_ORDERS,
            help=f"Number of orders (default {REALISTIC_ORDERS}); beyond {REALISTIC_ORDERS} "
            "they are bulk-created for benchmarks (100000 takes about a minute on PostgreSQL).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if sys.stderr.isatty():
            progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(file=sys.stderr),
            )
            with progress:
                report = demo_seed(orders=options["orders"], progress=_RichProgress(progress))
        else:
            report = demo_seed(orders=options["orders"])
        self.stdout.write(self.style.SUCCESS(report.summary()))
        if stripe_line := demo_stripe_account_ensure():
            self.stdout.write(stripe_line)
        for line in report.totp_lines():
            self.stdout.write(line)
